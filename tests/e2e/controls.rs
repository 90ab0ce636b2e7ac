//! Host controls through a real client: the response cache at the egress gateway.

use serde_json::json;

use crate::support::{Fake, Options, Server, audit_records};

fn upstream_requests(fake: &Fake, needle: &str) -> usize {
    fake.requests().iter().filter(|r| r.contains(needle)).count()
}

fn with_env(vars: &[(&'static str, &str)]) -> Options<'static> {
    Options { env: vars.iter().map(|(k, v)| (*k, v.to_string())).collect(), ..Options::default() }
}

#[test]
fn a_repeated_call_is_answered_from_the_cache() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let first = server.ok("get_mep_details", json!({"id": "1294"}));
    // Other arguments, the same upstream request: the component runs, the response is cached.
    let second = server.ok("get_mep_details", json!({"id": "MEP-1294"}));
    // The same arguments: the result computed from that still-cached response is reused.
    let third = server.ok("get_mep_details", json!({"id": "1294"}));
    assert_eq!((&first, &first), (&second, &third));
    assert_eq!(upstream_requests(&fake, "/meps/1294?"), 1, "the later calls did not reach the EP API");
    let health = server.ok("get_server_health", json!({}));
    let cache = &health["cache"];
    assert_eq!((cache["hits"].as_u64(), cache["misses"].as_u64(), cache["reusedResults"].as_u64()), (Some(1), Some(1), Some(1)), "{health}");
}

#[test]
fn results_are_reused_only_while_every_response_they_came_from_is_cached() {
    // A feed's 404 means "nothing changed": a successful empty result, from a response
    // that is never cached, so it is computed again every time.
    let fake = Fake::start_with(&["--fault", "404"]);
    let mut server = Server::start(&fake);
    for _ in 0..2 {
        assert_eq!(server.ok("get_meps_feed", json!({}))["count"], 0);
    }
    assert_eq!(fake.requests().len(), 2, "{:?}", fake.requests());
    assert_eq!(server.ok("get_server_health", json!({}))["cache"]["reusedResults"], 0);
}

#[test]
fn concurrent_identical_calls_make_one_upstream_request() {
    let fake = Fake::start_with(&["--delay-ms", "300"]);
    let mut server = Server::start(&fake);
    let call = |id: u32| json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                                "params": {"name": "get_committee_info", "arguments": {"id": "1"}}});
    for id in [101, 102, 103] {
        server.send_raw(&call(id).to_string());
    }
    for id in [101, 102, 103] {
        let response = server.response(&json!(id));
        assert_eq!(response["result"]["structuredContent"]["data"][0]["abbreviation"], "ECON", "{response}");
    }
    assert_eq!(upstream_requests(&fake, "/corporate-bodies/1?"), 1, "{:?}", fake.requests());
}

#[test]
fn a_client_may_run_only_so_many_calls_at_once() {
    let fake = Fake::start_with(&["--delay-ms", "300"]);
    let mut server = Server::start_with(&fake, with_env(&[("EPMCP_MAX_CALLS_PER_CLIENT", "1")]));
    let call = |id: u32, mep: &str| json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                                           "params": {"name": "get_mep_details", "arguments": {"id": mep}}});
    server.send_raw(&call(201, "1294").to_string());
    std::thread::sleep(std::time::Duration::from_millis(50));
    server.send_raw(&call(202, "101").to_string());
    let busy = server.response(&json!(202));
    assert_eq!(busy["result"]["isError"], true, "{busy}");
    assert!(busy["result"]["content"][0]["text"].as_str().unwrap().contains("already has 1 calls running"), "{busy}");
    assert_eq!(server.response(&json!(201))["result"]["isError"], false);
    server.ok("get_mep_details", json!({"id": "101"})); // the slot is free again
}

#[test]
fn failures_are_not_cached_and_entries_expire() {
    let fake = Fake::start();
    let mut server = Server::start_with(&fake, with_env(&[("EPMCP_CACHE_TTL_SECS", "1")]));
    for _ in 0..2 {
        server.tool_error("get_mep_details", json!({"id": "9999500"}));
    }
    assert_eq!(upstream_requests(&fake, "/meps/9999500?"), 2, "a 500 is never served from the cache");
    server.ok("get_mep_details", json!({"id": "1294"}));
    std::thread::sleep(std::time::Duration::from_millis(1300));
    server.ok("get_mep_details", json!({"id": "1294"}));
    assert_eq!(upstream_requests(&fake, "/meps/1294?"), 2, "no stale entry was served");
}

#[test]
fn the_cache_can_be_turned_off_and_its_ttl_is_bounded() {
    let fake = Fake::start();
    let mut server = Server::start_with(&fake, with_env(&[("EPMCP_CACHE_ENTRIES", "0")]));
    for _ in 0..2 {
        server.ok("get_mep_details", json!({"id": "1294"}));
    }
    assert_eq!(upstream_requests(&fake, "/meps/1294?"), 2);
    assert_eq!(server.ok("get_server_health", json!({}))["cache"], json!({"enabled": false}));
    let out = std::process::Command::new(crate::support::epmcp_bin()).env("EPMCP_CACHE_TTL_SECS", "901").output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[cache_ttl] the cache keeps EP responses for 901 s"), "the policy bounds the TTL: {stderr}");
}

#[test]
fn a_client_over_its_rate_limit_is_refused_with_retry_after_then_refilled() {
    let fake = Fake::start();
    // 3 calls, one token back per second: the fourth quick call is refused.
    let limits = [("EPMCP_RATE_LIMIT", "3"), ("EPMCP_RATE_LIMIT_WINDOW_SECS", "3")];
    let mut server = Server::start_with(&fake, with_env(&limits));
    server.ok("get_mep_details", json!({"id": "1294"}));
    server.ok("get_current_meps", json!({}));
    server.ok("get_server_health", json!({}));
    let refused = server.tool_error("get_mep_details", json!({"id": "1294"}));
    assert!(refused.contains("rate limit exceeded") && refused.contains("retry after 1 s"), "{refused}");
    std::thread::sleep(std::time::Duration::from_millis(2100)); // two tokens back
    server.ok("get_mep_details", json!({"id": "1294"}));
    let health = server.ok("get_server_health", json!({}));
    assert_eq!(health["rateLimit"], json!({"role": "researcher", "burst": 3, "windowSeconds": 3, "violations": 1}));
}

#[test]
fn expensive_tools_cost_more_tokens() {
    let fake = Fake::start();
    let limits = [("EPMCP_RATE_LIMIT", "4"), ("EPMCP_TOOL_COSTS", "get_current_meps=3")];
    let mut server = Server::start_with(&fake, with_env(&limits));
    server.ok("get_current_meps", json!({}));
    assert!(server.tool_error("get_current_meps", json!({})).contains("rate limit exceeded"));
    server.ok("get_mep_details", json!({"id": "1294"}));
}

#[test]
fn each_role_has_its_own_rate() {
    let fake = Fake::start();
    let public = [("EPMCP_STDIO_ROLE", "public"), ("EPMCP_ROLE_RATE_LIMITS", "public=2/60, admin=0")];
    let mut server = Server::start_with(&fake, with_env(&public));
    server.ok("get_meps", json!({}));
    server.ok("get_meps", json!({}));
    assert!(server.tool_error("get_meps", json!({})).contains("rate limit exceeded"));
    let unlimited = [("EPMCP_STDIO_ROLE", "admin"), ("EPMCP_ROLE_RATE_LIMITS", "public=2/60, admin=0"), ("EPMCP_RATE_LIMIT", "1")];
    let mut server = Server::start_with(&fake, with_env(&unlimited));
    for _ in 0..5 {
        server.ok("get_mep_details", json!({"id": "1294"}));
    }
    assert_eq!(server.ok("get_server_health", json!({}))["rateLimit"], json!({"enabled": false, "role": "admin"}));
}

#[test]
fn the_upstream_budget_per_endpoint_is_kept_and_cache_hits_are_free() {
    let fake = Fake::start();
    let mut server = Server::start_with(&fake, with_env(&[("EPMCP_UPSTREAM_PER_5MIN", "2")]));
    server.ok("get_mep_details", json!({"id": "1294"}));
    server.ok("get_mep_details", json!({"id": "101"}));
    let refused = server.tool_error("get_mep_details", json!({"id": "102"}));
    assert!(refused.contains("request budget") && refused.contains("retry after"), "{refused}");
    server.ok("get_mep_details", json!({"id": "1294"})); // from the cache: no budget needed
    server.ok("get_procedures", json!({})); // another endpoint, another budget
    assert_eq!(upstream_requests(&fake, "/meps/"), 2);
}

#[test]
fn bad_limit_settings_are_refused_at_start() {
    for (var, value, needle) in [
        ("EPMCP_TOOL_COSTS", "get_meps", "tool=n"),
        ("EPMCP_TOOL_COSTS", "get_meps=0", "1..=1000"),
        ("EPMCP_RATE_LIMIT_WINDOW_SECS", "0", "rate limit"),
        ("EPMCP_UPSTREAM_PER_5MIN", "0", "upstream rate"),
        ("EPMCP_BREAKER_OPEN_SECS", "0", "circuit breaker"),
        ("EPMCP_REDIS_URL", "http://127.0.0.1:6379", "redis URL"),
        ("EPMCP_REDIS_CA", "ca.pem", "only for a rediss:// URL"),
        ("EPMCP_OTLP_ENDPOINT", "ftp://collector", "OTLP/HTTP"),
        ("EPMCP_CACHE_MIB", "0", "cache size"),
        ("EPMCP_AUDIT_RETENTION_DAYS", "4000", "audit retention"),
        ("EPMCP_ROLE_RATE_LIMITS", "public", "role=n"),
        ("EPMCP_ROLE_RATE_LIMITS", "public=5/0", "role=n"),
        ("EPMCP_ROLE_RATE_LIMITS", "Public=5", "not a role name"),
        ("EPMCP_STDIO_ROLE", "root user", "not a role name"),
    ] {
        let out = std::process::Command::new(crate::support::epmcp_bin()).env(var, value).output().unwrap();
        assert!(!out.status.success(), "{var}={value} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{var}={value}: {stderr}");
    }
}

fn verify(file: &std::path::Path) -> std::process::Output {
    std::process::Command::new(crate::support::epmcp_bin()).args(["audit", "verify"]).arg(file).output().unwrap()
}

#[test]
fn the_audit_log_records_calls_upstream_and_security_events_in_a_verifiable_chain() {
    let fake = Fake::start();
    let dir = crate::support::TempDir::new("audit");
    let audit_dir = dir.0.join("audit");
    let env = [("EPMCP_AUDIT_DIR", audit_dir.to_str().unwrap()), ("EPMCP_RATE_LIMIT", "5")];
    let mut server = Server::start_with(&fake, with_env(&env));
    server.ok("get_mep_details", json!({"id": "1294"}));
    server.ok("search_documents", json!({"keyword": "my private words"}));
    let invalid = server.call("get_mep_details", json!({"id": "../etc/passwd"}));
    server.ok("get_mep_details", json!({"id": "MEP-1294"})); // the same upstream request: a cache hit
    server.ok("get_mep_details", json!({"id": "1294"})); // the same call: its result reused
    let limited = server.tool_error("get_mep_details", json!({"id": "1294"})); // the sixth call: over the limit
    server.close();
    std::thread::sleep(std::time::Duration::from_millis(200));

    let (file, records) = audit_records(&audit_dir);
    let kinds: Vec<&str> = records.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "call").count(), 6, "{kinds:?}");
    let first = records.iter().find(|r| r["kind"] == "call").unwrap();
    assert_eq!((first["tool"].as_str(), first["outcome"].as_str(), first["client"].as_str()), (Some("get_mep_details"), Some("ok"), Some("stdio")));
    assert_eq!(first["ids"], json!({"id": "1294"}));
    let upstream: Vec<&serde_json::Value> = records.iter().filter(|r| r["kind"] == "upstream").collect();
    assert_eq!(upstream[0]["endpoint"], "meps/1294");
    assert_eq!(upstream[0]["status"], 200);
    assert!(upstream.iter().any(|r| r["cacheHit"] == true), "the repeated call was a cache hit");
    assert_eq!(upstream.len(), 3, "get_mep_details twice, search_documents once: the reused result read nothing");
    let calls: Vec<&serde_json::Value> = records.iter().filter(|r| r["kind"] == "call").collect();
    assert_eq!(calls[4]["reused"], true, "{}", calls[4]);
    let security: Vec<&str> = records.iter().filter(|r| r["kind"] == "security").map(|r| r["event"].as_str().unwrap()).collect();
    assert_eq!(security, ["validation_failure", "rate_limit"]);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("private words") && !text.contains("passwd"), "no free text or hostile input is kept");

    // The error id a client sees finds the call's records.
    let invalid_text = invalid["result"]["content"][0]["text"].as_str().unwrap_or_else(|| panic!("not an isError result: {invalid}"));
    assert_eq!(invalid["result"]["isError"], true, "{invalid}");
    let error_id = invalid_text.rsplit_once("(error id ").map(|(_, id)| id.trim_end_matches(')')).unwrap_or_else(|| panic!("no error id: {invalid}"));
    let found: Vec<&str> = records.iter().filter(|r| r["callId"] == error_id).map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(found, ["call", "security"], "records of {error_id}");
    let limited_id = limited.rsplit_once("(error id ").map(|(_, id)| id.trim_end_matches(')')).unwrap_or_else(|| panic!("{limited}"));
    let record = records.iter().find(|r| r["kind"] == "call" && r["callId"] == limited_id).unwrap();
    assert_eq!((record["outcome"].as_str(), record["role"].as_str()), (Some("refused"), Some("researcher")));
    let ids: std::collections::HashSet<&str> = records.iter().filter(|r| r["kind"] == "call").map(|r| r["callId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 6, "every call has its own id");

    let ok = verify(&file);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("chain intact"));
    let lines: Vec<&str> = text.lines().collect();
    let call = lines.iter().position(|l| l.contains("\"get_mep_details\"")).unwrap();
    for tampered in [
        lines.iter().enumerate().map(|(i, l)| if i == call { l.replace("get_mep_details", "get_meps") } else { l.to_string() }).collect::<Vec<_>>(),
        lines.iter().enumerate().filter(|(i, _)| *i != 3).map(|(_, l)| l.to_string()).collect(),
    ] {
        std::fs::write(&file, tampered.join("\n") + "\n").unwrap();
        let broken = verify(&file);
        assert!(!broken.status.success());
        assert!(String::from_utf8_lossy(&broken.stderr).contains("chain is broken"), "{}", String::from_utf8_lossy(&broken.stderr));
    }
}

/// `GET path` on a loopback listener: (status code, body).
fn http_get(addr: &str, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
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

fn epmcp(env: &[(&str, &str)], args: &[&str]) -> (Option<i32>, String, String) {
    let mut command = std::process::Command::new(crate::support::epmcp_bin());
    command.env("EPMCP_COMPONENTS", crate::support::components_dir()).args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn settings_come_from_a_toml_file_under_flags_and_environment() {
    let fake = Fake::start();
    let dir = crate::support::TempDir::new("config");
    let file = dir.0.join("epmcp.toml");
    std::fs::write(&file, "rate_limit = 3\nrate_limit_window_secs = 600\nstdio_role = \"admin\"\ntool_costs = { get_current_meps = 2 }\n").unwrap();
    let config = file.to_str().unwrap();
    let mut server = Server::start_with(&fake, with_env(&[("EPMCP_CONFIG", config)]));
    server.ok("get_current_meps", json!({}));
    assert!(server.tool_error("get_current_meps", json!({})).contains("rate limit exceeded"), "2 + 2 > 3: the file's costs apply");
    let health = server.ok("get_server_health", json!({}));
    assert_eq!(health["rateLimit"], json!({"role": "admin", "burst": 3, "windowSeconds": 600, "violations": 1}));
    // The environment wins over the file.
    let mut server = Server::start_with(&fake, with_env(&[("EPMCP_CONFIG", config), ("EPMCP_RATE_LIMIT", "7")]));
    assert_eq!(server.ok("get_server_health", json!({}))["rateLimit"]["burst"], 7);

    for (content, needle) in [
        ("no_such_setting = 1\n", "unknown setting 'no_such_setting'"),
        ("cache_ttl_secs = 100000\n", "cache TTL 100000 s"),
        ("cache_ttl_secs = \"soon\"\n", "--cache-ttl-secs"),
        ("rate_limit = [1, 2]\n", "'rate_limit' has a value of the wrong type"),
        ("rate_limit = \n", "not valid TOML"),
    ] {
        std::fs::write(&file, content).unwrap();
        let (code, _, stderr) = epmcp(&[("EPMCP_CONFIG", config)], &["components"]);
        assert_eq!(code, Some(2), "{content} was accepted: {stderr}");
        assert!(stderr.contains(needle), "{content}: {stderr}");
    }
}

#[test]
fn health_check_for_scripts() {
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

#[test]
fn a_failing_api_opens_the_circuit_breaker_cached_data_still_serves_and_a_probe_closes_it() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let dir = crate::support::TempDir::new("breaker");
    let audit_dir = dir.0.join("audit");
    let fake = Fake::start();
    let env = [("EPMCP_BREAKER_FAILURES", "3"), ("EPMCP_BREAKER_OPEN_SECS", "1"), ("EPMCP_METRICS_LISTEN", &addr), ("EPMCP_AUDIT_DIR", audit_dir.to_str().unwrap())];
    let mut server = Server::start_with(&fake, with_env(&env));
    server.ok("get_mep_details", json!({"id": "1294"})); // cached for later
    // The fake answers 500 for this id: three consecutive failures open the breaker.
    for _ in 0..3 {
        assert!(!server.tool_error("get_mep_details", json!({"id": "9999500"})).contains("circuit"));
    }
    let before = fake.requests().len();
    let refused = server.tool_error("get_mep_details", json!({"id": "101"}));
    assert!(refused.contains("EP API unavailable") && refused.contains("retry after 1 s"), "{refused}");
    assert_eq!(fake.requests().len(), before, "refused without reaching the EP API");
    server.ok("get_mep_details", json!({"id": "MEP-1294"})); // the cached response still serves
    assert_eq!(server.ok("get_server_health", json!({}))["upstreamBreaker"], json!({"state": "open"}));
    let (_, metrics) = http_get(&addr, "/metrics");
    assert!(metrics.contains("upstream_breaker_state 1") && metrics.contains(r#"upstream_breaker_transitions_total{to="open"} 1"#), "{metrics}");
    // After the open period one request probes; it succeeds and the breaker closes.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    server.ok("get_mep_details", json!({"id": "101"}));
    server.ok("get_mep_details", json!({"id": "102"}));
    let (_, metrics) = http_get(&addr, "/metrics");
    assert!(metrics.contains("upstream_breaker_state 0") && metrics.contains(r#"upstream_breaker_transitions_total{to="closed"} 1"#), "{metrics}");
    server.close(); // the audit log is flushed at exit
    std::thread::sleep(std::time::Duration::from_millis(200));
    let (_, records) = audit_records(&audit_dir);
    let moves: Vec<(&str, &str)> = records.iter().filter(|r| r["kind"] == "breaker").map(|r| (r["from"].as_str().unwrap(), r["to"].as_str().unwrap())).collect();
    assert_eq!(moves, [("closed", "open"), ("open", "half_open"), ("half_open", "closed")], "{records:?}");
}
