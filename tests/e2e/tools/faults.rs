//! Upstream faults (errors, bad bodies, timeouts, an unreachable API) become clean errors in every family.

use serde_json::json;

use crate::support::*;

#[test]
fn a_slow_upstream_times_out_cleanly() {
    let fake = Fake::start_with(&["--fault", "slow"]);
    let mut server =
        Server::start_with(&fake, Options { env: vec![("EPMCP_UPSTREAM_TIMEOUT_MS", "700".into())], ..Options::default() });
    for (tool, arguments) in [
        ("get_adopted_texts", json!({"docId": "TA-10-2025-0001"})),
        ("get_parliamentary_questions", json!({})),
        ("get_procedure_events", json!({"processId": "1972-0003"})),
    ] {
        let started = std::time::Instant::now();
        let message = server.tool_error(tool, arguments.clone());
        assert!(message.contains("did not answer in time"), "{tool}: {message}");
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{tool} waited {:?}", started.elapsed());
    }
}

#[test]
fn upstream_faults_become_clean_errors() {
    let fake = Fake::start();
    let mut server = Server::start_with(
        &fake,
        Options { env: vec![("EPMCP_UPSTREAM_TIMEOUT_MS", "700".into())], ..Options::default() },
    );
    let cases = [
        ("9999500", "HTTP 500"),
        ("9999503", "HTTP 503"),
        ("9999429", "rate limiting"),
        ("9999302", "redirect"),
        ("9999001", "malformed JSON"),
        ("9999002", "reported an error"),
        ("9999003", "size limit"),
        ("9999004", "malformed JSON"),
        ("9999408", "did not answer in time"),
    ];
    for (id, expected) in cases {
        let message = server.tool_error("get_mep_details", json!({"id": id}));
        assert!(message.contains(expected), "{id}: {message}");
        assert!(!message.contains("internal details") && !message.contains("<html>"), "{id} leaked the body: {message}");
        // ...and the next ordinary call still works.
        assert_eq!(server.ok("get_mep_details", json!({"id": "1294"}))["name"], "Elio DI RUPO");
    }
    assert!(!fake.requests().iter().any(|r| r.contains("redirected-here")), "a redirect was followed");
}

#[test]
fn unreachable_upstream_is_a_clean_error() {
    // Nothing listens on port 9 of loopback.
    let mut server = Server::spawn("http://127.0.0.1:9/api/v2/", Options::default());
    let init = server.request(
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "0"}}),
    );
    assert!(init["result"].is_object());
    let message = server.tool_error("get_current_meps", json!({}));
    assert!(message.contains("could not be reached"), "{message}");
}

/// List tools of the families in `tools.rs`, under every fault the fake can inject.
#[test]
fn every_family_turns_upstream_faults_into_clean_errors() {
    let calls = [
        ("get_current_meps", json!({})),
        ("get_political_groups", json!({})),
        ("get_committee_info", json!({"showCurrent": true})),
        ("get_plenary_sessions", json!({"year": 2024})),
        ("get_all_generated_stats", json!({"category": "plenary_sessions", "yearFrom": 2024, "yearTo": 2024})),
    ];
    for (fault, expected) in [("500", "HTTP 500"), ("truncated", "malformed JSON"), ("html", "malformed JSON"), ("error-body", "reported an error"), ("slow", "did not answer in time")] {
        let fake = Fake::start_with(&["--fault", fault]);
        let options = Options { env: vec![("EPMCP_UPSTREAM_TIMEOUT_MS", "300".into())], ..Options::default() };
        let mut server = Server::start_with(&fake, options);
        for (tool, arguments) in &calls {
            if fault == "slow" && *tool != "get_current_meps" {
                continue; // one timeout is enough to prove the path; each costs the timeout
            }
            let message = server.tool_error(tool, arguments.clone());
            assert!(message.contains(expected), "{tool} under {fault}: {message}");
            assert!(!message.contains("<html>") && !message.contains("backend failure"), "{tool} leaked the body: {message}");
        }
        assert!(server.ok("get_server_health", json!({}))["server"].is_object(), "still serving after {fault}");
    }
    // A missing item is "not found", not an upstream failure.
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let missing = server.tool_error("get_committee_info", json!({"id": "9999404"}));
    assert!(missing.contains("not found"), "{missing}");
}
