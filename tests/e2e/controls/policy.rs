//! Policy as code: the default Rego policies refuse a configuration that violates one of
//! them (each violated once here), warn for the `warn` ones, take the operator's own
//! policies, and `epmcp policy report` walks the ISO 27001 / NIST CSF controls.

use serde_json::Value;

use crate::support::{Fake, Hosted, TempDir, components_dir, epmcp_cli};

const LOCAL: [&str; 3] = ["serve", "--listen", "127.0.0.1:0"];

/// `epmcp ARGS` with `env` must exit 2 naming the policy and its message.
fn refused(env: &[(&str, &str)], args: &[&str], policy: &str, message: &str) {
    let (code, _, stderr) = epmcp_cli(&components_dir(), env, args);
    assert_eq!(code, Some(2), "{policy}: {args:?} {env:?} was not refused: {stderr}");
    assert!(stderr.contains("violates policy") && stderr.contains(&format!("[{policy}] {message}")), "{policy}: {stderr}");
}

#[test]
fn every_default_deny_policy_refuses_a_configuration_that_violates_it() {
    let dir = TempDir::new("policy");
    let audit = dir.0.join("audit");
    let tenants = dir.0.join("tenants.toml");
    std::fs::write(&tenants, "[acme]\naudit_retention_days = 120\n").unwrap();
    // stdio and the hosted listener are both refused before serving anything.
    refused(&[("EPMCP_CACHE_TTL_SECS", "3600")], &[], "cache_ttl", "the cache keeps EP responses for 3600 s");
    refused(&[("EPMCP_CACHE_TTL_SECS", "901")], &LOCAL, "cache_ttl", "the cache keeps EP responses for 901 s; at most 900 s");
    let audit_env = [("EPMCP_AUDIT_DIR", audit.to_str().unwrap()), ("EPMCP_AUDIT_RETENTION_DAYS", "120")];
    refused(&audit_env, &[], "audit_retention", "the audit log is kept 120 days");
    refused(&[("EPMCP_TENANTS", tenants.to_str().unwrap())], &[], "audit_retention", "tenant 'acme' keeps its audit stream 120 days");
    refused(&[], &["serve", "--listen", "0.0.0.0:0"], "listener_tls", "the listener 0.0.0.0:0 is not loopback and has no TLS");
    refused(&[("EPMCP_ROLE_TOOLS", "public=* !admin_*")], &LOCAL, "anonymous_analytics", "the anonymous role 'public' may use the analytics tool");
    refused(&[("EPMCP_ALLOW_UNSIGNED", "true")], &LOCAL, "signed_components", "--allow-unsigned is set on a hosted server");
    // The same settings are fine where the policy does not apply: analytics for a role
    // that is not anonymous, unsigned components on the developer's own stdio.
    let (code, _, stderr) = epmcp_cli(&components_dir(), &[("EPMCP_ALLOW_UNSIGNED", "true")], &["policy", "check"]);
    assert_eq!(code, Some(0), "{stderr}");
    // An operator's exception turns the refusal into a warning the report shows.
    let excepted = [("EPMCP_ROLE_TOOLS", "public=* !admin_*"), ("EPMCP_POLICY_EXCEPTIONS", "anonymous_analytics")];
    let mut args = vec!["policy", "report"];
    args.extend_from_slice(&LOCAL[1..]);
    let (code, report, stderr) = epmcp_cli(&components_dir(), &excepted, &args);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(report.contains("A.9.1 Access control: EXCEPTION"), "{report}");
    assert!(report.contains("(anonymous_analytics): violated, exception granted by the operator"), "{report}");
    let (code, _, stderr) = epmcp_cli(&components_dir(), &[("EPMCP_POLICY_EXCEPTIONS", "no_such_policy")], &["policy", "check"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("policy exception 'no_such_policy' names no policy"), "{stderr}");
}

#[test]
fn warnings_are_logged_and_reported_and_the_server_still_starts() {
    let fake = Fake::start();
    // A hosted server without an audit log, its anonymous role without a rate limit, and
    // no anomaly detection: three warnings.
    let env = [("EPMCP_ROLE_RATE_LIMITS", "public=0"), ("EPMCP_ANOMALY_DETECTION", "false")];
    let server = Hosted::start(&fake, &env);
    let stderr = server.stderr();
    assert!(stderr.contains("policy warning") && stderr.contains("without an audit log"), "{stderr}");
    assert!(stderr.contains("the anonymous role 'public' has no rate limit"), "{stderr}");
    assert!(stderr.contains("anomaly detection is off on a hosted server"), "{stderr}");

    let mut args = vec!["policy", "check"];
    args.extend_from_slice(&LOCAL[1..]);
    let (code, stdout, stderr) = epmcp_cli(&components_dir(), &env, &args);
    assert_eq!(code, Some(0), "warnings do not fail the check: {stderr}");
    let verdict: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(verdict["compliant"], true);
    let policy = |id: &str| verdict["policies"].as_array().unwrap().iter().find(|p| p["id"] == id).unwrap().clone();
    assert_eq!(policy("hosted_audit")["passed"], false);
    assert_eq!(policy("hosted_audit")["severity"], "warn");
    assert_eq!(policy("anonymous_rate_limit")["evidence"]["rate"], "unlimited");
    assert_eq!(policy("anomaly_response")["passed"], false);
    assert_eq!(policy("cache_ttl")["passed"], true);
    assert_eq!(policy("cache_ttl")["evidence"]["cacheTtlSeconds"], 900);
}

#[test]
fn operators_add_their_own_policies_and_the_report_maps_controls() {
    let dir = TempDir::new("policy-dir");
    std::fs::write(
        dir.0.join("budget.rego"),
        r#"package epmcp.policies.small_budget

meta := {"title": "The EP budget is kept under 300 requests per endpoint", "severity": "deny", "iso27001": ["A.9.1"], "nist_csf": ["PR.AA"]}

violations contains msg if {
	input.settings.upstreamPer5Min > 300
	msg := sprintf("upstream budget %d per 5 min; this operator allows 300", [input.settings.upstreamPer5Min])
}

evidence := {"upstreamPer5Min": input.settings.upstreamPer5Min}
"#,
    )
    .unwrap();
    let policies = [("EPMCP_POLICY_DIR", dir.0.to_str().unwrap())];
    refused(&policies, &[], "small_budget", "upstream budget 500 per 5 min; this operator allows 300");

    let compliant = [policies[0], ("EPMCP_UPSTREAM_PER_5MIN", "250")];
    let (code, report, stderr) = epmcp_cli(&components_dir(), &compliant, &["policy", "report"]);
    assert_eq!(code, Some(0), "{stderr}");
    for line in [
        "A.5.1 Information security policies: PASS",
        "9 policies in force (8 default, 1 the operator's)",
        "A.9.1 Access control: PASS",
        "The EP budget is kept under 300 requests per endpoint (small_budget): pass",
        "evidence: {\"upstreamPer5Min\":250}",
        "PR.DS Protect: data security: PASS",
        "RC.RP Recover: incident recovery plan execution: NOT CHECKED",
    ] {
        assert!(report.contains(line), "missing {line:?} in:\n{report}");
    }
    // A policy that does not compile, or would replace a default one, stops the server.
    std::fs::write(dir.0.join("broken.rego"), "package epmcp.policies.broken\nviolations contains x if {").unwrap();
    let (code, _, stderr) = epmcp_cli(&components_dir(), &compliant, &["policy", "check"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("broken.rego"), "{stderr}");
    std::fs::write(dir.0.join("broken.rego"), "package epmcp.policies.cache_ttl\nmeta := {\"severity\": \"warn\"}\n").unwrap();
    let (code, _, stderr) = epmcp_cli(&components_dir(), &compliant, &["policy", "check"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("cannot be replaced"), "{stderr}");
}
