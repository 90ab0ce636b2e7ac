//! What a component may ask of the MCP client during a call (the `client` interface of
//! `wit/tool.wit`), through the official Python SDK over Streamable HTTP: log levels,
//! progress, sampling and elicitation (answered, declined, unsupported), resource
//! subscriptions, and the hostile component's attempts to abuse the client, each bounded
//! and audited.

use crate::support::{Fake, Hosted, TempDir, audit_records, components_with, python};

#[test]
fn components_reach_the_client_only_within_the_hosts_bounds() {
    let fake = Fake::start();
    let components = components_with(&["meps"], &["conformance_fixtures", "hostile"]);
    let audit = TempDir::new("client-audit");
    let env = [
        ("EPMCP_ANONYMOUS_ROLE", "researcher"), crate::support::ANONYMOUS_ANALYTICS,
        ("EPMCP_SUBSCRIPTION_POLL_SECS", "1"),
        ("EPMCP_AUDIT_DIR", audit.0.to_str().unwrap()),
    ];
    let mut server = Hosted::start_with(&fake, &components.0, &env);
    let report = python("client_features.py", &[&server.url], &[]);
    let (plain, full) = (&report["plain"], &report["full"]);

    // A client without the capability gets a clear tool error, not a hang.
    for (what, needle) in [("sampling", "does not support sampling"), ("elicitation", "does not support elicitation")] {
        assert_eq!(plain[what]["isError"], true, "{plain}");
        assert!(plain[what]["text"].as_str().unwrap().contains(needle), "{plain}");
    }

    // Log messages respect the session's level; progress follows the request's token.
    assert_eq!(full["logsAtDefaultLevel"], 0, "{full}");
    let logs = full["logsAtDebug"].as_array().unwrap();
    assert_eq!(logs.len(), 3, "{full}");
    assert!(logs.iter().all(|l| l["level"] == "info" && l["logger"] == "test_tool_with_logging"), "{full}");
    assert_eq!(full["progress"], serde_json::json!([[0.0, 100.0], [50.0, 100.0], [100.0, 100.0]]), "{full}");

    // Sampling and elicitation round trips carry the component's request and the client's answer.
    assert_eq!(full["sampling"]["text"], "LLM response: an answer", "{full}");
    assert_eq!(full["sampled"], serde_json::json!(["What is the EP?"]), "{full}");
    assert!(full["elicitationAccepted"]["text"].as_str().unwrap().contains(r#""username":"ada""#), "{full}");
    assert!(full["elicitationDeclined"]["text"].as_str().unwrap().starts_with("User response: action=decline"), "{full}");

    // A link to open is refused before it reaches the user; a flood is cut at the bounds.
    assert_eq!(full["elicitUrl"]["structured"]["answers"][0], "refused: only form elicitation is allowed", "{full}");
    assert_eq!(full["elicitUrlReachedClient"], false, "{full}");
    let answers: Vec<&str> = full["flood"]["structured"]["answers"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(answers.iter().filter(|a| **a == "answered").count(), 4, "{answers:?}");
    assert!(answers[4..].iter().all(|a| a.contains("at most 4 client requests per call")), "{answers:?}");
    assert_eq!(full["floodSamplings"], 4, "{full}");
    assert_eq!(full["floodLogs"], 100, "{full}");

    // Subscriptions: unknown resources are refused; a change is notified; unsubscribing stops it.
    assert_eq!(full["subscribeCapability"], true);
    assert!(full["subscribeUnknown"].as_str().unwrap().contains("resource not found"), "{full}");
    assert_eq!(full["updated"], true, "no notifications/resources/updated: {full}\n{}", server.stderr());
    assert!(full["updates"].as_array().unwrap().iter().all(|u| u == "test://watched-resource"), "{full}");
    assert_eq!(full["updatesAfterUnsubscribe"], 0, "{full}");

    // Every request to the client is in the audit log, refused ones with their reason.
    server.stop();
    let (_, records) = audit_records(&audit.0);
    let requests: Vec<&serde_json::Value> = records.iter().filter(|r| r["kind"] == "client_request").collect();
    let count = |tool: &str, outcome: &str| requests.iter().filter(|r| r["tool"] == tool && r["outcome"].as_str().unwrap().contains(outcome)).count();
    assert_eq!(count("hostile_flood_client", "answered"), 4, "{requests:?}");
    assert_eq!(count("hostile_flood_client", "at most 4"), 6, "{requests:?}");
    assert_eq!(count("hostile_elicit_url", "only form elicitation"), 1, "{requests:?}");
    assert_eq!(count("test_sampling", "does not support sampling"), 1, "{requests:?}");
}
