//! The tools the host answers from its own state, with no network and no sandbox:
//! `get_server_health`, and the admin tools (granted to the `admin` role by default; their
//! names start with `admin_`, which the default `researcher` grant excludes): the effective
//! configuration without secrets, a metrics snapshot, the loaded components with their
//! policies, tenants and their usage, and anomaly detection's responses.
//! An admin of another tenant than the operator's sees its own tenant only, in every one.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::Dispatcher;
use super::error::CallError;
use crate::identity::{Caller, DEFAULT_TENANT};
use crate::runtime::validate::Invalid;

pub use crate::runtime::catalog::host_tool::{ANOMALIES, COMPONENTS, CONFIG, HEALTH, LIFT, METRICS, TENANTS};
pub use crate::runtime::catalog::is_host_tool;

/// A tool the host answers itself: what tools/list shows of it.
pub struct HostTool {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub input_schema: Value,
    pub output_schema: Value,
}

/// Every host tool, in the order tools/list shows them.
pub fn tools() -> Vec<HostTool> {
    vec![
        HostTool {
            name: HEALTH,
            title: "Server health",
            description: "epmcp's own health: version, uptime, components, and each tool's recent outcomes \
                (last success, last error; feeds summarised). Observed from real calls only: a tool nobody called is 'unknown'.",
            input_schema: input_schema(),
            output_schema: super::health::output_schema(),
        },
        HostTool {
            name: CONFIG,
            title: "Effective configuration",
            description: "The settings this server runs with, after flags, environment and the configuration file, \
                with secrets left out (API keys are counted per role, never shown). An admin of another tenant than \
                the operator's sees its own tenant's settings only.",
            input_schema: input_schema(),
            output_schema: json!({"type": "object", "required": ["settings"], "properties": {"settings": {"type": "object"}}}),
        },
        HostTool {
            name: METRICS,
            title: "Metrics snapshot",
            description: "The server's metrics now, as the Prometheus/OpenMetrics text the metrics listener serves. \
                An admin of another tenant than the operator's sees its own tenant's samples only.",
            input_schema: input_schema(),
            output_schema: json!({
                "type": "object", "required": ["format", "exposition"],
                "properties": {"format": {"type": "string"}, "exposition": {"type": "string"}}
            }),
        },
        HostTool {
            name: COMPONENTS,
            title: "Loaded components",
            description: "Every loaded tool component: name, version, SHA-256 digest, why it is trusted (signature \
                or pinned manifest), its manifest's egress prefixes and limits, and each of its tools with the EP API \
                path prefixes it may reach.",
            input_schema: input_schema(),
            output_schema: json!({
                "type": "object", "required": ["components"],
                "properties": {"components": {"type": "array", "items": {"type": "object", "required": ["name", "version", "digest", "trust", "egress", "limits", "tools"]}}}
            }),
        },
        HostTool {
            name: TENANTS,
            title: "Tenants and their usage",
            description: "Each tenant's settings (plan, calls per minute, cache, user cap, tool groups, audit \
                retention, share of the EP API budget) and what it used on this instance since it started: calls, \
                refused calls, EP API requests and bytes, result bytes, active users. An admin of the operator's \
                tenant sees every tenant; any other admin sees only its own.",
            input_schema: input_schema(),
            output_schema: json!({
                "type": "object", "required": ["tenants"],
                "properties": {"tenants": {"type": "array", "items": {"type": "object", "required": ["name", "settings", "usage"]}}}
            }),
        },
        HostTool {
            name: ANOMALIES,
            title: "Responses to anomalous behaviour in force",
            description: "The identities and tenants anomaly detection has tightened, blocked or isolated: the \
                response, seconds left, the reason and the evidence (each signal this second against its usual mean and \
                deviation). Admins of the operator's tenant see all; others their own tenant's.",
            input_schema: input_schema(),
            output_schema: json!({
                "type": "object", "required": ["responses"],
                "properties": {"responses": {"type": "array", "items": {"type": "object", "required": ["subject", "tenant", "response", "secondsLeft", "reason"]}}}
            }),
        },
        HostTool {
            name: LIFT,
            title: "Lift a block",
            description: "Ends a response of anomaly detection now (on every instance sharing Redis), for a subject \
                as admin_anomalies lists it: identity:<tenant>:<identity> or tenant:<tenant>.",
            input_schema: json!({
                "type": "object", "required": ["subject"], "additionalProperties": false,
                "properties": {"subject": {"type": "string", "minLength": 1, "maxLength": 300}}
            }),
            output_schema: json!({"type": "object", "required": ["lifted"], "properties": {"lifted": {"type": "boolean"}, "response": {"type": "object"}}}),
        },
    ]
}

fn input_schema() -> Value {
    json!({"type": "object", "properties": {}, "additionalProperties": false})
}

/// The metrics exposition; for a tenant's admin, only the samples labelled with its
/// tenant (the server-wide and other tenants' samples are the operator's).
pub fn metrics(exposition: String, tenant: Option<&str>) -> Value {
    let exposition = match tenant {
        None => exposition,
        Some(tenant) => {
            let label = format!("tenant=\"{tenant}\"");
            exposition.lines().filter(|line| line.starts_with('#') || line.contains(&label)).map(|line| format!("{line}\n")).collect()
        }
    };
    json!({"format": "application/openmetrics-text; version=1.0.0", "exposition": exposition})
}

impl Dispatcher {
    /// The tools the host answers from its own state; only admin_lift_block takes arguments.
    pub(super) async fn answer_host_tool(&self, caller: &Caller, name: &str, arguments: Option<Map<String, Value>>) -> Result<Value, CallError> {
        let invalid = |field: &str, message: String| CallError::Invalid(Invalid::Schema { field: field.to_string(), message });
        let mut arguments = arguments.unwrap_or_default();
        let subject = match (name, arguments.remove("subject")) {
            (LIFT, Some(Value::String(s))) if !s.is_empty() && s.len() <= 300 => Some(s),
            (LIFT, _) => return Err(invalid("subject", "admin_lift_block needs subject: a string of 1..=300 characters".into())),
            (_, Some(_)) => return Err(invalid("subject", format!("{name} takes no arguments (got 'subject')"))),
            (_, None) => None,
        };
        if let Some(extra) = arguments.keys().next() {
            return Err(invalid(extra, format!("{name} takes no arguments (got '{extra}')")));
        }
        // An admin of the operator's tenant sees every tenant and the server; any other admin
        // its own tenant only, in every admin tool.
        let scope = (caller.tenant != DEFAULT_TENANT).then_some(caller.tenant.as_str());
        Ok(match name {
            CONFIG => match scope {
                None => json!({"settings": self.public_config}),
                Some(tenant) => {
                    let own = self.tenants_report(Some(tenant)).await["tenants"][0]["settings"].clone();
                    json!({"settings": {"tenant": tenant, "tenantSettings": own}})
                }
            },
            METRICS => metrics(self.metrics.encode(), scope),
            COMPONENTS => self.components_report(),
            TENANTS => self.tenants_report(scope).await,
            ANOMALIES => {
                let actions = self.detector.as_ref().map(|d| d.list(scope)).unwrap_or_default();
                let responses: Vec<Value> = actions
                    .iter()
                    .map(|a| json!({"subject": a.subject, "tenant": a.tenant, "response": a.response, "secondsLeft": a.seconds_left(), "reason": a.reason, "evidence": a.evidence}))
                    .collect();
                json!({"enabled": self.detector.is_some(), "responses": responses})
            }
            LIFT => {
                let subject = subject.unwrap_or_default();
                let lifted = match &self.detector {
                    Some(d) => d.lift(&subject, scope).await,
                    None => None,
                };
                if let Some(action) = &lifted {
                    let audit = &self.tenants.of(&action.tenant).scope.audit;
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
        let tenants = &self.tenants;
        let shared = self.shared.as_ref().map(Arc::as_ref);
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
        let tenant = self.tenants.of(&caller.tenant);
        report["cache"] = tenant.scope.cache.as_ref().map_or(json!({"enabled": false}), |c| c.stats());
        report["upstreamBreaker"] = self.egress.breaker_state().map_or(json!({"enabled": false}), |state| json!({"state": state}));
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
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_names_components_may_not_take_are_exactly_the_host_tools() {
        let names: Vec<&str> = super::tools().iter().map(|t| t.name).collect();
        assert_eq!(names, crate::runtime::catalog::host_tool::ALL);
    }
}
