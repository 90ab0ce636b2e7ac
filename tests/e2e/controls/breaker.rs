//! The circuit breaker on the EP API.

use serde_json::json;

use crate::support::*;

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
