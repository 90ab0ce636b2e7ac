//! Rate limits: per-client buckets, tool costs, per-role rates, concurrency, the EP API's budget.

use serde_json::json;

use crate::support::*;

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
