//! The audit log: calls, upstream requests and security events in a verifiable chain.

use serde_json::json;

use crate::support::*;

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
