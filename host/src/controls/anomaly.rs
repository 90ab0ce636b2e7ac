//! Behavioural anomaly detection and automated response. For every hosted identity, and
//! for every tenant as a whole, the host keeps per-second counts of six signals (calls,
//! validation failures, rate-limit refusals, failed calls, egress denials, distinct
//! tools) and, per signal, an exponentially weighted mean and variance of past seconds.
//! A signal's score is how many deviations (never less than its floor) the current
//! second stands above its mean; the highest score picks the response: log it, tighten
//! the caller's rate limit, block it for a while, or — at a second block within the hour —
//! isolate it (nothing but get_server_health). Every response is audited with its
//! evidence and expires by itself; admins list and lift them (`admin_anomalies`,
//! `admin_lift_block`). With Redis, responses and offence counts are shared, so a block
//! on one instance is a block on all within a second.
//!
//! The local client on stdio (the user who started the process) is never scored; reads
//! done on a hosted caller's behalf (completion, subscriptions) are scored as that caller's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::shared::Shared;

/// The signals, in the order of every array below.
pub const SIGNALS: [&str; 6] = ["calls", "validationFailures", "rateLimited", "errors", "egressDenials", "distinctTools"];
/// A score below its floor is noise: no signal's deviation is taken as smaller than this
/// per second (an identity with no history has deviation 0).
const FLOOR: [f64; 6] = [100.0, 2.0, 2.0, 2.0, 1.0, 5.0];
/// Counts in one second below these never score (a handful of typos is not an attack).
const MINIMUM: [u32; 6] = [200, 8, 10, 10, 3, 10];
/// A tenant is many identities: its floors and minimums are this many times an identity's.
const TENANT_SCALE: f64 = 4.0;
/// Weight of the newest second in the means and variances (about a 20-second memory).
const ALPHA: f64 = 0.05;
/// Scores at which each response starts.
const LOG_AT: f64 = 3.0;
const TIGHTEN_AT: f64 = 5.0;
const BLOCK_AT: f64 = 8.0;
/// A tightened caller's calls cost this many tokens.
pub const TIGHTENED_COST: u32 = 4;
/// Offences within this window escalate a block to isolation.
const STRIKE_WINDOW: Duration = Duration::from_secs(3600);
/// Subjects remembered at most; idle ones are forgotten first.
const MAX_SUBJECTS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
pub struct DetectionConfig {
    pub tighten_for: Duration,
    pub block_for: Duration,
    pub isolate_for: Duration,
}

/// What happened in one call, as the detector counts it.
#[derive(Debug, Default, Clone, Copy)]
pub struct Observation {
    pub validation_failure: bool,
    pub rate_limited: bool,
    pub error: bool,
    pub egress_denials: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Response {
    Log,
    Tighten,
    Block,
    Isolate,
}

impl Response {
    /// Its name in logs, metrics and audit records (as it is serialised).
    pub fn name(self) -> &'static str {
        match self {
            Response::Log => "log",
            Response::Tighten => "tighten",
            Response::Block => "block",
            Response::Isolate => "isolate",
        }
    }
}

/// A response in force.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Action {
    /// `identity:<tenant>:<identity>` or `tenant:<tenant>`.
    pub subject: String,
    pub tenant: String,
    pub response: Response,
    /// When it ends, in ms since the Unix epoch.
    pub until_ms: u64,
    pub reason: String,
    pub evidence: Value,
}

impl Action {
    pub fn seconds_left(&self) -> u64 {
        self.until_ms.saturating_sub(now_ms()).div_ceil(1000)
    }
}

/// What a call may do given the responses in force on its identity and tenant.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Allow,
    /// Allowed, each call costing [`TIGHTENED_COST`] tokens.
    Tightened,
    Refused { response: Response, seconds: u64, reason: String },
}

#[derive(Debug, Default, Clone)]
struct Subject {
    mean: [f64; 6],
    var: [f64; 6],
    /// The second being counted, its counts and the tools seen in it.
    second: u64,
    counts: [u32; 6],
    tools: Vec<String>,
    /// The highest response already taken this second (so a burst is answered once).
    answered: Option<Response>,
    /// Blocks and isolations, newest last (ms), within [`STRIKE_WINDOW`].
    strikes: Vec<u64>,
}

impl Subject {
    /// Moves to `second`: the counted seconds (and the silent ones since) enter the baseline.
    fn roll(&mut self, second: u64) {
        if second == self.second {
            return;
        }
        if self.second != 0 && self.answered.is_none_or(|r| r < Response::Log) {
            // An anomalous second does not teach the baseline that it is normal.
            for i in 0..6 {
                let x = f64::from(self.counts[i]);
                let delta = x - self.mean[i];
                self.mean[i] += ALPHA * delta;
                self.var[i] = (1.0 - ALPHA) * (self.var[i] + ALPHA * delta * delta);
            }
        }
        let silent = second.saturating_sub(self.second).saturating_sub(1).min(600) as i32;
        if self.second != 0 && silent > 0 {
            let keep = (1.0 - ALPHA).powi(silent);
            for i in 0..6 {
                self.mean[i] *= keep;
                self.var[i] *= keep;
            }
        }
        self.second = second;
        self.counts = [0; 6];
        self.tools.clear();
        self.answered = None;
    }

    fn count(&mut self, tool: &str, seen: &Observation) {
        self.counts[0] += 1;
        self.counts[1] += u32::from(seen.validation_failure);
        self.counts[2] += u32::from(seen.rate_limited);
        self.counts[3] += u32::from(seen.error);
        self.counts[4] += seen.egress_denials;
        if !self.tools.iter().any(|t| t == tool) && self.tools.len() < 64 {
            self.tools.push(tool.to_string());
        }
        self.counts[5] = self.tools.len() as u32;
    }

    /// The highest signal score this second, its signal and the evidence.
    fn score(&self, scale: f64) -> (f64, usize) {
        let mut best = (0.0, 0);
        for i in 0..6 {
            if f64::from(self.counts[i]) < f64::from(MINIMUM[i]) * scale {
                continue;
            }
            let deviation = self.var[i].sqrt().max(FLOOR[i] * scale);
            let z = (f64::from(self.counts[i]) - self.mean[i]) / deviation;
            if z > best.0 {
                best = (z, i);
            }
        }
        best
    }

    fn evidence(&self, signal: usize, score: f64) -> Value {
        let signals: serde_json::Map<String, Value> = SIGNALS
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let v = json!({"thisSecond": self.counts[i], "mean": round(self.mean[i]), "deviation": round(self.var[i].sqrt())});
                (name.to_string(), v)
            })
            .collect();
        json!({"signal": SIGNALS[signal], "score": round(score), "signals": signals})
    }
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

pub struct Detector {
    config: DetectionConfig,
    subjects: Mutex<HashMap<String, Subject>>,
    /// Responses in force (Log ones are not kept), by subject.
    actions: Mutex<HashMap<String, Action>>,
    shared: Option<Arc<Shared>>,
}

const ACTIONS_KEY: &str = "anomaly:action:";
const STRIKES_KEY: &str = "anomaly:strikes:";

impl Detector {
    pub fn new(config: DetectionConfig, shared: Option<Arc<Shared>>) -> Arc<Detector> {
        let detector = Arc::new(Detector { config, subjects: Mutex::default(), actions: Mutex::default(), shared });
        if detector.shared.is_some() {
            // Blocks taken or lifted by other instances arrive within a second.
            let weak = Arc::downgrade(&detector);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                loop {
                    tick.tick().await;
                    let Some(detector) = weak.upgrade() else { return };
                    detector.pull().await;
                }
            });
        }
        detector
    }

    fn identity_subject(tenant: &str, identity: &str) -> String {
        format!("identity:{tenant}:{identity}")
    }

    fn tenant_subject(tenant: &str) -> String {
        format!("tenant:{tenant}")
    }

    /// What the responses in force allow a call of `identity` in `tenant` to do.
    pub fn verdict(&self, tenant: &str, identity: &str, tool: &str) -> Verdict {
        let now = now_ms();
        let mut actions = self.actions.lock().unwrap_or_else(|e| e.into_inner());
        actions.retain(|_, a| a.until_ms > now);
        let mut verdict = Verdict::Allow;
        for subject in [Self::identity_subject(tenant, identity), Self::tenant_subject(tenant)] {
            let Some(action) = actions.get(&subject) else { continue };
            match action.response {
                Response::Isolate if tool == crate::runtime::catalog::host_tool::HEALTH => {}
                Response::Isolate | Response::Block => {
                    return Verdict::Refused { response: action.response, seconds: action.seconds_left(), reason: action.reason.clone() };
                }
                Response::Tighten => verdict = Verdict::Tightened,
                Response::Log => {}
            }
        }
        verdict
    }

    /// Counts a finished call and answers what it reveals. Returns the responses taken now
    /// (logged ones included), for the caller to audit in the tenant's stream.
    pub async fn observe(&self, tenant: &str, identity: &str, tool: &str, seen: Observation) -> Vec<Action> {
        let second = now_ms() / 1000;
        let mut found = Vec::new();
        {
            let mut subjects = self.subjects.lock().unwrap_or_else(|e| e.into_inner());
            if subjects.len() >= MAX_SUBJECTS {
                // Forget the idlest half (bounded memory under a flood of identities).
                let mut ages: Vec<u64> = subjects.values().map(|s| s.second).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 2];
                subjects.retain(|_, s| s.second > cut);
            }
            for (subject, scale) in [(Self::identity_subject(tenant, identity), 1.0), (Self::tenant_subject(tenant), TENANT_SCALE)] {
                let state = subjects.entry(subject.clone()).or_default();
                state.roll(second);
                state.count(tool, &seen);
                let (score, signal) = state.score(scale);
                let response = if score >= BLOCK_AT {
                    Response::Block
                } else if score >= TIGHTEN_AT {
                    Response::Tighten
                } else if score >= LOG_AT {
                    Response::Log
                } else {
                    continue;
                };
                if state.answered.is_some_and(|r| r >= response) {
                    continue;
                }
                state.answered = Some(response);
                found.push((subject, response, state.evidence(signal, score)));
            }
        }
        let mut taken = Vec::new();
        for (subject, mut response, evidence) in found {
            if response == Response::Block && self.strike(&subject).await > 0 {
                response = Response::Isolate; // blocked before within the hour
            }
            let duration = match response {
                Response::Log => Duration::ZERO,
                Response::Tighten => self.config.tighten_for,
                Response::Block => self.config.block_for,
                Response::Isolate => self.config.isolate_for,
            };
            let signal = evidence["signal"].as_str().unwrap_or_default().to_string();
            let reason = format!("unusual {signal} ({} this second against a usual {})", evidence["signals"][&signal]["thisSecond"], evidence["signals"][&signal]["mean"]);
            let action = Action { subject: subject.clone(), tenant: tenant.to_string(), response, until_ms: now_ms() + duration.as_millis() as u64, reason, evidence };
            if response > Response::Log {
                self.install(action.clone()).await;
            }
            taken.push(action);
        }
        taken
    }

    /// Records a block: returns how many earlier ones the subject had within the hour
    /// (across instances with Redis; this instance's own while Redis is away).
    async fn strike(&self, subject: &str) -> u64 {
        let now = now_ms();
        let earlier_here = {
            let mut subjects = self.subjects.lock().unwrap_or_else(|e| e.into_inner());
            subjects.get_mut(subject).map_or(0, |s| {
                s.strikes.retain(|t| now - t < STRIKE_WINDOW.as_millis() as u64);
                s.strikes.push(now);
                s.strikes.len() as u64 - 1
            })
        };
        let shared = match &self.shared {
            Some(shared) => shared.incr_with_ttl(&format!("{STRIKES_KEY}{subject}"), STRIKE_WINDOW).await,
            None => None,
        };
        shared.map_or(earlier_here, |count| count.saturating_sub(1))
    }

    async fn install(&self, action: Action) {
        self.actions.lock().unwrap_or_else(|e| e.into_inner()).insert(action.subject.clone(), action.clone());
        if let Some(shared) = &self.shared {
            let ttl = Duration::from_millis(action.until_ms.saturating_sub(now_ms()).max(1));
            let text = serde_json::to_string(&action).unwrap_or_default();
            shared.set_with_ttl(&format!("{ACTIONS_KEY}{}", action.subject), text.as_bytes(), ttl).await;
        }
    }

    /// The responses in force, as Redis has them (other instances' included).
    async fn pull(&self) {
        let Some(shared) = &self.shared else { return };
        let Some(values) = shared.scan_values(ACTIONS_KEY).await else { return };
        let now = now_ms();
        let pulled: HashMap<String, Action> = values
            .iter()
            .filter_map(|v| serde_json::from_slice::<Action>(v).ok())
            .filter(|a| a.until_ms > now)
            .map(|a| (a.subject.clone(), a))
            .collect();
        *self.actions.lock().unwrap_or_else(|e| e.into_inner()) = pulled;
    }

    /// The responses in force, for `admin_anomalies` (`tenant` None: every tenant's).
    pub fn list(&self, tenant: Option<&str>) -> Vec<Action> {
        let now = now_ms();
        let actions = self.actions.lock().unwrap_or_else(|e| e.into_inner());
        let mut list: Vec<Action> = actions.values().filter(|a| a.until_ms > now && tenant.is_none_or(|t| a.tenant == t)).cloned().collect();
        list.sort_by(|a, b| a.subject.cmp(&b.subject));
        list
    }

    /// Lifts the response on `subject` (if `tenant` may see it); whether there was one.
    pub async fn lift(&self, subject: &str, tenant: Option<&str>) -> Option<Action> {
        let lifted = {
            let mut actions = self.actions.lock().unwrap_or_else(|e| e.into_inner());
            match actions.get(subject) {
                Some(a) if tenant.is_none_or(|t| a.tenant == t) => actions.remove(subject),
                _ => None,
            }
        };
        if lifted.is_some()
            && let Some(shared) = &self.shared
        {
            shared.delete(&format!("{ACTIONS_KEY}{subject}")).await;
        }
        lifted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> Arc<Detector> {
        let s = Duration::from_secs(60);
        Arc::new(Detector { config: DetectionConfig { tighten_for: s, block_for: s, isolate_for: s * 5 }, subjects: Mutex::default(), actions: Mutex::default(), shared: None })
    }

    fn invalid() -> Observation {
        Observation { validation_failure: true, ..Default::default() }
    }

    #[tokio::test]
    async fn a_burst_of_hostile_inputs_is_blocked_and_a_second_one_isolated() {
        let d = detector();
        let mut responses = Vec::new();
        for _ in 0..20 {
            responses.extend(d.observe("acme", "key:a", "get_meps", invalid()).await.into_iter().map(|a| a.response));
        }
        assert_eq!(responses, [Response::Log, Response::Tighten, Response::Block], "8 failures in a second are logged, 10 tighten, 16 block");
        assert!(matches!(d.verdict("acme", "key:a", "get_meps"), Verdict::Refused { response: Response::Block, .. }));
        assert_eq!(d.verdict("acme", "key:b", "get_meps"), Verdict::Allow, "another identity is not touched");
        assert_eq!(d.verdict("beta", "key:a", "get_meps"), Verdict::Allow, "nor the same name in another tenant");
        assert!(d.lift("identity:acme:key:a", Some("beta")).await.is_none(), "another tenant's admin cannot lift it");
        assert!(d.lift("identity:acme:key:a", None).await.is_some());
        assert_eq!(d.verdict("acme", "key:a", "get_meps"), Verdict::Allow);
        // A second block within the hour: isolation, health still answered.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let mut again = Vec::new();
        for _ in 0..20 {
            again.extend(d.observe("acme", "key:a", "get_meps", invalid()).await.into_iter().map(|a| a.response));
        }
        assert!(again.contains(&Response::Isolate), "{again:?}");
        assert!(matches!(d.verdict("acme", "key:a", "get_meps"), Verdict::Refused { response: Response::Isolate, .. }));
        assert_eq!(d.verdict("acme", "key:a", crate::runtime::catalog::host_tool::HEALTH), Verdict::Allow);
    }

    #[tokio::test]
    async fn steady_traffic_and_a_few_mistakes_trigger_nothing() {
        let d = detector();
        for i in 0..50 {
            let seen = Observation { validation_failure: i % 12 == 0, error: i % 20 == 0, ..Default::default() };
            assert!(d.observe("acme", "key:a", ["get_meps", "get_mep_details", "search_documents"][i % 3], seen).await.is_empty());
        }
        assert_eq!(d.verdict("acme", "key:a", "get_meps"), Verdict::Allow);
    }

    #[test]
    fn baselines_learn_normal_seconds_and_forget_with_silence() {
        let mut s = Subject::default();
        for second in 1..=100 {
            s.roll(second);
            for _ in 0..20 {
                s.count("get_meps", &Observation::default());
            }
        }
        s.roll(101);
        assert!((s.mean[0] - 20.0).abs() < 0.2, "{}", s.mean[0]);
        s.roll(200);
        assert!(s.mean[0] < 20.0 * 0.95f64.powi(90), "silence decays the mean: {}", s.mean[0]);
    }
}
