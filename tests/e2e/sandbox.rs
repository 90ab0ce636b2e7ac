//! The hostile components: every escape attempt is denied or trapped with a clear
//! error, the fake sees only what the policy allows, and ordinary calls keep working.

use std::time::Instant;

use serde_json::{Value, json};

use crate::support::{Fake, Options, Server, components_with};

fn hostile_server(fake: &Fake) -> (Server, crate::support::TempDir) {
    let dir = components_with(&["meps"], &["hostile", "hostile_fs"]);
    let server = Server::start_with(
        fake,
        Options {
            components: dir.0.clone(),
            env: vec![
                ("EPMCP_CALL_TIMEOUT_MS", "1000".into()),
                ("EPMCP_MEMORY_MIB", "64".into()),
                ("EPMCP_SECRET_CANARY", "canary-7f3a".into()),
            ],
            args: Vec::new(),
        },
    );
    (server, dir)
}

fn still_serving(server: &mut Server) {
    assert_eq!(server.ok("get_mep_details", json!({"id": "1294"}))["name"], "Elio DI RUPO");
}

#[test]
fn a_component_importing_the_filesystem_is_refused_at_load() {
    let fake = Fake::start();
    let (mut server, _dir) = hostile_server(&fake);
    let tools = server.request("tools/list", json!({}))["result"]["tools"].clone();
    let names: Vec<&str> = tools.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"hostile_fetch"), "{names:?}");
    assert!(!names.contains(&"hostile_read_file"), "{names:?}");
    let stderr = server.stderr();
    assert!(stderr.contains("component refused") && stderr.contains("hostile_fs.wasm"), "{stderr}");
    assert!(stderr.contains("wasi:filesystem"), "{stderr}");
    assert!(server.invalid("hostile_read_file", json!({})).starts_with("unknown tool 'hostile_read_file' (error id "));
    still_serving(&mut server);
}

#[test]
fn egress_escapes_are_denied_and_never_reach_the_network() {
    let fake = Fake::start();
    let fake_authority = fake.url.trim_start_matches("http://").split('/').next().unwrap().to_string();
    let (mut server, _dir) = hostile_server(&fake);
    let fetch = |s: &str, a: &str, p: &str| json!({"scheme": s, "authority": a, "path": p});
    let ep = "data.europarl.europa.eu";
    let denied: Vec<Value> = vec![
        fetch("https", "example.com", "/api/v2/meps"),
        fetch("https", "127.0.0.1", "/api/v2/meps"),
        fetch("https", "[::1]", "/api/v2/meps"),
        fetch("http", &fake_authority, "/api/v2/meps"),
        fetch("https", &fake_authority, "/api/v2/meps"),
        fetch("https", "169.254.169.254", "/latest/meta-data"),
        fetch("https", &format!("{ep}@{fake_authority}"), "/api/v2/meps"),
        fetch("https", &format!("evil@{ep}"), "/api/v2/meps"),
        fetch("https", &format!("{ep}%2e{fake_authority}"), "/api/v2/meps"),
        fetch("https", &format!("{ep}."), "/api/v2/meps"),
        fetch("http", ep, "/api/v2/meps"),
        fetch("ftp", ep, "/api/v2/meps"),
        fetch("https", &format!("{ep}:8443"), "/api/v2/meps"),
        fetch("https", ep, "/api/v2/corporate-bodies"),
        fetch("https", ep, "/api/v2/meps-declarations"),
        fetch("https", ep, "/api/v1/meps"),
        fetch("https", ep, "/api/v2/meps/../corporate-bodies"),
        fetch("https", ep, "/api/v2/meps/%2e%2e/corporate-bodies"),
        fetch("https", ep, "/api/v2/meps/%2F..%2Fcorporate-bodies"),
    ];
    for request in &denied {
        let message = server.tool_error("hostile_fetch", request.clone());
        assert!(
            message.contains("denied by the host's egress policy") || message.contains("invalid authority"),
            "{request} → {message}"
        );
        still_serving(&mut server);
    }
    // The same tool inside its policy works: the denials above are the policy, not breakage.
    let allowed = server.ok("hostile_fetch", fetch("https", ep, "/api/v2/meps/1294"));
    assert_eq!(allowed["status"], 200);
    let redirect = server.tool_error("hostile_fetch", fetch("https", ep, "/api/v2/meps/9999302"));
    assert!(redirect.contains("redirect"), "{redirect}");
    let requests = fake.requests();
    assert!(requests.iter().all(|r| r.starts_with("GET /api/v2/meps/")), "{requests:?}");
    assert!(!requests.iter().any(|r| r.contains("redirected-here")), "{requests:?}");
    let stderr = server.stderr();
    assert!(stderr.matches("egress denied").count() >= denied.len() - 3, "{stderr}");
}

#[test]
fn ambient_authority_is_empty() {
    let fake = Fake::start();
    let (mut server, _dir) = hostile_server(&fake);
    let env = server.ok("hostile_read_env", json!({}));
    assert_eq!(env["vars"], json!([]), "{env}");
    assert!(!env.to_string().contains("canary-7f3a"));
    assert!(env["args"].as_array().unwrap().len() <= 1, "{env}");
}

#[test]
fn cpu_memory_and_panics_are_trapped() {
    let fake = Fake::start();
    let (mut server, _dir) = hostile_server(&fake);
    let started = Instant::now();
    let spin = server.tool_error("hostile_spin", json!({}));
    assert!(spin.contains("deadline of 1000 ms"), "{spin}");
    assert!(started.elapsed().as_secs_f64() < 5.0, "the deadline took {:?}", started.elapsed());
    still_serving(&mut server);

    assert_eq!(server.ok("hostile_allocate", json!({"mebibytes": 8}))["mebibytes"], 8);
    let memory = server.tool_error("hostile_allocate", json!({"mebibytes": 512}));
    assert!(memory.contains("memory limit of 64 MiB"), "{memory}");
    still_serving(&mut server);

    let panic = server.tool_error("hostile_panic", json!({}));
    assert!(panic.contains("crashed"), "{panic}");
    assert!(!panic.contains("deliberate panic"), "trap details leaked: {panic}");
    still_serving(&mut server);
}
