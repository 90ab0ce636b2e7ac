//! The admin tools (granted to the `admin` role by default): the effective configuration
//! without secrets, a metrics snapshot, and the loaded components with their policies.
//! Like `get_server_health`, the host answers them from its own state: no network, no
//! sandbox. Their names start with `admin_`, which the default `researcher` grant excludes.

use serde_json::{Value, json};

pub const CONFIG: &str = "admin_config";
pub const METRICS: &str = "admin_metrics";
pub const COMPONENTS: &str = "admin_components";
pub const TENANTS: &str = "admin_tenants";
pub const ANOMALIES: &str = "admin_anomalies";
pub const LIFT: &str = "admin_lift_block";

/// The tools the host answers itself (no component may provide one of these names).
pub fn is_host_tool(name: &str) -> bool {
    matches!(name, crate::dispatch::health::TOOL | CONFIG | METRICS | COMPONENTS | TENANTS | ANOMALIES | LIFT)
}

/// A tool the host answers itself: what tools/list shows of it.
pub struct HostTool {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub input_schema: Value,
    pub output_schema: Value,
}

pub fn tools() -> Vec<HostTool> {
    vec![
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

pub fn input_schema() -> Value {
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
