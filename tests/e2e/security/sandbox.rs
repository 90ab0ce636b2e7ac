//! The hostile components: every escape attempt is denied or trapped with a clear
//! error, the fake sees only what the policy allows, and ordinary calls keep working.

use std::time::Instant;

use serde_json::{Value, json};

use crate::support::{Fake, Options, Server, TempDir, audit_records, components_with, dev_key, epmcp_cli, sign, test_components_dir};

fn hostile_server(fake: &Fake) -> (Server, TempDir) {
    hostile_server_with(fake, Vec::new())
}

fn hostile_server_with(fake: &Fake, env: Vec<(&'static str, String)>) -> (Server, TempDir) {
    let dir = components_with(&["meps"], &["hostile", "hostile_fs", "hostile_net"]);
    let mut options = Options {
        components: dir.0.clone(),
        env: vec![
            ("EPMCP_CALL_TIMEOUT_MS", "1000".into()),
            ("EPMCP_MEMORY_MIB", "64".into()),
            ("EPMCP_SECRET_CANARY", "canary-7f3a".into()),
        ],
        args: Vec::new(),
    };
    options.env.extend(env);
    (Server::start_with(fake, options), dir)
}

fn still_serving(server: &mut Server) {
    assert_eq!(server.ok("get_mep_details", json!({"id": "1294"}))["name"], "Elio DI RUPO");
}

#[test]
fn components_importing_the_filesystem_or_sockets_are_refused_at_load() {
    let fake = Fake::start();
    let (mut server, _dir) = hostile_server(&fake);
    let tools = server.request("tools/list", json!({}))["result"]["tools"].clone();
    let names: Vec<&str> = tools.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"hostile_fetch"), "{names:?}");
    assert!(!names.contains(&"hostile_read_file") && !names.contains(&"hostile_connect"), "{names:?}");
    let stderr = server.stderr();
    for (file, import) in [("hostile_fs.wasm", "wasi:filesystem"), ("hostile_net.wasm", "wasi:sockets")] {
        let line = stderr.lines().find(|l| l.contains("component refused") && l.contains(file)).unwrap_or_else(|| panic!("{stderr}"));
        assert!(line.contains(import), "{line}");
    }
    assert!(server.refused("hostile_read_file", json!({})).starts_with("unknown tool 'hostile_read_file' (error id "));
    assert!(server.refused("hostile_connect", json!({})).starts_with("unknown tool 'hostile_connect' (error id "));
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
        // Read as `..` by servers that strip `;parameters` or trim whitespace.
        fetch("https", ep, "/api/v2/meps/..;/corporate-bodies"),
        fetch("https", ep, "/api/v2/meps/%2e%2e%3b/corporate-bodies"),
        fetch("https", ep, "/api/v2/meps/..%09/corporate-bodies"),
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

#[test]
fn recursion_huge_output_slow_drip_and_lies_are_contained_counted_and_audited() {
    let fake = Fake::start();
    let audit = TempDir::new("sandbox-audit");
    let env = vec![("EPMCP_AUDIT_DIR", audit.0.display().to_string()), ("EPMCP_STDIO_ROLE", "admin".to_string())];
    let (mut server, _dir) = hostile_server_with(&fake, env);

    let recursion = server.tool_error("hostile_recurse", json!({"depth": 100_000_000u64}));
    assert!(recursion.contains("crashed"), "{recursion}");
    still_serving(&mut server);
    assert_eq!(server.ok("hostile_recurse", json!({"depth": 1000}))["depth"], 1000);

    let output = server.tool_error("hostile_huge_output", json!({"kibibytes": 9 * 1024}));
    assert!(output.contains("output limit of 8192 KiB"), "{output}");
    still_serving(&mut server);

    let started = Instant::now();
    let drip = server.tool_error("hostile_drip", json!({}));
    assert!(drip.contains("deadline of 1000 ms"), "{drip}");
    assert!(started.elapsed().as_secs_f64() < 5.0, "the drip ran {:?}", started.elapsed());
    still_serving(&mut server);

    let lie = server.tool_error("hostile_lie", json!({}));
    assert!(lie.contains("does not match its output schema") && !lie.contains("script"), "{lie}");
    still_serving(&mut server);

    // (Larger than the text block's limit: read the structured result.)
    let metrics = server.call("admin_metrics", json!({}))["result"]["structuredContent"]["exposition"].as_str().unwrap().to_string();
    for line in [
        r#"sandbox_traps_total{tool="hostile_recurse",kind="crash"} 1"#,
        r#"sandbox_traps_total{tool="hostile_huge_output",kind="output"} 1"#,
        r#"sandbox_traps_total{tool="hostile_drip",kind="deadline"} 1"#,
        r#"validation_failures_total{tool="hostile_lie",error_type="output_schema"} 1"#,
        r#"component_changes_total{action="refused"} 2"#,
    ] {
        assert!(metrics.contains(line), "no {line} in\n{metrics}");
    }
    server.close();
    let (_, records) = audit_records(&audit.0);
    let security: Vec<(&str, &str)> = records
        .iter()
        .filter(|r| r["kind"] == "security")
        .map(|r| (r["event"].as_str().unwrap(), r["tool"].as_str().or(r["file"].as_str()).unwrap_or_default()))
        .collect();
    for expected in [
        ("component_refused", "hostile_fs.wasm"),
        ("component_refused", "hostile_net.wasm"),
        ("sandbox_trap", "hostile_recurse"),
        ("sandbox_trap", "hostile_huge_output"),
        ("sandbox_trap", "hostile_drip"),
        ("output_violation", "hostile_lie"),
    ] {
        assert!(security.contains(&expected), "{expected:?} not audited: {security:?}");
    }
}

#[test]
fn a_javascript_component_is_held_to_the_same_egress_deadline_and_memory_cap() {
    let fake = Fake::start();
    let dir = components_with(&["meps"], &["hostile_js"]);
    let env = vec![("EPMCP_CALL_TIMEOUT_MS", "1000".into()), ("EPMCP_MEMORY_MIB", "64".into())];
    let mut server = Server::start_with(&fake, Options { components: dir.0.clone(), env, args: Vec::new() });

    let reach = server.call("hostile_js_reach_out", json!({}));
    let lines = reach["result"]["content"][0]["text"].as_str().unwrap_or_else(|| panic!("{reach}")).to_string();
    assert_eq!(lines.lines().count(), 6, "{lines}");
    assert!(lines.lines().all(|l| l.starts_with("denied ")), "{lines}");
    assert_eq!(fake.requests(), Vec::<String>::new(), "a request outside the component's prefix reached the EP API");
    let stderr = server.stderr();
    assert!(stderr.matches("egress denied").count() >= 6, "{stderr}");
    still_serving(&mut server);

    let started = Instant::now();
    let spin = server.tool_error("hostile_js_spin", json!({}));
    assert!(spin.contains("deadline of 1000 ms"), "{spin}");
    assert!(started.elapsed().as_secs_f64() < 5.0, "the deadline took {:?}", started.elapsed());
    still_serving(&mut server);

    let memory = server.tool_error("hostile_js_hog", json!({}));
    assert!(memory.contains("memory limit of 64 MiB"), "{memory}");
    still_serving(&mut server);

    let thrown = server.tool_error("hostile_js_throw", json!({}));
    assert!(thrown.contains("crashed") && !thrown.contains("/etc/passwd"), "{thrown}");
    still_serving(&mut server);
}

#[test]
fn a_granted_empty_filesystem_names_no_file_and_is_granted_only_by_a_signed_manifest() {
    let fake = Fake::start();
    let dir = components_with(&["meps"], &[]);
    std::fs::copy(test_components_dir().join("hostile_fs.wasm"), dir.0.join("hostile_fs.wasm")).unwrap();
    let manifest = std::fs::read_to_string(test_components_dir().join("hostile_fs.manifest.toml")).unwrap();
    std::fs::write(dir.0.join("hostile_fs.manifest.toml"), format!("{manifest}empty_filesystem = true\n")).unwrap();
    sign(&dir.0, &dev_key(), &["hostile_fs"]);
    let mut server = Server::start_with(&fake, Options { components: dir.0.clone(), ..Options::default() });
    let read = server.tool_error("hostile_read_file", json!({}));
    assert!(!read.contains("root:"), "{read}");
    still_serving(&mut server);
    server.close();

    // The grant is part of what is signed: added afterwards, it voids the signature.
    let dir = components_with(&["meps"], &["hostile_fs"]);
    let path = dir.0.join("hostile_fs.manifest.toml");
    let signed = std::fs::read_to_string(&path).unwrap();
    assert!(!signed.contains("empty_filesystem"), "{signed}");
    std::fs::write(&path, format!("{signed}empty_filesystem = true\n")).unwrap();
    let (code, out, _) = epmcp_cli(&dir.0, &[], &["components", "verify"]);
    assert_ne!(code, Some(0), "{out}");
    assert!(out.contains("REFUSED  hostile_fs.wasm") && out.contains("does not verify"), "{out}");
}
