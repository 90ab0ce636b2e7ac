//! What `get_server_health` reports (see `host_tools`): host state
//! only (uptime, loaded tools, the outcome of recent calls per tool, feed availability,
//! egress denials): nothing from the network, so there is nothing to sandbox.
//! Availability is as fresh as the last call of each tool; nothing is probed.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use serde_json::{Value, json};

/// Outcome history of one tool, as seen by the dispatcher.
#[derive(Default, Clone)]
struct Outcomes {
    calls: u64,
    errors: u64,
    last_attempt: Option<SystemTime>,
    last_success: Option<SystemTime>,
    last_error: Option<(SystemTime, String)>,
}

pub struct Health {
    started: Instant,
    tools: Mutex<BTreeMap<String, Outcomes>>,
}

impl Default for Health {
    fn default() -> Self {
        Health { started: Instant::now(), tools: Mutex::default() }
    }
}

fn timestamp(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Health {
    /// Records a call that reached its tool. `error` is the short public reason;
    /// invalid arguments are the caller's fault and are not recorded.
    pub fn record(&self, tool: &str, error: Option<&str>) {
        let now = SystemTime::now();
        let mut tools = self.tools.lock().unwrap_or_else(|e| e.into_inner());
        let entry = tools.entry(tool.to_string()).or_default();
        entry.calls += 1;
        entry.last_attempt = Some(now);
        match error {
            None => entry.last_success = Some(now),
            Some(reason) => {
                entry.errors += 1;
                entry.last_error = Some((now, reason.chars().take(200).collect()));
            }
        }
    }

    /// The report for `tools` (every served tool name), given the egress denial count.
    pub fn report(&self, tools: &[&str], components: usize, egress_denials: u64) -> Value {
        let seen = self.tools.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let status_of = |o: Option<&Outcomes>| match o {
            None => "unknown",
            Some(o) => match (&o.last_success, &o.last_error) {
                (Some(ok), Some((err, _))) if err > ok => "error",
                (None, Some(_)) => "error",
                (Some(_), _) => "ok",
                (None, None) => "unknown",
            },
        };
        let mut per_tool = serde_json::Map::new();
        let (mut ok, mut error, mut unknown) = (0, 0, 0);
        let mut feeds = 0;
        for name in tools {
            let outcome = seen.get(*name);
            let status = status_of(outcome);
            if name.ends_with("_feed") {
                feeds += 1;
                match status {
                    "ok" => ok += 1,
                    "error" => error += 1,
                    _ => unknown += 1,
                }
            }
            let mut entry = json!({"status": status});
            if let Some(o) = outcome {
                entry["calls"] = json!(o.calls);
                entry["errors"] = json!(o.errors);
                if let Some(t) = o.last_attempt {
                    entry["lastAttempt"] = json!(timestamp(t));
                }
                if let Some(t) = o.last_success {
                    entry["lastSuccess"] = json!(timestamp(t));
                }
                if let Some((t, reason)) = &o.last_error {
                    entry["lastError"] = json!({"at": timestamp(*t), "reason": reason});
                }
            }
            per_tool.insert(name.to_string(), entry);
        }
        // The reference's levels, over the feeds this server actually serves.
        let level = match (ok, error) {
            (ok, _) if feeds > 0 && ok * 13 >= feeds * 10 => "full",
            (ok, _) if feeds > 0 && ok * 13 >= feeds * 5 => "degraded",
            (ok, _) if ok >= 1 => "sparse",
            (_, error) if error >= 1 => "unavailable",
            _ => "unknown",
        };
        let status = match level {
            "full" => "healthy",
            "degraded" | "sparse" => "degraded",
            "unavailable" => "unhealthy",
            _ => "unknown",
        };
        json!({
            "server": {
                "name": "epmcp",
                "version": env!("CARGO_PKG_VERSION"),
                "uptimeSeconds": self.started.elapsed().as_secs(),
                "status": status,
            },
            "components": components,
            "toolCount": tools.len(),
            "tools": per_tool,
            "feeds": {"operational": ok, "error": error, "unknown": unknown, "total": feeds, "level": level},
            "egressDenials": egress_denials,
            "method": "Observed from real calls since start; nothing is probed. A tool's status is 'error' when its \
                       latest outcome was an upstream or sandbox failure, 'unknown' when it was never called.",
        })
    }
}

pub fn output_schema() -> Value {
    let status = json!({"type": "string", "enum": ["ok", "error", "unknown"]});
    json!({
        "type": "object",
        "required": ["server", "components", "toolCount", "tools", "feeds", "egressDenials", "method"],
        "properties": {
            "server": {
                "type": "object",
                "required": ["name", "version", "uptimeSeconds", "status"],
                "properties": {
                    "name": {"type": "string"},
                    "version": {"type": "string"},
                    "uptimeSeconds": {"type": "integer", "minimum": 0},
                    "status": {"type": "string", "enum": ["healthy", "degraded", "unhealthy", "unknown"]}
                }
            },
            "components": {"type": "integer", "minimum": 0},
            "toolCount": {"type": "integer", "minimum": 0},
            "tools": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["status"], "properties": {"status": status}
            }},
            "feeds": {
                "type": "object",
                "required": ["operational", "error", "unknown", "total", "level"],
                "properties": {
                    "operational": {"type": "integer", "minimum": 0},
                    "error": {"type": "integer", "minimum": 0},
                    "unknown": {"type": "integer", "minimum": 0},
                    "total": {"type": "integer", "minimum": 0},
                    "level": {"type": "string"}
                }
            },
            "egressDenials": {"type": "integer", "minimum": 0},
            "cache": {"type": "object", "description": "Response cache: entries, hits, misses, hitRate (or enabled: false)"},
            "rateLimit": {"type": "object", "description": "The caller's own call limit: role, burst, windowSeconds, violations (or enabled: false)"},
            "upstreamBreaker": {"type": "object", "description": "The EP API circuit breaker: state closed, open or half_open (or enabled: false)"},
            "method": {"type": "string"}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_latest_outcome_per_tool() {
        let h = Health::default();
        h.record("get_meps", None);
        h.record("get_meps_feed", Some("the EP API failed"));
        let r = h.report(&["get_meps", "get_meps_feed", "get_events_feed"], 3, 0);
        assert_eq!(r["tools"]["get_meps"]["status"], "ok");
        assert_eq!(r["tools"]["get_meps_feed"]["status"], "error");
        assert_eq!(r["tools"]["get_meps_feed"]["lastError"]["reason"], "the EP API failed");
        assert_eq!(r["tools"]["get_events_feed"]["status"], "unknown");
        assert_eq!(r["feeds"]["total"], 2);
        assert_eq!(r["feeds"]["level"], "unavailable");
        h.record("get_meps_feed", None);
        assert_eq!(h.report(&["get_meps_feed"], 1, 0)["tools"]["get_meps_feed"]["status"], "ok");
        let schema = jsonschema::validator_for(&output_schema()).unwrap();
        assert!(schema.is_valid(&r));
    }
}
