//! Anomaly detection and automated response, through the official Python SDK: a client
//! bursting hostile inputs is blocked within 5 s while another client is unaffected; the
//! block ends on schedule; a second offence within the hour isolates it (health only);
//! an admin sees the response with its evidence and lifts it; all of it is audited.

use serde_json::{Value, json};

use crate::support::{Fake, Hosted, TempDir, audit_records, python};
use crate::support::{session, tenant_key};

/// A session whose calls start at the beginning of a wall-clock second: the detector counts
/// per second, and a burst split over two seconds would teach the baseline its first half.
fn aligned_session(url: &str, key: &str, calls: Value) -> Value {
    python("calls.py", &[url, &calls.to_string()], &[("EPMCP_KEY", key), ("EPMCP_CALLS_ALIGN_SECOND", "1")])
}

fn errors(report: &Value) -> Vec<String> {
    report["calls"].as_array().unwrap().iter().filter_map(|a| a["error"].as_str().map(str::to_string)).collect()
}

#[test]
fn an_abusive_client_is_blocked_then_isolated_while_others_are_served() {
    let fake = Fake::start();
    let dir = TempDir::new("anomaly");
    let audit = dir.0.join("audit");
    let (abuser, abuser_entry) = tenant_key("researcher", "default");
    let (bystander, bystander_entry) = tenant_key("researcher", "default");
    let (operator, operator_entry) = tenant_key("admin", "default");
    let keys = [abuser_entry, bystander_entry, operator_entry].join(",");
    let env = [
        ("EPMCP_API_KEYS", keys.as_str()),
        ("EPMCP_AUDIT_DIR", audit.to_str().unwrap()),
        ("EPMCP_ANOMALY_BLOCK_SECS", "3"),
        ("EPMCP_ANOMALY_ISOLATE_SECS", "30"),
    ];
    let mut server = Hosted::start(&fake, &env);
    let hostile = json!(["get_mep_details", {"id": "../../etc/passwd"}, 40]);
    let valid = json!(["get_mep_details", {"id": "1294"}]);

    // A burst of hostile inputs: invalid at first, then refused as blocked.
    let burst = aligned_session(&server.url, &abuser, json!([hostile, valid]));
    let answers = burst["calls"].as_array().unwrap();
    let first_blocked = answers.iter().find(|a| a["error"].as_str().is_some_and(|e| e.contains("this client is blocked")));
    let first_blocked = first_blocked.unwrap_or_else(|| panic!("never blocked: {burst}"));
    assert!(first_blocked["ms"].as_f64().unwrap() < 5000.0, "blocked after {} ms", first_blocked["ms"]);
    let last = answers.last().unwrap()["error"].as_str().unwrap();
    assert!(last.contains("this client is blocked for") && last.contains("unusual validationFailures"), "{last}");
    assert!(errors(&burst).iter().take(8).all(|e| e.contains("invalid arguments")), "the first ones were just invalid: {burst}");

    // Another client of the same tenant is served as usual meanwhile.
    let other = session(&server.url, &bystander, json!([valid]));
    assert_eq!(other["calls"][0]["result"]["name"], "Elio DI RUPO", "{other}");

    // The operator sees the response and its evidence.
    let seen = session(&server.url, &operator, json!([["admin_anomalies", {}]]));
    let responses = seen["calls"][0]["result"]["responses"].as_array().unwrap().clone();
    assert_eq!(responses.len(), 1, "{seen}");
    let block = &responses[0];
    assert_eq!(block["response"], "block");
    assert!(block["subject"].as_str().unwrap().starts_with("identity:default:key:"), "{block}");
    let evidence = &block["evidence"]["signals"]["validationFailures"];
    assert!(evidence["thisSecond"].as_u64().unwrap() >= 16 && evidence["mean"] == 0.0, "{block}");

    // The block ends on schedule.
    std::thread::sleep(std::time::Duration::from_millis(3200));
    let after = session(&server.url, &abuser, json!([valid]));
    assert_eq!(after["calls"][0]["result"]["name"], "Elio DI RUPO", "unblocked after 3 s: {after}");

    // A second offence within the hour: isolated, get_server_health still answers.
    let again = aligned_session(&server.url, &abuser, json!([hostile, valid, ["get_server_health", {}]]));
    let answers = again["calls"].as_array().unwrap();
    let refused = answers[answers.len() - 2]["error"].as_str().unwrap_or_default();
    assert!(refused.contains("this client is isolated"), "{again}");
    assert_eq!(answers.last().unwrap()["result"]["server"]["name"], "epmcp", "health stays reachable: {again}");

    // The operator lifts it; the client is served again at once.
    let subject = block["subject"].as_str().unwrap();
    let lift = session(&server.url, &operator, json!([["admin_lift_block", {"subject": subject}], ["admin_lift_block", {"subject": subject}], ["admin_metrics", {}]]));
    assert_eq!(lift["calls"][0]["result"]["lifted"], true, "{lift}");
    assert_eq!(lift["calls"][0]["result"]["response"]["response"], "isolate", "{lift}");
    assert_eq!(lift["calls"][1]["result"]["lifted"], false, "nothing left to lift: {lift}");
    let exposition = lift["calls"][2]["result"]["exposition"].as_str().unwrap();
    for line in [r#"anomaly_responses_total{response="block"} 1"#, r#"anomaly_responses_total{response="isolate"} 1"#] {
        assert!(exposition.contains(line), "{line}: {exposition}");
    }
    let served = session(&server.url, &abuser, json!([valid]));
    assert_eq!(served["calls"][0]["result"]["name"], "Elio DI RUPO", "{served}");
    let quiet = session(&server.url, &bystander, json!([["get_meps", {"limit": 1}, 5], valid]));
    assert!(errors(&quiet).is_empty(), "ordinary traffic triggers nothing: {quiet}");

    // Every response and the lift are audited, with the evidence.
    assert!(server.stop().success());
    let (_, records) = audit_records(&audit);
    let anomalies: Vec<&Value> = records.iter().filter(|r| r["event"] == "anomaly").collect();
    let kinds: Vec<&str> = anomalies.iter().map(|r| r["response"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "block").count(), 1, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| **k == "isolate").count(), 1, "{kinds:?}");
    assert!(anomalies.iter().all(|r| r["evidence"]["signal"] == "validationFailures" && r["subject"] == subject), "{anomalies:?}");
    assert!(records.iter().any(|r| r["kind"] == "anomaly_lifted" && r["subject"] == subject));
}
