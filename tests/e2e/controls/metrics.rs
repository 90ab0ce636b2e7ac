//! Observability: `get_server_health`, the metrics listener (/metrics, /healthz, /readyz) and `epmcp --health`.

use serde_json::json;

use crate::support::*;

#[test]
fn get_server_health_reports_observed_outcomes() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let fresh = server.ok("get_server_health", json!({}));
    assert_eq!(fresh["server"]["name"], "epmcp");
    assert_eq!(fresh["tools"]["get_mep_details"]["status"], "unknown");
    server.ok("get_mep_details", json!({"id": "1294"}));
    server.tool_error("get_committee_info", json!({"id": "9999500"}));
    server.invalid("get_procedures", json!({"processId": "../x"})); // the caller's fault: not a health signal
    let health = server.ok("get_server_health", json!({}));
    assert_eq!(health["tools"]["get_mep_details"]["status"], "ok");
    assert_eq!(health["tools"]["get_mep_details"]["calls"], 1);
    assert_eq!(health["tools"]["get_committee_info"]["status"], "error");
    assert_eq!(health["tools"]["get_committee_info"]["lastError"]["reason"], "the EP API answered with an error");
    assert_eq!(health["tools"]["get_procedures"]["status"], "unknown");
    assert!(health["toolCount"].as_u64().unwrap() >= 7);
    assert!(server.invalid("get_server_health", json!({"x": 1})).contains("no arguments"));
    assert!(fake.requests().iter().all(|r| !r.contains("health")), "the host answers it without the network");
}

#[test]
fn metrics_and_health_endpoints_on_a_loopback_listener() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let fake = Fake::start();
    let mut server = Server::start_with(&fake, with_env(&[("EPMCP_METRICS_LISTEN", &addr)]));
    server.ok("get_mep_details", json!({"id": "1294"}));
    server.ok("get_mep_details", json!({"id": "MEP-1294"}));
    server.ok("get_mep_details", json!({"id": "1294"}));
    server.invalid("get_mep_details", json!({"id": "x"}));
    server.refused("no_such_tool", json!({}));

    let (status, text) = http_get(&addr, "/metrics");
    assert_eq!(status, 200);
    // Prometheus text: comments, or `name{labels} value`.
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad line {line}"));
        let name = series.split('{').next().unwrap();
        assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "bad name in {line}");
        assert!(series == name || series.ends_with('}'), "bad labels in {line}");
        assert!(value.parse::<f64>().is_ok(), "bad value in {line}");
    }
    assert!(text.trim_end().ends_with("# EOF"), "OpenMetrics text ends with # EOF");
    for expected in [
        r#"requests_total{tool="get_mep_details",status="ok"} 3"#,
        r#"results_reused_total{tool="get_mep_details"} 1"#,
        r#"requests_total{tool="get_mep_details",status="refused"} 1"#,
        r#"requests_total{tool="unknown",status="refused"} 1"#,
        r#"validation_failures_total{tool="get_mep_details",error_type="schema"} 1"#,
        r#"upstream_requests_total{endpoint="meps",status="200"} 1"#,
        "cache_hits_total 1",
        "cache_misses_total 1",
    ] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }
    assert!(text.contains(r#"request_duration_ms_bucket{le="#), "{text}");
    assert_eq!(http_get(&addr, "/healthz").0, 200);
    let (status, ready) = http_get(&addr, "/readyz");
    assert_eq!(status, 200);
    assert!(ready.contains("\"ready\":true"), "{ready}");
    assert_eq!(http_get(&addr, "/nothing").0, 404);

    let out = std::process::Command::new(crate::support::epmcp_bin()).env("EPMCP_METRICS_LISTEN", "0.0.0.0:9464").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not loopback"));
}

#[test]
fn the_health_flag_exits_0_when_ready_1_when_not_and_2_on_invalid_configuration() {
    // Without a listener: this configuration starts (components load and link).
    let (code, stdout, stderr) = epmcp(&[], &["--health"]);
    assert_eq!(code, Some(0), "{stdout} {stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["ready"], true);
    assert!(report["tools"].as_u64().unwrap() > 40, "{report}");
    let (code, stdout, _) = epmcp(&[("EPMCP_COMPONENTS", "/nonexistent/components")], &["--health"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("\"ready\":false"), "{stdout}");
    let (code, stdout, _) = epmcp(&[("EPMCP_CACHE_TTL_SECS", "901")], &["--health"]);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(stdout.contains("invalid configuration"), "{stdout}");

    // With a listener: the running server's /readyz.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let (code, stdout, _) = epmcp(&[("EPMCP_METRICS_LISTEN", &addr)], &["--health"]);
    assert_eq!(code, Some(1), "nothing listens yet: {stdout}");
    let fake = Fake::start();
    let _server = Server::start_with(&fake, with_env(&[("EPMCP_METRICS_LISTEN", &addr)]));
    let (code, stdout, _) = epmcp(&[("EPMCP_METRICS_LISTEN", &addr)], &["--health"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("\"ready\":true"), "{stdout}");
}
