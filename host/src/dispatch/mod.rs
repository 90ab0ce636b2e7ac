//! Every tool call from every transport goes through [`Dispatcher::call_tool`]: the one
//! place the order of the controls is written down.

pub mod error;
pub mod health;
pub mod host_tools;
pub mod results;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::Instrument;
use serde_json::{Map, Value, json};

use crate::runtime::catalog::{self, Candidate, CompletionSpec, PromptSource};
use crate::audit;
use self::error::{CallError, Failed, ReadError};
use crate::identity::Caller;
use crate::runtime::{CallFailure, ContentBlock, Link, ToolOutput};
use self::health::Health;
use crate::controls::limits::{CallLimiter, CallQuota, ConcurrencyLimiter};
use crate::metrics::Metrics;
use crate::egress::cache::{CacheConfig, Provenance};
use self::results::ResultCache;
use crate::controls::rbac::{Grant, Policy};
use crate::controls::tenant::{Tenant, TenantRefusal};
use crate::controls::anomaly::{self, DetectionConfig, Detector, Observation, Response, Verdict};
use crate::runtime::registry::Registry;
use crate::runtime::{Generations, Runtime};

/// How long completion values read from EP data are reused.
const COMPLETION_TTL: Duration = Duration::from_secs(600);
/// Pages a completion source may read (e.g. the ~720 current MEPs in pages of 100).
const COMPLETION_MAX_PAGES: usize = 12;

/// Completion candidates and when they were read.
type Cached = (Instant, Arc<Vec<Candidate>>);

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

/// Content blocks of one result may hold at most this many bytes (media, text, resources).
const MAX_CONTENT_BYTES: usize = 8 << 20;

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
    health: Health,
    metrics: Arc<Metrics>,
    /// Calls per identity, at its role's rate.
    limiter: CallLimiter,
    /// Calls running at once per identity.
    concurrency: ConcurrencyLimiter,
    /// Completion candidates by source, with the time they were read.
    completions: Mutex<HashMap<String, Cached>>,
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
    pub fn new(runtime: Arc<Runtime>, metrics: Arc<Metrics>, controls: Controls) -> Dispatcher {
        let limiter = CallLimiter::new(controls.quota, runtime.shared().cloned());
        let results = controls.cache.map(ResultCache::new);
        let (policy, public_config) = (controls.policy, controls.public_config);
        let concurrency = ConcurrencyLimiter::new(controls.calls_per_client);
        let detector = controls.anomaly.map(|config| Detector::new(config, runtime.shared().cloned()));
        Dispatcher {
            runtime,
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
            && self.runtime.tenants().get(&caller.tenant).is_some_and(|tenant| tenant.allows_group(&self.group_of(name)))
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
            crate::dispatch::health::TOOL => "health".into(),
            _ if host_tools::is_host_tool(name) => "admin".into(),
            _ => self.runtime.registry().get(name).map_or_else(|| "prompts".into(), |t| t.component.name.clone()),
        }
    }

    /// Whether `caller` may use the tool behind a resource template.
    pub fn resource_permitted(&self, caller: &Caller, uri_template: &str) -> bool {
        self.runtime.registry().resource_template(uri_template).is_some_and(|r| self.permits(caller, &r.tool))
    }

    /// The current tools, resources and prompts (a snapshot: components may change while serving).
    pub fn registry(&self) -> Arc<Registry> {
        self.runtime.registry()
    }

    /// Wakes when a component is added, replaced or removed (see [`Generations`]).
    pub fn changes(&self) -> tokio::sync::watch::Receiver<Generations> {
        self.runtime.changes()
    }

    /// The resource `uri` names: its tool, media type, and the tool arguments its variables make.
    fn resolve(&self, uri: &str) -> Option<(String, String, Map<String, Value>)> {
        self.registry()
            .resources
            .iter()
            .find_map(|r| r.matches(uri).map(|variables| (r.tool.clone(), r.mime_type.clone(), r.arguments_for(&variables))))
    }

    /// A resource is its tool's result: the URI's variables become the tool's
    /// arguments, validated by the tool's schema like any call. Returns the resource's
    /// media type with the result.
    pub async fn read_resource(&self, caller: &Caller, uri: &str, link: Link) -> Result<(String, Output), ReadError> {
        let (tool, mime_type, arguments) = self.resolve(uri).ok_or_else(|| ReadError::not_found(uri))?;
        let output = self.call_tool(caller, &tool, Some(arguments), link).await.map_err(ReadError::Call)?;
        Ok((mime_type, output))
    }

    /// Whether `uri` names a resource `caller` may read.
    pub fn readable(&self, caller: &Caller, uri: &str) -> bool {
        self.resolve(uri).is_some_and(|(tool, _, _)| self.permits(caller, &tool))
    }

    /// A subscribed resource, read again for its subscriber: a read like any other,
    /// through the subscriber's grants, tenant, limits and audit. `None` if it failed.
    pub async fn read_watched(&self, subscriber: &Caller, uri: &str) -> Option<Output> {
        self.read_resource(subscriber, uri, None).await.ok().map(|(_, output)| output)
    }

    /// A prompt and the content of its user messages: its rendered template, or the
    /// content blocks of the tool that serves it (called as `caller`, like any call).
    pub async fn get_prompt(
        &self,
        caller: &Caller,
        name: &str,
        arguments: &Map<String, Value>,
        link: Link,
    ) -> Result<(String, Vec<ContentBlock>), ReadError> {
        let bad = |error| ReadError::Prompt { name: name.chars().take(100).collect(), error };
        let registry = self.registry();
        let prompt = registry.prompt(name).ok_or_else(|| bad(catalog::PromptError::UnknownPrompt))?;
        let content = match &prompt.body {
            PromptSource::Template(_) => vec![ContentBlock::Text(prompt.render(arguments).map_err(bad)?)],
            PromptSource::Tool(tool) => {
                let arguments = prompt.check(arguments).map_err(bad)?;
                let output = self.call_tool(caller, tool, Some(arguments), link).await.map_err(ReadError::Call)?;
                match (output.content.is_empty(), output.structured) {
                    (true, Some(value)) => vec![ContentBlock::Text(value.to_string())],
                    _ => output.content,
                }
            }
        };
        Ok((prompt.description.clone(), content))
    }

    /// Completion of a prompt argument: its suggestions, or values from EP data read
    /// through the tool its completion source names, as the caller (who must be allowed
    /// that tool; the read is charged and audited like a call) and cached per tenant for
    /// [`COMPLETION_TTL`].
    pub async fn complete_prompt_argument(&self, caller: &Caller, prompt: &str, argument: &str, prefix: &str) -> (Vec<String>, usize) {
        let registry = self.registry();
        let Some(spec) = registry.prompt(prompt).and_then(|p| p.arguments.iter().find(|a| a.name == argument)) else {
            return (Vec::new(), 0);
        };
        match &spec.completion {
            Some(source) if !self.permits(caller, &source.tool) => (Vec::new(), 0),
            Some(source) => match self.completion_candidates(caller, source).await {
                Ok(candidates) => catalog::complete_candidates(&candidates, prefix),
                Err(e) => {
                    tracing::warn!(prompt, argument, "completion source failed: {e}");
                    (Vec::new(), 0)
                }
            },
            None => catalog::complete(spec.values.iter().map(String::as_str), prefix),
        }
    }

    async fn completion_candidates(&self, caller: &Caller, source: &CompletionSpec) -> Result<Arc<Vec<Candidate>>, CallError> {
        let key = format!("{}\n{}", caller.tenant, source.key());
        if let Some((at, candidates)) = self.completions.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
            && at.elapsed() < COMPLETION_TTL
        {
            return Ok(candidates.clone());
        }
        let mut arguments = source.arguments.clone();
        let mut candidates = Vec::new();
        for _ in 0..COMPLETION_MAX_PAGES {
            let read = self.call_tool(caller, &source.tool, Some(arguments.clone()), None).await.map_err(|failed| failed.error)?;
            let result = read.structured.unwrap_or_default();
            candidates.extend(source.candidates(&result));
            match result.get("nextOffset").and_then(Value::as_u64) {
                Some(next) => {
                    arguments.insert("offset".into(), next.into());
                }
                None => break,
            }
        }
        let candidates = Arc::new(candidates);
        self.completions.lock().unwrap_or_else(|e| e.into_inner()).insert(key, (Instant::now(), candidates.clone()));
        Ok(candidates)
    }

    /// Completion of a resource template variable from the enum of the tool argument it fills.
    pub fn complete_resource_variable(&self, uri_template: &str, variable: &str, prefix: &str) -> (Vec<String>, usize) {
        let registry = self.runtime.registry();
        let schema = registry.resource_template(uri_template).and_then(|r| {
            let argument = r.argument_of(variable)?;
            Some((&registry.get(&r.tool)?.input_schema, argument))
        });
        match schema {
            Some((schema, argument)) => catalog::complete(catalog::enum_values(schema, argument), prefix),
            None => (Vec::new(), 0),
        }
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
        let tenant = self.runtime.tenants().of(&caller.tenant);
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
        tenant.usage.calls.inc();
        match &result {
            Ok(answer) => {
                tenant.usage.result_bytes.inc_by(answer.bytes as u64);
            }
            Err(e) if e.is_refusal() => {
                tenant.usage.refused.inc();
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

    /// A response of anomaly detection: logged, counted and audited with its evidence.
    fn record_detection(&self, tenant: &Tenant, action: &anomaly::Action) {
        let response = action.response.name();
        self.metrics.anomaly_response(response);
        tracing::warn!(subject = action.subject, response, seconds = action.seconds_left(), "anomaly: {}", action.reason);
        let record = json!({
            "subject": action.subject, "tenant": action.tenant, "response": response,
            "seconds": action.seconds_left(), "reason": action.reason, "evidence": action.evidence,
        });
        tenant.audit.security("anomaly", record);
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
        self.charge(caller, self.runtime.tenants().of(&caller.tenant), "initialize", 1).await
    }

    /// The tenant's user cap and rate, then the caller's bucket (the cost of `what`).
    async fn charge(&self, caller: &Caller, tenant: &Tenant, what: &str, cost_factor: u32) -> Result<(), CallError> {
        let refused = |refusal| match refusal {
            TenantRefusal::RateLimited(retry) => CallError::TenantLimited { tenant: tenant.name().to_string(), retry_after_secs: retry.secs() },
            TenantRefusal::TooManyUsers(limit) => CallError::TooManyUsers { tenant: tenant.name().to_string(), limit },
        };
        tenant.admit_user(&caller.id).map_err(refused)?;
        let shared = self.runtime.shared().map(Arc::as_ref);
        tenant.admit_call(shared).await.map_err(refused)?;
        self.limiter.admit(tenant.name(), &caller.id, &caller.role, what, cost_factor).await.map_err(|retry| {
            self.metrics.rate_limited(what);
            tracing::warn!(client = caller.label, tenant = tenant.name(), tool = what, retry_after_secs = retry.secs(), "rate limit");
            CallError::RateLimited { retry_after_secs: retry.secs() }
        })
    }

    /// The call record, plus a security record for refusals and sandbox traps.
    #[allow(clippy::too_many_arguments)]
    fn audit_call(&self, id: &str, caller: &Caller, tenant: &Tenant, tool: &str, mut record: Value, result: &Result<Answer, CallError>, started: Instant) {
        record["callId"] = id.into();
        let known = self.runtime.registry().get(tool).is_some() || host_tools::is_host_tool(tool);
        let label = if known { tool } else { "unknown" };
        record["tool"] = label.into();
        if !known {
            // A name that is no tool is a caller's free text: its digest and length only.
            record["toolDigest"] = crate::digest::sha256_hex(tool.as_bytes())[..16].into();
            record["toolLength"] = tool.len().into();
        }
        record["client"] = caller.id.as_str().into();
        record["role"] = caller.role.as_str().into();
        record["tenant"] = tenant.name().into();
        if let Some(address) = &caller.address {
            record["address"] = address.as_str().into();
        }
        record["durationMs"] = (started.elapsed().as_secs_f64() * 1000.0).into();
        let outcome = match result {
            Ok(_) => "ok",
            Err(e) if e.is_refusal() => "refused",
            Err(_) => "error",
        };
        record["outcome"] = outcome.into();
        if let Ok(Answer { reused: true, .. }) = result {
            record["reused"] = true.into();
        }
        let security = match result {
            Err(CallError::Invalid(invalid)) => Some(("validation_failure", invalid.kind())),
            Err(CallError::RateLimited { .. }) => Some(("rate_limit", "calls")),
            Err(CallError::TenantLimited { .. }) => Some(("rate_limit", "tenant")),
            Err(CallError::TooManyUsers { .. }) => Some(("rate_limit", "tenant users")),
            Err(CallError::Forbidden { .. }) => Some(("forbidden", "role")),
            Err(CallError::NotEnabled { .. }) => Some(("forbidden", "tenant")),
            Err(CallError::Busy { .. }) => Some(("rate_limit", "concurrency")),
            Err(CallError::BadOutput { .. }) => Some(("output_violation", "output schema")),
            Err(CallError::Failure { failure: CallFailure::Deadline(_), .. }) => Some(("sandbox_trap", "deadline")),
            Err(CallError::Failure { failure: CallFailure::Memory(_), .. }) => Some(("sandbox_trap", "memory")),
            Err(CallError::Failure { failure: CallFailure::Trap(_), .. }) => Some(("sandbox_trap", "crash")),
            Err(CallError::Failure { failure: CallFailure::Output(_), .. }) => Some(("sandbox_trap", "output")),
            _ => None,
        };
        if let Err(e) = result {
            record["error"] = e.health_reason().unwrap_or("refused").into();
        }
        if matches!(result, Err(CallError::Invalid(_) | CallError::UnknownTool(_) | CallError::NotOffered(_)))
            && let Some(fields) = record.as_object_mut()
        {
            fields.remove("ids"); // unvalidated values are not kept, even identifier-shaped ones
        }
        tenant.audit.record("call", record);
        self.metrics.request(label, outcome, started.elapsed().as_secs_f64() * 1000.0);
        if let Some((event, detail)) = security {
            match event {
                "validation_failure" => self.metrics.validation_failed(label, detail),
                "sandbox_trap" => self.metrics.sandbox_trap(label, detail),
                "output_violation" => self.metrics.validation_failed(label, "output_schema"),
                _ => {}
            }
            tenant.audit.security(event, json!({"callId": id, "tool": label, "client": caller.id, "tenant": tenant.name(), "detail": detail}));
        }
    }

    /// Validate → run in a fresh sandbox → validate the result; the outcome feeds
    /// `get_server_health`, which the host answers itself.
    async fn run(&self, call: Call<'_>, name: &str, arguments: Option<Map<String, Value>>) -> Result<Answer, CallError> {
        if host_tools::is_host_tool(name) {
            let value = self.host_tool(call.caller, name, arguments).await?;
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

    /// The tools the host answers from its own state; only admin_lift_block takes arguments.
    async fn host_tool(&self, caller: &Caller, name: &str, arguments: Option<Map<String, Value>>) -> Result<Value, CallError> {
        let invalid = |field: &str, message: String| CallError::Invalid(crate::runtime::validate::Invalid::Schema { field: field.to_string(), message });
        let mut arguments = arguments.unwrap_or_default();
        let subject = match (name, arguments.remove("subject")) {
            (host_tools::LIFT, Some(Value::String(s))) if !s.is_empty() && s.len() <= 300 => Some(s),
            (host_tools::LIFT, _) => return Err(invalid("subject", "admin_lift_block needs subject: a string of 1..=300 characters".into())),
            (_, Some(_)) => return Err(invalid("subject", format!("{name} takes no arguments (got 'subject')"))),
            (_, None) => None,
        };
        if let Some(extra) = arguments.keys().next() {
            return Err(invalid(extra, format!("{name} takes no arguments (got '{extra}')")));
        }
        // An admin of the operator's tenant sees every tenant and the server; any other admin
        // its own tenant only, in every admin tool.
        let scope = (caller.tenant != crate::controls::tenant::DEFAULT).then_some(caller.tenant.as_str());
        Ok(match name {
            host_tools::CONFIG => match scope {
                None => json!({"settings": self.public_config}),
                Some(tenant) => {
                    let own = self.tenants_report(Some(tenant)).await["tenants"][0]["settings"].clone();
                    json!({"settings": {"tenant": tenant, "tenantSettings": own}})
                }
            },
            host_tools::METRICS => host_tools::metrics(self.metrics.encode(), scope),
            host_tools::COMPONENTS => self.components_report(),
            host_tools::TENANTS => self.tenants_report(scope).await,
            host_tools::ANOMALIES => {
                let actions = self.detector.as_ref().map(|d| d.list(scope)).unwrap_or_default();
                let responses: Vec<Value> = actions
                    .iter()
                    .map(|a| json!({"subject": a.subject, "tenant": a.tenant, "response": a.response, "secondsLeft": a.seconds_left(), "reason": a.reason, "evidence": a.evidence}))
                    .collect();
                json!({"enabled": self.detector.is_some(), "responses": responses})
            }
            host_tools::LIFT => {
                let subject = subject.unwrap_or_default();
                let lifted = match &self.detector {
                    Some(d) => d.lift(&subject, scope).await,
                    None => None,
                };
                if let Some(action) = &lifted {
                    let audit = &self.runtime.tenants().of(&action.tenant).audit;
                    audit.record("anomaly_lifted", json!({"subject": subject, "by": caller.id, "response": action.response}));
                }
                match lifted {
                    Some(action) => json!({"lifted": true, "response": action}),
                    None => json!({"lifted": false}),
                }
            }
            _ => self.server_health(caller),
        })
    }

    fn components_report(&self) -> Value {
        let registry = self.runtime.registry();
        let components: Vec<Value> = registry
            .components
            .iter()
            .map(|c| {
                let tools: Vec<Value> = registry
                    .tools_of(c)
                    .map(|t| json!({"name": t.name, "egress": &*t.prefixes}))
                    .collect();
                let file = c.file.file_name().map(|f| f.to_string_lossy().into_owned());
                let limits = json!({
                    "deadlineMs": c.limits.deadline.as_millis() as u64,
                    "memoryMiB": c.limits.memory_bytes >> 20,
                    "maxOutputKiB": c.limits.max_output_bytes >> 10,
                });
                json!({
                    "name": c.name,
                    "version": c.version,
                    "digest": format!("sha256:{}", c.digest),
                    "file": file,
                    "trust": c.verdict.to_string(),
                    "egress": c.manifest.egress,
                    "limits": limits,
                    "tools": tools,
                })
            })
            .collect();
        json!({"components": components})
    }

    /// Every tenant (`scope` None: the operator's own callers), or the one of `scope`.
    async fn tenants_report(&self, scope: Option<&str>) -> Value {
        let tenants = self.runtime.tenants();
        let shared = self.runtime.shared().map(Arc::as_ref);
        let mut visible = Vec::new();
        for tenant in tenants.all().iter().filter(|t| scope.is_none_or(|s| t.name() == s)) {
            visible.push(tenant.view_with(shared).await);
        }
        json!({"tenants": visible})
    }

    fn server_health(&self, caller: &Caller) -> Value {
        let registry = self.runtime.registry();
        let names: Vec<&str> = registry.tools().iter().map(|t| t.name.as_str()).collect();
        let mut report = self.health.report(&names, registry.components.len(), self.metrics.egress_denials_total());
        let tenant = self.runtime.tenants().of(&caller.tenant);
        report["cache"] = tenant.cache.as_ref().map_or(json!({"enabled": false}), |c| c.stats());
        report["upstreamBreaker"] = self.runtime.breaker_state().map_or(json!({"enabled": false}), |state| json!({"state": state}));
        if let (Some(results), Some(cache)) = (&self.results, report["cache"].as_object_mut()) {
            cache.insert("reusedResults".into(), results.hits().into());
        }
        // The caller's own limit: what it needs to pace itself.
        report["rateLimit"] = match self.limiter.quota().rate_of(&caller.role) {
            None => json!({"enabled": false, "role": caller.role}),
            Some(rate) => json!({
                "role": caller.role,
                "burst": rate.burst,
                "windowSeconds": rate.window.as_secs(),
                "violations": self.metrics.rate_limit_violations_total(),
            }),
        };
        report
    }

    async fn run_tool(&self, call: Call<'_>, name: &str, arguments: Option<Map<String, Value>>) -> Result<Answer, CallError> {
        let Call { tenant, link, provenance, .. } = call;
        let spec = self.runtime.registry().get(name).cloned().ok_or_else(|| CallError::UnknownTool(name.to_string()))?;
        let arguments = tracing::info_span!("validate").in_scope(|| spec.schemas.arguments(arguments)).map_err(CallError::Invalid)?;
        // Results are the tenant's own, like the responses they were computed from.
        let key = self.results.as_ref().map(|_| ResultCache::key(tenant.name(), &spec.component.digest, name, &arguments));
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
            .call(&spec, &arguments.to_string(), provenance.clone(), link, tenant)
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
        check_content(&content).map_err(bad)?;
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

/// Content blocks a client can use: bounded in total, media types of the form `type/subtype`.
fn check_content(content: &[ContentBlock]) -> Result<(), String> {
    let valid_type = |t: &str| {
        t.len() <= 100 && t.split_once('/').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
            && t.bytes().all(|b| b.is_ascii_graphic())
    };
    let mut bytes = 0;
    for block in content {
        let mime = match block {
            ContentBlock::Text(_) => None,
            ContentBlock::Image(media) | ContentBlock::Audio(media) => Some(&media.mime_type),
            ContentBlock::Resource(r) => {
                if r.uri.is_empty() || r.uri.len() > catalog::MAX_URI_BYTES {
                    return Err("an embedded resource needs a URI of at most 2048 bytes".into());
                }
                Some(&r.mime_type)
            }
        };
        if let Some(mime) = mime.filter(|m| !valid_type(m)) {
            return Err(format!("'{}' is not a media type", mime.chars().take(100).collect::<String>()));
        }
        bytes += crate::runtime::content_bytes(block);
    }
    if bytes > MAX_CONTENT_BYTES {
        return Err(format!("content blocks of {bytes} bytes (at most {MAX_CONTENT_BYTES})"));
    }
    Ok(())
}
