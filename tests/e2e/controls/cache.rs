//! The response cache and result reuse: hits, single flight, expiry, failures never cached, off.

use serde_json::json;

use crate::support::*;

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
