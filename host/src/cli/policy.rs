//! Policy as code: compliance rules in Rego, evaluated in-process by regorus over the
//! effective configuration (and the tools each role may reach) at start-up and by
//! `epmcp policy check|report`. The default policies ship inside the binary
//! (`host/policies/*.rego`); an operator adds their own with `--policy-dir`. Each policy
//! is a package `epmcp.policies.<name>` with `meta` (title, severity `deny` or `warn`,
//! the ISO 27001 and NIST CSF controls it evidences), a set `violations` of messages,
//! and optionally `evidence`. A `deny` violation refuses start-up; a `warn` is logged.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::cli::settings::Config;
use crate::runtime::registry::Registry;

/// The policies every server enforces.
const DEFAULTS: &[(&str, &str)] = &[
    ("cache_ttl.rego", include_str!("../../policies/cache_ttl.rego")),
    ("audit_retention.rego", include_str!("../../policies/audit_retention.rego")),
    ("listener_tls.rego", include_str!("../../policies/listener_tls.rego")),
    ("anonymous_analytics.rego", include_str!("../../policies/anonymous_analytics.rego")),
    ("signed_components.rego", include_str!("../../policies/signed_components.rego")),
    ("hosted_audit.rego", include_str!("../../policies/hosted_audit.rego")),
    ("anonymous_rate_limit.rego", include_str!("../../policies/anonymous_rate_limit.rego")),
    ("anomaly_response.rego", include_str!("../../policies/anomaly_response.rego")),
];

const ROOT: &str = "data.epmcp.policies.";

/// The controls of SECURITY_ARCHITECTURE §15 the report walks, in order.
const CONTROLS: &[(&str, &str, &str)] = &[
    ("ISO 27001", "A.5.1", "Information security policies"),
    ("ISO 27001", "A.8.2", "Information classification"),
    ("ISO 27001", "A.9.1", "Access control"),
    ("ISO 27001", "A.9.4", "System access control"),
    ("ISO 27001", "A.12.4", "Logging and monitoring"),
    ("ISO 27001", "A.14.2", "Security in development"),
    ("ISO 27001", "A.18.1", "GDPR compliance"),
    ("NIST CSF 2.0", "ID.AM", "Identify: asset management"),
    ("NIST CSF 2.0", "PR.AA", "Protect: identity management, authentication and access control"),
    ("NIST CSF 2.0", "PR.DS", "Protect: data security"),
    ("NIST CSF 2.0", "DE.CM", "Detect: continuous monitoring"),
    ("NIST CSF 2.0", "RS.MA", "Respond: incident management"),
    ("NIST CSF 2.0", "RC.RP", "Recover: incident recovery plan execution"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warn,
    Deny,
}

/// One policy's verdict.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Its package's last segment.
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// Where it came from: `default` or the operator's file.
    pub source: String,
    pub violations: Vec<String>,
    pub evidence: Value,
    pub iso27001: Vec<String>,
    pub nist_csf: Vec<String>,
    /// The operator granted an exception (`--policy-exceptions`): a `deny` only warns.
    pub excepted: bool,
}

impl Finding {
    /// Whether a violation of it refuses to serve.
    fn refuses(&self) -> bool {
        self.severity == Severity::Deny && !self.excepted && !self.passed()
    }

    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }

    fn view(&self) -> Value {
        json!({
            "id": self.id,
            "title": self.title,
            "severity": match self.severity { Severity::Deny => "deny", Severity::Warn => "warn" },
            "source": self.source,
            "passed": self.passed(),
            "violations": self.violations,
            "evidence": self.evidence,
            "iso27001": self.iso27001,
            "nistCsf": self.nist_csf,
            "exception": self.excepted,
        })
    }
}

/// What the policies see: the effective settings (secrets left out, as `admin_config`
/// shows them) and facts derived from them and the loaded components.
fn input(config: &Config, registry: &Registry) -> Value {
    let settings = config.public_view();
    let mut tools: Vec<&str> = registry.tools().iter().map(|t| t.name.as_str()).collect();
    tools.extend(crate::dispatch::host_tools::tools().iter().map(|t| t.name));
    let anonymous = settings["authentication"]["anonymousRole"].as_str().map(str::to_string);
    let mut roles: Vec<String> = settings["roles"].as_object().map(|r| r.keys().cloned().collect()).unwrap_or_default();
    roles.extend(anonymous.iter().cloned());
    roles.push(config.stdio_role.clone());
    let role_tools: BTreeMap<&str, Vec<&str>> =
        roles.iter().map(|role| (role.as_str(), tools.iter().copied().filter(|t| config.policy.allows(role, t)).collect())).collect();
    let role_rates: BTreeMap<&str, Value> = roles
        .iter()
        .map(|role| {
            let rate = config.calls.rate_of(role).map_or(json!("unlimited"), |r| json!({"burst": r.burst, "windowSeconds": r.window.as_secs()}));
            (role.as_str(), rate)
        })
        .collect();
    let components: BTreeMap<&str, Vec<&str>> =
        registry.components.iter().map(|c| (c.name.as_str(), registry.tools_of(c).map(|t| t.name.as_str()).collect())).collect();
    let trust: BTreeMap<&str, String> = registry.components.iter().map(|c| (c.name.as_str(), c.verdict.to_string())).collect();
    let listener = match &config.http {
        None => json!({"configured": false}),
        Some(h) => json!({
            "configured": true,
            "address": h.listen.to_string(),
            "loopback": h.listen.ip().is_loopback(),
            "tls": h.tls.is_some(),
            "insecureHttp": config.insecure_http,
        }),
    };
    json!({
        "settings": settings,
        "listener": listener,
        "anonymousRole": anonymous,
        "roleTools": role_tools,
        "roleRates": role_rates,
        "components": components,
        "componentTrust": trust,
    })
}

/// The verdicts on `config` with the components of `registry`: the default policies, the
/// operator's (`--policy-dir`) and their exceptions (`--policy-exceptions`).
pub fn findings(config: &Config, registry: &Registry) -> Result<Vec<Finding>> {
    evaluate(&input(config, registry), config.policy_dir.as_deref(), &config.policy_exceptions)
}

/// Evaluates the default policies and every `.rego` file of `dir` over `input`;
/// `exceptions` names the policies whose violations the operator accepts.
pub fn evaluate(input: &Value, dir: Option<&Path>, exceptions: &[String]) -> Result<Vec<Finding>> {
    let mut engine = regorus::Engine::new();
    let mut sources = BTreeMap::new();
    for (name, text) in DEFAULTS {
        let package = engine.add_policy(format!("default/{name}"), text.to_string()).with_context(|| format!("default policy {name}"))?;
        sources.insert(package, "default".to_string());
    }
    if let Some(dir) = dir {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("reading policy directory {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "rego"))
            .collect();
        files.sort();
        for file in files {
            let package = engine.add_policy_from_file(&file).with_context(|| format!("policy {}", file.display()))?;
            if sources.contains_key(&package) {
                bail!("policy {}: package {package} is already defined (a default policy cannot be replaced)", file.display());
            }
            sources.insert(package, file.display().to_string());
        }
    }
    engine.set_input(regorus::Value::from_json_str(&input.to_string())?);
    let mut findings = Vec::new();
    for (package, source) in sources {
        let Some(id) = package.strip_prefix(ROOT).filter(|id| !id.contains('.')) else {
            bail!("policy {source}: package {package} is not epmcp.policies.<name>");
        };
        let mut rule = |name: &str| -> Result<Value> {
            let value = engine.eval_rule(format!("{package}.{name}")).with_context(|| format!("policy {id}: evaluating {name}"))?;
            Ok(serde_json::from_str(&value.to_json_str()?)?)
        };
        let meta = rule("meta")?;
        let severity = match meta["severity"].as_str() {
            Some("deny") => Severity::Deny,
            Some("warn") => Severity::Warn,
            other => bail!("policy {id}: meta.severity must be \"deny\" or \"warn\" (got {other:?})"),
        };
        let strings = |v: &Value| -> Vec<String> { v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default() };
        let violations = rule("violations")?;
        if !(violations.is_array() || violations.is_null()) || violations.as_array().is_some_and(|a| a.iter().any(|v| !v.is_string())) {
            bail!("policy {id}: violations must be a set of messages");
        }
        let evidence = rule("evidence").unwrap_or(Value::Null);
        findings.push(Finding {
            id: id.to_string(),
            title: meta["title"].as_str().unwrap_or(id).to_string(),
            severity,
            source,
            violations: strings(&violations),
            evidence: if evidence.is_object() || evidence.is_array() || evidence.is_number() || evidence.is_string() { evidence } else { Value::Null },
            iso27001: strings(&meta["iso27001"]),
            nist_csf: strings(&meta["nist_csf"]),
            excepted: exceptions.iter().any(|e| e == id),
        });
    }
    if let Some(unknown) = exceptions.iter().find(|e| !findings.iter().any(|f| &f.id == *e)) {
        bail!("policy exception '{unknown}' names no policy");
    }
    Ok(findings)
}

/// Start-up: warnings are logged; any `deny` violation refuses, with every message.
pub fn enforce(findings: &[Finding]) -> Result<()> {
    for f in findings.iter().filter(|f| !f.refuses()) {
        for v in &f.violations {
            let kind = if f.excepted { "policy exception granted" } else { "policy warning" };
            tracing::warn!(policy = f.id, "{kind}: {v}");
        }
    }
    let denied: Vec<String> = findings.iter().filter(|f| f.refuses()).flat_map(|f| f.violations.iter().map(move |v| format!("[{}] {v}", f.id))).collect();
    if !denied.is_empty() {
        bail!("the configuration violates policy:\n  {}", denied.join("\n  "));
    }
    Ok(())
}

/// `epmcp policy check`: every policy's verdict, as JSON.
pub fn check_view(findings: &[Finding]) -> Value {
    let refused = findings.iter().any(Finding::refuses);
    json!({"compliant": !refused, "policies": findings.iter().map(Finding::view).collect::<Vec<_>>()})
}

/// `epmcp policy report`: control by control, the policies that evidence it, their
/// verdicts and evidence. A control no policy checks says so.
pub fn report(findings: &[Finding]) -> String {
    let mut out = String::from("epmcp compliance report (policies evaluated over the effective configuration)\n");
    let mut framework = "";
    for (name, control, title) in CONTROLS {
        if *name != framework {
            framework = name;
            out.push_str(&format!("\n== {name} ==\n"));
        }
        let covering: Vec<&Finding> = if *control == "A.5.1" {
            findings.iter().collect() // the policy set itself is the written policy
        } else {
            findings.iter().filter(|f| f.iso27001.iter().chain(&f.nist_csf).any(|c| c == control)).collect()
        };
        let status = if covering.is_empty() {
            "NOT CHECKED"
        } else if covering.iter().any(|f| f.refuses()) {
            "FAIL"
        } else if covering.iter().any(|f| f.excepted && !f.passed()) {
            "EXCEPTION"
        } else if covering.iter().any(|f| !f.passed()) {
            "WARN"
        } else {
            "PASS"
        };
        out.push_str(&format!("\n{control} {title}: {status}\n"));
        if *control == "A.5.1" {
            out.push_str(&format!("  {} policies in force ({} default, {} the operator's)\n", findings.len(), findings.iter().filter(|f| f.source == "default").count(), findings.iter().filter(|f| f.source != "default").count()));
            continue;
        }
        if covering.is_empty() {
            out.push_str("  no policy checks this control automatically\n");
        }
        for f in covering {
            let verdict = if f.passed() {
                "pass"
            } else if f.refuses() {
                "FAIL"
            } else if f.excepted {
                "violated, exception granted by the operator"
            } else {
                "warn"
            };
            out.push_str(&format!("  - {} ({}): {verdict}\n", f.title, f.id));
            for v in &f.violations {
                out.push_str(&format!("      violation: {v}\n"));
            }
            if !f.evidence.is_null() {
                out.push_str(&format!("      evidence: {}\n", f.evidence));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input_with(settings: Value) -> Value {
        json!({"settings": settings, "listener": {"configured": false}, "anonymousRole": null, "roleTools": {}, "roleRates": {}, "components": {}, "componentTrust": {}})
    }

    #[test]
    fn the_defaults_compile_and_pass_a_compliant_configuration() {
        let settings = json!({"cache": {"ttlSeconds": 900}, "audit": {"enabled": false}, "tenants": {}, "components": {"allowUnsigned": false, "trustedKeys": [], "pinnedManifests": []}, "anomaly": {"enabled": true}});
        let findings = evaluate(&input_with(settings), None, &[]).unwrap();
        assert_eq!(findings.len(), DEFAULTS.len());
        assert!(findings.iter().all(Finding::passed), "{findings:#?}");
        assert!(enforce(&findings).is_ok());
        assert!(report(&findings).contains("A.8.2 Information classification: PASS"));
    }

    #[test]
    fn a_deny_violation_refuses_with_the_policys_message() {
        let settings = json!({"cache": {"ttlSeconds": 3600}, "audit": {"retentionDays": 30}, "tenants": {"acme": {"auditRetentionDays": 120}}, "components": {"allowUnsigned": false, "trustedKeys": [], "pinnedManifests": []}, "anomaly": {"enabled": true}});
        let findings = evaluate(&input_with(settings), None, &[]).unwrap();
        let error = enforce(&findings).unwrap_err().to_string();
        assert!(error.contains("[cache_ttl] the cache keeps EP responses for 3600 s"), "{error}");
        assert!(error.contains("[audit_retention] tenant 'acme' keeps its audit stream 120 days"), "{error}");
        assert!(report(&findings).contains("A.18.1 GDPR compliance: FAIL"));
    }
}
