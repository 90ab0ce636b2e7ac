//! Tenants (`--tenants FILE`): callers of one tenant share nothing with another's — not
//! cached responses, not rate limits, not audit streams — and each tenant sees only the
//! tool groups its plan enables. Driven through the official Python SDK over Streamable HTTP.

use std::process::Command;

use serde_json::{Value, json};

use crate::support::{Fake, Hosted, TempDir, audit_records, epmcp_bin, session, tenant_key};

fn error(answer: &Value) -> &str {
    answer["error"].as_str().unwrap_or_else(|| panic!("expected an error: {answer}"))
}

const TENANTS: &str = r#"
[acme]
plan = "pro"
calls_per_minute = 6
max_users = 2
tool_groups = ["meps", "health", "admin"]
audit_retention_days = 30
upstream_per_5min = 100

[beta]
plan = "free"
"#;

#[test]
fn tenants_share_no_cache_limits_audit_or_tools() {
    let fake = Fake::start();
    let dir = TempDir::new("tenants");
    let (file, audit_dir) = (dir.0.join("tenants.toml"), dir.0.join("audit"));
    std::fs::write(&file, TENANTS).unwrap();
    let (acme, acme_entry) = tenant_key("researcher", "acme");
    let (acme_admin, acme_admin_entry) = tenant_key("admin", "acme");
    let (acme_third, acme_third_entry) = tenant_key("researcher", "acme");
    let (beta, beta_entry) = tenant_key("researcher", "beta");
    let (operator, operator_entry) = tenant_key("admin", "default");
    let keys = [acme_entry, acme_admin_entry, acme_third_entry, beta_entry, operator_entry].join(",");
    let env = [
        ("EPMCP_TENANTS", file.to_str().unwrap()),
        ("EPMCP_API_KEYS", keys.as_str()),
        ("EPMCP_AUDIT_DIR", audit_dir.to_str().unwrap()),
    ];
    let mut server = Hosted::start(&fake, &env);
    let details = |n: usize| fake.requests().iter().filter(|r| r.contains("/meps/1294")).count() == n;

    // An admin of acme sees acme only (one of acme's 6 calls this minute).
    let seen = session(&server.url, &acme_admin, json!([["admin_tenants", {}]]));
    let tenants = &seen["calls"][0]["result"]["tenants"];
    assert_eq!(tenants.as_array().unwrap().len(), 1, "{seen}");
    assert_eq!(tenants[0]["name"], "acme");
    assert_eq!(tenants[0]["settings"]["plan"], "pro");

    // acme's researcher: its plan's groups only; a repeated read is acme's cache hit.
    let calls = json!([["get_mep_details", {"id": "1294"}, 2], ["get_plenary_sessions", {"limit": 1}], ["get_meps", {"limit": 1}, 6]]);
    let first = session(&server.url, &acme, calls);
    let tools: Vec<&str> = first["tools"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert!(tools.contains(&"get_mep_details") && tools.contains(&"get_server_health"), "{tools:?}");
    assert!(!tools.contains(&"get_plenary_sessions") && !tools.iter().any(|t| t.starts_with("admin_")), "{tools:?}");
    let answers = first["calls"].as_array().unwrap();
    assert_eq!(answers[0]["result"]["name"], "Elio DI RUPO", "{first}");
    assert_eq!(answers[1]["result"]["name"], "Elio DI RUPO", "{first}");
    assert!(details(1), "acme's second read came from its cache: {:?}", fake.requests());
    assert!(error(&answers[2]).contains("not enabled for the tenant 'acme'"), "{first}");
    // 6 per minute for the whole tenant: two sessions opened (each `initialize` is charged
    // like a call), the admin's call, two reads, then one of the six lists (a second if the
    // bucket refilled one token, 10 s, meanwhile).
    let refused: Vec<&Value> = answers[3..].iter().filter(|a| a.get("error").is_some()).collect();
    assert!((4..=5).contains(&refused.len()), "{first}");
    assert!(error(refused[0]).contains("rate limit exceeded for the tenant 'acme'"), "{first}");

    // beta is untouched by acme's limit, and acme's cached response is not beta's.
    let other = session(&server.url, &beta, json!([["get_mep_details", {"id": "1294"}], ["get_plenary_sessions", {"limit": 1}]]));
    assert_eq!(other["calls"][0]["result"]["name"], "Elio DI RUPO", "{other}");
    assert!(other["calls"][1]["result"].is_object(), "beta's plan has every group but admin: {other}");
    assert!(details(2), "beta read the MEP itself: {:?}", fake.requests());

    // acme has had its 2 users today.
    // (A session counts its user: the third's `initialize` is refused with 429, saying why.)
    let third = session(&server.url, &acme_third, json!([["get_mep_details", {"id": "1294"}]]));
    assert!(third["connectError"].as_str().unwrap_or_default().contains("429"), "{third}");
    let auth = format!("Bearer {acme_third}");
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}});
    let headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream"), ("Authorization", auth.as_str())];
    let (status, _, body) = crate::support::http(&server.addr, "POST", "/mcp", &headers, &init.to_string());
    assert!(status == 429 && body.contains("the tenant 'acme' has its 2 users"), "{status} {body}");

    // The operator sees every tenant and what each used.
    let report = session(&server.url, &operator, json!([["admin_tenants", {}], ["admin_metrics", {}]]));
    let all = report["calls"][0]["result"]["tenants"].as_array().unwrap().clone();
    let names: Vec<&str> = all.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["default", "acme", "beta"], "{report}");
    let usage = |name: &str| all.iter().find(|t| t["name"] == name).unwrap()["usage"].clone();
    let (acme_usage, beta_usage) = (usage("acme"), usage("beta"));
    // (The third user was refused at `initialize`, before any call.)
    assert_eq!(acme_usage["calls"], 10, "1 + 2 + 1 + 6: {acme_usage}");
    assert_eq!(acme_usage["refusedCalls"], 1 + refused.len(), "the plenary call, the limited lists: {acme_usage}");
    assert!(acme_usage["upstreamRequests"].as_u64().unwrap() >= 2 && acme_usage["resultBytes"].as_u64().unwrap() > 0, "{acme_usage}");
    assert_eq!(beta_usage["calls"], 2, "{beta_usage}");
    assert_eq!(all[1]["settings"]["upstreamPer5Min"], 100);
    assert_eq!(all[2]["settings"]["upstreamPer5Min"], 200, "beta and default split the 400 acme leaves");
    let exposition = report["calls"][1]["result"]["exposition"].as_str().unwrap();
    assert!(exposition.contains(r#"tenant_calls_total{tenant="acme"} 10"#), "{exposition}");
    assert!(exposition.contains(r#"tenant_calls_total{tenant="beta"} 2"#), "{exposition}");

    // Each tenant's calls are in its own audit stream, and only there.
    assert!(server.stop().success());
    let (_, acme_records) = audit_records(&audit_dir.join("tenants/acme"));
    let (_, beta_records) = audit_records(&audit_dir.join("tenants/beta"));
    let (_, host_records) = audit_records(&audit_dir);
    let calls_of = |records: &[Value]| records.iter().filter(|r| r["kind"] == "call").map(|r| r["tenant"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(calls_of(&acme_records).len(), 10);
    assert!(calls_of(&acme_records).iter().all(|t| t == "acme"));
    assert_eq!(calls_of(&beta_records), ["beta", "beta"]);
    assert_eq!(calls_of(&host_records), ["default", "default"], "the operator's two calls only");
    let (acme_file, _) = audit_records(&audit_dir.join("tenants/acme"));
    let out = Command::new(epmcp_bin()).args(["audit", "verify"]).arg(&acme_file).output().unwrap();
    assert!(out.status.success(), "acme's chain is its own and intact: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn bad_tenant_settings_are_refused_at_start() {
    let dir = TempDir::new("tenants-bad");
    let file = dir.0.join("tenants.toml");
    let (_, stray) = tenant_key("researcher", "nobody");
    for (tenants, keys, expected) in [
        ("[acme]\nupstream_per_5min = 400\n[beta]\nupstream_per_5min = 200\n", "", "more than the host's budget"),
        ("[default]\n", "", "the operator's own"),
        ("[acme]\nspeed = 1\n", "", "unknown field"),
        ("[acme]\n", stray.as_str(), "no such tenant"),
    ] {
        std::fs::write(&file, tenants).unwrap();
        let out = Command::new(epmcp_bin())
            .env_clear()
            .env("EPMCP_TENANTS", &file)
            .env("EPMCP_API_KEYS", keys)
            .args(["--health"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{tenants}: {text}");
        assert!(text.contains(expected), "{tenants}: {text}");
    }
}
