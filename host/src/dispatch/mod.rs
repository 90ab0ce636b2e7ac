//! Every tool call from every transport goes through [`Dispatcher::call_tool`]: the one
//! place the order of the controls is written down.

pub mod error;
pub mod health;
pub mod host_tools;
pub mod reads;
mod record;
mod content;
pub mod results;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tracing::Instrument;
use serde_json::{Map, Value, json};

use crate::audit;
use self::error::{CallError, Failed};
use crate::identity::Caller;
use crate::runtime::{ContentBlock, Link, ToolOutput};
use self::health::Health;
use crate::controls::limits::{CallLimiter, CallQuota, ConcurrencyLimiter};
use crate::metrics::Metrics;
use crate::egress::cache::{CacheConfig, Provenance};
use self::results::ResultCache;
use crate::controls::rbac::{Grant, Policy};
use crate::controls::tenant::{Tenant, TenantRefusal, Tenants};
use crate::egress::Egress;
use crate::shared::Shared;
use crate::controls::anomaly::{self, DetectionConfig, Detector, Observation, Response, Verdict};
use crate::runtime::registry::Registry;
use crate::runtime::{Generations, Runtime};

/// The per-call controls' settings.
pub struct Controls {
    pub quota: CallQuota,
    pub cache: Option<CacheConfig>,
    pub policy: Policy,
    /// The tools offered at all (`--tools`): others are unknown to every caller.
    pub profile: Grant,
    /// The effective configuration without secrets, for `admin_config`.
    pub public_config: Value,
    /// Calls one identity may have running at once.
    pub calls_per_client: u32,
    /// `None`: no anomaly detection.
    pub anomaly: Option<DetectionConfig>,
}

/// What a tool answered (see `tool-output` in `wit/tool.wit`): its structured result,
/// checked against its output schema, and its content blocks.
pub struct Output {
    pub structured: Option<Value>,
    pub content: Vec<ContentBlock>,
}

impl Output {
    fn structured(value: Value) -> Output {
        Output { structured: Some(value), content: Vec::new() }
    }
}

/// One call on its way through the controls: who makes it, for which tenant, the MCP
/// client a component may talk to, and what the call's EP requests were.
struct Call<'a> {
    caller: &'a Caller,
    tenant: &'a Arc<Tenant>,
    link: Link,
    provenance: Arc<Provenance>,
}

/// A tool's result, and whether it was reused rather than computed by this call.
struct Answer {
    output: Output,
    reused: bool,
    /// Its size (JSON text and content blocks), as the tenant's usage counts it.
    bytes: usize,
}

pub struct Dispatcher {
    runtime: Arc<Runtime>,
    /// Every tenant: its settings, limits and egress scope.
    tenants: Arc<Tenants>,
    /// What all calls' EP requests share (for the breaker's state in health reports).
    egress: Arc<Egress>,
    /// Redis, when instances share state.
    shared: Option<Arc<Shared>>,
    health: Health,
    metrics: Arc<Metrics>,
    /// Calls per identity, at its role's rate.
    limiter: CallLimiter,
    /// Calls running at once per identity.
    concurrency: ConcurrencyLimiter,
    /// Completion candidates by source, with the time they were read.
    completions: Mutex<HashMap<String, reads::Cached>>,
    /// Results reusable while their EP responses are cached; `None` with the cache off.
    results: Option<ResultCache>,
    /// Which role may use which tools and prompts.
    policy: Policy,
    /// The tools offered at all (`--tools`).
    profile: Grant,
    /// Scores hosted callers' behaviour and answers anomalies; `None`: off.
    detector: Option<Arc<Detector>>,
    public_config: Value,
}

impl Dispatcher {
    pub fn new(runtime: Arc<Runtime>, tenants: Arc<Tenants>, egress: Arc<Egress>, shared: Option<Arc<Shared>>, metrics: Arc<Metrics>, controls: Controls) -> Dispatcher {
        let limiter = CallLimiter::new(controls.quota, shared.clone());
        let results = controls.cache.map(ResultCache::new);
        let (policy, public_config) = (controls.policy, controls.public_config);
        let concurrency = ConcurrencyLimiter::new(controls.calls_per_client);
        let detector = controls.anomaly.map(|config| Detector::new(config, shared.clone()));
        Dispatcher {
            runtime,
            tenants,
            egress,
            shared,
            health: Health::default(),
            metrics,
            limiter,
            concurrency,
            completions: Mutex::default(),
            results,
            policy,
            profile: controls.profile,
            detector,
            public_config,
        }
    }

    /// Whether `caller` may use the tool or prompt `name`: its role grants it, and its
    /// tenant has the tool's group (a prompt's group is `prompts`).
    pub fn permits(&self, caller: &Caller, name: &str) -> bool {
        self.offers(name)
            && self.policy.allows(&caller.role, name)
            && self.tenants.get(&caller.tenant).is_some_and(|tenant| tenant.allows_group(&self.group_of(name)))
    }

    /// Whether the server offers `name` (`--tools`; prompts are always offered).
    fn offers(&self, name: &str) -> bool {
        !self.is_tool(name) || self.profile.allows(name)
    }

    /// Whether the tool `name` declares the argument `key` (what the audit may name).
    fn declares(&self, name: &str, key: &str) -> bool {
        match self.runtime.registry().get(name) {
            Some(spec) => spec.input_schema.get("properties").and_then(Value::as_object).is_some_and(|p| p.contains_key(key)),
            None => name == host_tools::LIFT && key == "subject",
        }
    }

    /// Whether `name` is a tool: the host's own or a component's.
    fn is_tool(&self, name: &str) -> bool {
        host_tools::is_host_tool(name) || self.runtime.registry().get(name).is_some()
    }

    /// A tool's group, as tenants enable them: its component's name, `admin` for the
    /// admin tools, `health` for get_server_health, `prompts` for anything else.
    fn group_of(&self, name: &str) -> String {
        match name {
            host_tools::HEALTH => "health".into(),
            _ if host_tools::is_host_tool(name) => "admin".into(),
            _ => self.runtime.registry().get(name).map_or_else(|| "prompts".into(), |t| t.component.name.clone()),
        }
    }

    /// The current tools, resources and prompts (a snapshot: components may change while serving).
    pub fn registry(&self) -> Arc<Registry> {
        self.runtime.registry()
    }

    /// Wakes when a component is added, replaced or removed (see [`Generations`]).
    pub fn changes(&self) -> tokio::sync::watch::Receiver<Generations> {
        self.runtime.changes()
    }

    /// A client's call, in this order: the caller's role must grant the tool and its
    /// tenant enable it, the caller must have a free concurrency slot, the tenant room for
    /// the caller among its users and calls, and the caller's bucket the tool's cost; then
    /// [`Self::run`]. Reads of resources are calls too. Every call gets an id, written in
    /// its audit records (the tenant's stream) and in the error a failed call returns.
    pub async fn call_tool(&self, caller: &Caller, name: &str, arguments: Option<Map<String, Value>>, link: Link) -> Result<Output, Failed> {
        let started = Instant::now();
        let id = audit::call_id();
        let summary = arguments.as_ref().map_or(json!({"argumentKeys": []}), |a| audit::argument_summary(a, |key| self.declares(name, key)));
        let tenant = self.tenants.of(&caller.tenant);
        // Hosted callers (those with an address) are scored; the stdio user and the host are not.
        let detector = self.detector.as_deref().filter(|_| caller.address.is_some());
        let verdict = detector.map_or(Verdict::Allow, |d| d.verdict(tenant.name(), &caller.id, name));
        let provenance = Arc::new(Provenance::default());
        let result = match verdict {
            Verdict::Refused { response, seconds, reason } => {
                let state = if response == Response::Isolate { "isolated" } else { "blocked" };
                Err(CallError::Blocked { state, retry_after_secs: seconds, reason })
            }
            verdict => {
                let cost_factor = if verdict == Verdict::Tightened { anomaly::TIGHTENED_COST } else { 1 };
                let call = Call { caller, tenant, link, provenance: provenance.clone() };
                self.admit_and_run(call, name, arguments, cost_factor).await
            }
        };
        tenant.scope.usage.calls.inc();
        match &result {
            Ok(answer) => {
                tenant.scope.usage.result_bytes.inc_by(answer.bytes as u64);
            }
            Err(e) if e.is_refusal() => {
                tenant.scope.usage.refused.inc();
            }
            Err(_) => {}
        }
        self.audit_call(&id, caller, tenant, name, summary, &result, started);
        if let Some(detector) = detector
            && !matches!(result, Err(CallError::Blocked { .. }))
        {
            let seen = Observation {
                validation_failure: matches!(result, Err(CallError::Invalid(_) | CallError::UnknownTool(_) | CallError::NotOffered(_))),
                rate_limited: matches!(result, Err(CallError::RateLimited { .. } | CallError::TenantLimited { .. } | CallError::Busy { .. })),
                error: matches!(&result, Err(e) if !e.is_refusal()),
                egress_denials: provenance.denials(),
            };
            for action in detector.observe(tenant.name(), &caller.id, name, seen).await {
                self.record_detection(tenant, &action);
            }
        }
        result.map(|answer| answer.output).map_err(|error| Failed { id, error })
    }

    /// The role, tenant and rate controls, then [`Self::run`]. A tightened caller's calls
    /// cost `cost_factor` times their tokens.
    async fn admit_and_run(&self, call: Call<'_>, name: &str, arguments: Option<Map<String, Value>>, cost_factor: u32) -> Result<Answer, CallError> {
        let (caller, tenant) = (call.caller, call.tenant);
        let known = self.is_tool(name);
        if known && !self.profile.allows(name) {
            return Err(CallError::NotOffered(name.to_string())); // outside --tools: not offered to anyone
        }
        if known && !self.policy.allows(&caller.role, name) {
            return Err(CallError::Forbidden { tool: name.to_string(), role: caller.role.clone() });
        }
        if known && !tenant.allows_group(&self.group_of(name)) {
            return Err(CallError::NotEnabled { tool: name.to_string(), tenant: tenant.name().to_string() });
        }
        let _slot = self.concurrency.try_enter(&format!("{}:{}", tenant.name(), caller.id)).ok_or(CallError::Busy { limit: self.concurrency.per_identity() })?;
        // A name that is no tool is charged like a call (a flood of them is a flood of calls).
        self.charge(caller, tenant, if known { name } else { "unknown" }, cost_factor).await?;
        self.run(call, name, arguments).await
    }

    /// A new session, admitted and charged like a call: its tenant's user cap and rate, and
    /// its own bucket. `Err`: the refusal (its message names the limit).
    pub async fn admit_session(&self, caller: &Caller) -> Result<(), CallError> {
        self.charge(caller, self.tenants.of(&caller.tenant), "initialize", 1).await
    }

    /// The tenant's user cap and rate, then the caller's bucket (the cost of `what`).
    async fn charge(&self, caller: &Caller, tenant: &Tenant, what: &str, cost_factor: u32) -> Result<(), CallError> {
        let refused = |refusal| match refusal {
            TenantRefusal::RateLimited(retry) => CallError::TenantLimited { tenant: tenant.name().to_string(), retry_after_secs: retry.secs() },
            TenantRefusal::TooManyUsers(limit) => CallError::TooManyUsers { tenant: tenant.name().to_string(), limit },
        };
        tenant.admit_user(&caller.id).map_err(refused)?;
        let shared = self.shared.as_ref().map(Arc::as_ref);
        tenant.admit_call(shared).await.map_err(refused)?;
        self.limiter.admit(tenant.name(), &caller.id, &caller.role, what, cost_factor).await.map_err(|retry| {
            self.metrics.rate_limited(what);
            tracing::warn!(client = caller.label, tenant = tenant.name(), tool = what, retry_after_secs = retry.secs(), "rate limit");
            CallError::RateLimited { retry_after_secs: retry.secs() }
        })
    }

    /// Validate → run in a fresh sandbox → validate the result; the outcome feeds
    /// `get_server_health`, which the host answers itself.
    async fn run(&self, call: Call<'_>, name: &str, arguments: Option<Map<String, Value>>) -> Result<Answer, CallError> {
        if host_tools::is_host_tool(name) {
            let value = self.answer_host_tool(call.caller, name, arguments).await?;
            let bytes = value.to_string().len();
            return Ok(Answer { output: Output::structured(value), reused: false, bytes });
        }
        let result = self.run_tool(call, name, arguments).await;
        if let Some(spec) = self.runtime.registry().get(name) {
            match &result {
                Ok(_) => self.health.record(&spec.name, None),
                Err(e) => e.health_reason().into_iter().for_each(|reason| self.health.record(&spec.name, Some(reason))),
            }
        }
        result
    }

    async fn run_tool(&self, call: Call<'_>, name: &str, arguments: Option<Map<String, Value>>) -> Result<Answer, CallError> {
        let Call { tenant, link, provenance, .. } = call;
        let spec = self.runtime.registry().get(name).cloned().ok_or_else(|| CallError::UnknownTool(name.to_string()))?;
        let arguments = tracing::info_span!("validate").in_scope(|| spec.schemas.arguments(arguments)).map_err(CallError::Invalid)?;
        // Results are the tenant's own, like the responses they were computed from.
        let key = self.results.as_ref().map(|_| ResultCache::key(tenant.name(), &spec.component.digest, name, arguments.value()));
        if let (Some(results), Some(key)) = (&self.results, &key)
            && let Some((value, bytes)) = results.get(key)
        {
            self.metrics.result_reused(name);
            tracing::info!(tool = name, outcome = "ok", "tool call answered with a reused result");
            return Ok(Answer { output: Output::structured(value), reused: true, bytes });
        }
        let started = Instant::now();
        let outcome = self
            .runtime
            .call(&spec, &arguments, provenance.clone(), link, &tenant.scope)
            .instrument(tracing::info_span!("component", component = %spec.component.name))
            .await;
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        match &outcome {
            Ok(_) => tracing::info!(tool = name, elapsed_ms, outcome = "ok", "tool call"),
            Err(failure) => tracing::warn!(tool = name, elapsed_ms, outcome = "error", "tool call failed: {failure}"),
        }
        let ToolOutput { structured, content } = outcome.map_err(|failure| CallError::Failure { tool: name.to_string(), failure })?;
        let structured_bytes = structured.as_ref().map_or(0, String::len);
        let bad = |reason: String| {
            tracing::error!(tool = name, "invalid result: {reason}");
            CallError::BadOutput { tool: name.to_string(), reason }
        };
        let value: Option<Value> = structured.as_deref().map(serde_json::from_str).transpose().map_err(|e| bad(format!("not JSON: {e}")))?;
        spec.schemas.output(value.as_ref()).map_err(|e| bad(e.to_string()))?;
        content::check(&content).map_err(bad)?;
        // Only structured results computed from cached EP data alone are reused.
        if let (Some(results), Some(key), Some(since), Some(value), true) =
            (&self.results, key, provenance.fresh_since(), &value, content.is_empty())
        {
            results.insert(key, value, structured_bytes, since);
        }
        let bytes = structured_bytes + content.iter().map(crate::runtime::content_bytes).sum::<usize>();
        Ok(Answer { output: Output { structured: value, content }, reused: false, bytes })
    }
}
