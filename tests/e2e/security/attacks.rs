//! Hosted mode under attack (issue 20): each test is an attack an outside review made on
//! `epmcp serve`, through the real binary, and what must hold against it.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::support::{Fake, Hosted, Issuer, TempDir, audit_records, http, python};
use crate::support::{session, tenant_key};

const ACCEPT: (&str, &str) = ("Accept", "application/json, text/event-stream");
const JSON: (&str, &str) = ("Content-Type", "application/json");

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn initialize() -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "attacker", "version": "0"}}})
    .to_string()
}

/// A new Streamable HTTP session opened with `credential`: its id.
fn open_session(addr: &str, credential: &str) -> String {
    let auth = format!("Bearer {credential}");
    let (status, headers, body) = http(addr, "POST", "/mcp", &[JSON, ACCEPT, ("Authorization", &auth)], &initialize());
    assert_eq!(status, 200, "{body}");
    headers.iter().find(|(k, _)| k == "mcp-session-id").map(|(_, v)| v.clone()).expect("a session id")
}

/// `method` on session `id` with `credential`: the status.
fn on_session(addr: &str, method: &str, id: &str, credential: &str) -> u16 {
    let auth = format!("Bearer {credential}");
    let headers = [JSON, ACCEPT, ("Authorization", auth.as_str()), ("Mcp-Session-Id", id), ("Mcp-Protocol-Version", "2025-11-25")];
    let body = if method == "POST" { json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string() } else { String::new() };
    // A GET that is let in opens a stream: read it for a moment only.
    if method == "GET" {
        return event_stream(addr, id, credential).0;
    }
    http(addr, method, "/mcp", &headers, &body).0
}

/// The standalone SSE stream of session `id`: the status, and the connection (the stream
/// stays open while it is kept).
fn event_stream(addr: &str, id: &str, credential: &str) -> (u16, std::net::TcpStream) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let request = format!(
        "GET /mcp HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nAuthorization: Bearer {credential}\r\nMcp-Session-Id: {id}\r\nMcp-Protocol-Version: 2025-11-25\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    (String::from_utf8_lossy(&head[9..12]).parse().unwrap(), stream)
}

#[test]
fn identities_are_whole_principals_and_a_session_belongs_to_its_tenant_and_identity() {
    let fake = Fake::start();
    let issuer = Issuer::new();
    let dir = TempDir::new("principals");
    let tenants = dir.0.join("tenants.toml");
    std::fs::write(&tenants, "[acme]\n[beta]\n").unwrap();
    let mut env = issuer.env();
    env.push(("EPMCP_TENANTS", tenants.to_str().unwrap().into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Hosted::start(&fake, &env);
    let long = "a".repeat(128);
    for (owner, other, what) in [
        (json!({"sub": format!("{long}X")}), json!({"sub": format!("{long}Y")}), "subjects that differ after 128 characters"),
        (json!({"sub": "bob"}), json!({"sub": "b\u{7}ob"}), "subjects that differ by a control character"),
        (json!({"sub": "alice", "tenant": "acme"}), json!({"sub": "alice", "tenant": "beta"}), "one subject in two tenants"),
    ] {
        let (owner, other) = (issuer.token(owner), issuer.token(other));
        let id = open_session(&server.addr, &owner);
        for method in ["POST", "GET", "DELETE"] {
            assert_eq!(on_session(&server.addr, method, &id, &other), 404, "{what}: {method} on another's session");
        }
        assert_eq!(on_session(&server.addr, "POST", &id, &owner), 202, "{what}: the owner still uses its session");
    }
}

#[test]
fn a_websocket_and_an_event_stream_end_when_their_credential_or_lifetime_does() {
    let fake = Fake::start();
    let issuer = Issuer::new();
    let (key, entry) = tenant_key("researcher", "default");
    let mut env = issuer.env();
    env.extend([("EPMCP_API_KEYS", entry), ("EPMCP_MAX_STREAM_SECS", "4".into())]);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Hosted::start(&fake, &env);
    let ws = format!("ws://{}/ws", server.addr);

    // A token that expires in 2 s: the socket is closed then, saying why (a POST with it
    // would be refused from then on).
    let token = issuer.token(json!({"exp": now() + 2}));
    let closed = python("ws_lifetime.py", &[&ws, &token], &[]);
    assert_eq!(closed["code"], 1008, "{closed}");
    assert!(closed["reason"].as_str().unwrap().starts_with("credential expired"), "{closed}");
    assert!(closed["seconds"].as_f64().unwrap() < 3.5, "{closed}");
    // An API key does not expire: the listener's stream lifetime ends it.
    let closed = python("ws_lifetime.py", &[&ws, &key], &[]);
    assert_eq!(closed["code"], 1008, "{closed}");
    assert!(closed["reason"].as_str().unwrap().starts_with("stream lifetime reached"), "{closed}");
    assert!((2.5..6.0).contains(&closed["seconds"].as_f64().unwrap()), "{closed}");

    // The standalone SSE stream of a Streamable HTTP session ends at the token's expiry.
    let token = issuer.token(json!({"exp": now() + 2}));
    let id = open_session(&server.addr, &token);
    let auth = format!("Bearer {token}");
    let started = Instant::now();
    let headers = [("Accept", "text/event-stream"), ("Authorization", auth.as_str()), ("Mcp-Session-Id", id.as_str()), ("Mcp-Protocol-Version", "2025-11-25")];
    let (status, _, _) = http(&server.addr, "GET", "/mcp", &headers, "");
    assert_eq!(status, 200);
    assert!(started.elapsed() < Duration::from_secs(4), "the stream outlived the token: {:?}", started.elapsed());
}

const TENANTS: &str = "[acme]\ntool_groups = [\"meps\", \"admin\"]\n[beta]\n";

#[test]
fn metrics_and_admin_tools_stay_within_their_scope() {
    let fake = Fake::start();
    let dir = TempDir::new("scope");
    let tenants = dir.0.join("tenants.toml");
    std::fs::write(&tenants, TENANTS).unwrap();
    let observer = format!("127.0.0.1:{}", std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port());
    let (acme_admin, acme_entry) = tenant_key("admin", "acme");
    let (beta_user, beta_entry) = tenant_key("researcher", "beta");
    let (operator, operator_entry) = tenant_key("admin", "default");
    let keys = [acme_entry, beta_entry, operator_entry].join(",");
    let env = [("EPMCP_TENANTS", tenants.to_str().unwrap()), ("EPMCP_API_KEYS", keys.as_str()), ("EPMCP_METRICS_LISTEN", observer.as_str())];
    let server = Hosted::start(&fake, &env);
    let beta = session(&server.url, &beta_user, json!([["get_mep_details", {"id": "1294"}]]));
    assert!(beta["calls"][0]["result"].is_object(), "{beta}");

    // Anyone who reaches the MCP listener: liveness and readiness, nothing more.
    let (status, _, body) = http(&server.addr, "GET", "/metrics", &[], "");
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("--metrics-listen"), "{body}");
    assert_eq!(http(&server.addr, "GET", "/readyz", &[], "").2.trim(), r#"{"ready":true}"#);
    // The operator's loopback listener has the rest.
    let metrics = http(&observer, "GET", "/metrics", &[], "").2;
    assert!(metrics.contains(r#"tenant="beta""#), "{metrics}");

    // A tenant's admin sees its own tenant in every admin tool; the operator's sees all.
    let calls = json!([["admin_metrics", {}], ["admin_config", {}], ["admin_tenants", {}], ["admin_anomalies", {}]]);
    let acme = session(&server.url, &acme_admin, calls.clone());
    for call in acme["calls"].as_array().unwrap() {
        let text = call["result"].to_string();
        assert!(call["result"].is_object(), "{call}");
        assert!(!text.contains("beta") && !text.contains("default"), "an acme admin sees another tenant: {text}");
    }
    let exposition = acme["calls"][0]["result"]["exposition"].as_str().unwrap();
    assert!(exposition.lines().filter(|l| !l.starts_with('#')).all(|l| l.contains(r#"tenant="acme""#)), "{exposition}");
    let all = session(&server.url, &operator, calls);
    assert!(all["calls"][0]["result"]["exposition"].as_str().unwrap().contains(r#"tenant="beta""#), "{all}");
    assert!(all["calls"][1]["result"].to_string().contains("beta"), "{all}");
}

#[test]
fn names_that_are_no_tool_are_charged_and_never_written_to_the_audit_log() {
    let fake = Fake::start();
    let dir = TempDir::new("unknown-names");
    let audit = dir.0.join("audit");
    let (key, entry) = tenant_key("researcher", "default");
    let env = [
        ("EPMCP_API_KEYS", entry.as_str()),
        ("EPMCP_AUDIT_DIR", audit.to_str().unwrap()),
        ("EPMCP_RATE_LIMIT", "20"),
        ("EPMCP_ANOMALY_DETECTION", "false"),
    ];
    let server = Hosted::start(&fake, &env);
    let name = format!("secret_{}", "x".repeat(1500)); // (61 of them fit one argv string)
    let mut calls: Vec<Value> = (0..60).map(|i| json!([format!("{name}{i}"), {}])).collect();
    calls.push(json!(["get_meps", {"limit": 1, "my-private-key-name": 1}]));
    let report = session(&server.url, &key, Value::Array(calls));
    let answers = report["calls"].as_array().unwrap();
    let limited = answers.iter().filter(|a| a["error"].as_str().is_some_and(|e| e.contains("rate limit"))).count();
    assert!(limited >= 35, "unknown names must spend the caller's calls: {limited} of 61 rate-limited");
    let (file, records) = audit_records(&audit);
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(size < 61 * 1024, "the audit log grew by {size} bytes for 61 calls");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("secret_") && !text.contains("my-private-key-name"), "a caller's free text reached the audit log");
    let unknown: Vec<&Value> = records.iter().filter(|r| r["kind"] == "call" && r["tool"] == "unknown").collect();
    assert!(!unknown.is_empty() && unknown.iter().all(|r| r["toolLength"].as_u64().unwrap() > 1500 && r["toolDigest"].is_string()), "{unknown:?}");
}

#[test]
fn one_host_and_origin_check_for_mcp_and_websocket() {
    let fake = Fake::start();
    let server = Hosted::start(&fake, &[]);
    let port = server.addr.rsplit(':').next().unwrap().to_string();
    let upper_host = format!("LOCALHOST:{port}");
    let upper_origin = format!("HTTP://LOCALHOST:{port}");
    let body = initialize();
    for path in ["/mcp", "/ws"] {
        // Two Host headers (the good one first), and a target naming another authority.
        let (status, _, text) = http(&server.addr, "POST", path, &[JSON, ACCEPT, ("Host", &server.addr), ("Host", "evil.example")], &body);
        assert_eq!(status, 400, "{path}: {text}");
        let (status, _, text) = http(&server.addr, "POST", &format!("http://evil.example{path}"), &[JSON, ACCEPT], &body);
        assert_eq!(status, 400, "{path}: {text}");
        // Host names compare as DNS names do; origins exactly, as browsers send them.
        let (_, _, text) = http(&server.addr, "POST", path, &[JSON, ACCEPT, ("Host", &upper_host)], &body);
        assert!(!text.contains("Host not allowed"), "{path}: {text}");
        let (status, _, text) = http(&server.addr, "POST", path, &[JSON, ACCEPT, ("Origin", &upper_origin)], &body);
        assert_eq!(status, 403, "{path}: {text}");
    }
}

/// `tests/python/reads.py` with `key` (or anonymously) over `sessions` sessions.
fn reads(url: &str, key: Option<&str>, sessions: usize, actions: Value) -> Vec<Value> {
    let env: Vec<(&str, &str)> = key.map(|k| ("EPMCP_KEY", k)).into_iter().collect();
    python("reads.py", &[url, &sessions.to_string(), &actions.to_string()], &env).as_array().unwrap().clone()
}

#[test]
fn completion_and_subscriptions_read_as_their_caller_within_its_grants_and_limits() {
    let fake = Fake::start();
    let (reader, reader_entry) = tenant_key("researcher", "default");
    let (limited, limited_entry) = tenant_key("limited", "default");
    let keys = format!("{reader_entry},{limited_entry}");
    let env = [
        ("EPMCP_API_KEYS", keys.as_str()),
        // The anonymous role may use the prompt, not the tool its completion reads through.
        ("EPMCP_ROLE_TOOLS", "public=mep_briefing,researcher=* !admin_*,limited=* !admin_*,admin=*"),
        ("EPMCP_ROLE_RATE_LIMITS", "limited=3"),
        ("EPMCP_SUBSCRIPTION_POLL_SECS", "1"),
        ("EPMCP_ANOMALY_DETECTION", "false"),
    ];
    let server = Hosted::start(&fake, &env);
    let show_current = || fake.requests().iter().filter(|r| r.contains("/meps/show-current")).count();

    // Completion: nothing read for a caller who may not call the source tool; values for one who may.
    let complete = json!([["complete", 0, "mep_briefing", "mepId", ""]]);
    let anonymous = reads(&server.url, None, 1, complete.clone());
    assert_eq!(anonymous[0]["values"], json!([]), "{anonymous:?}");
    assert_eq!(show_current(), 0, "a completion read the EP API for a caller without the tool");
    let granted = reads(&server.url, Some(&reader), 1, complete);
    assert!(!granted[0]["values"].as_array().unwrap().is_empty(), "{granted:?}");
    assert_eq!(show_current(), 1);

    // Subscriptions: re-reads spend the subscriber's calls (3 here), whatever it subscribes.
    let before = fake.requests().len();
    let mut actions: Vec<Value> = (101..=107).map(|id| json!(["subscribe", 0, format!("ep://meps/{id}")])).collect();
    actions.push(json!(["subscribe", 0, "ep://meps/9999404"]));
    actions.push(json!(["sleep", 4]));
    let subscribed = reads(&server.url, Some(&limited), 1, Value::Array(actions));
    assert!(subscribed[..8].iter().all(|r| r["ok"] == true), "{subscribed:?}");
    let upstream = fake.requests().len() - before;
    assert!(upstream <= 3, "{upstream} upstream reads for a caller allowed 3 calls");

    // At most 32 subscriptions per client, however many sessions it opens.
    let mut actions: Vec<Value> = (0..32).map(|i| json!(["subscribe", 0, format!("ep://meps/{}", 2000 + i)])).collect();
    actions.push(json!(["subscribe", 1, "ep://meps/3000"]));
    let capped = reads(&server.url, Some(&reader), 2, Value::Array(actions));
    assert!(capped[..32].iter().all(|r| r["ok"] == true), "{capped:?}");
    assert!(capped[32]["error"].as_str().unwrap().contains("at most 32 subscriptions per client"), "{capped:?}");
}

#[test]
fn operators_can_bound_token_lifetimes_and_a_token_must_name_its_key_among_several() {
    let fake = Fake::start();
    let mut issuer = Issuer::with_keys(2);
    let mut env = issuer.env();
    env.push(("EPMCP_MAX_TOKEN_LIFETIME_SECS", "600".into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Hosted::start(&fake, &env);
    let post = |token: &str| {
        let auth = format!("Bearer {token}");
        http(&server.addr, "POST", "/mcp", &[JSON, ACCEPT, ("Authorization", &auth)], &initialize())
    };
    let t = now();
    assert_eq!(post(&issuer.token(json!({"iat": t, "exp": t + 300}))).0, 200);
    for (claims, needle) in [
        (json!({"iat": t, "exp": t + 3600}), "token lifetime longer than allowed"),
        (json!({"exp": t + 300}), "token without iat"),
    ] {
        let (status, _, body) = post(&issuer.token(claims));
        assert_eq!(status, 401, "{body}");
        assert!(body.contains(needle), "{needle}: {body}");
    }
    issuer.kid = false;
    let (status, _, body) = post(&issuer.token(json!({"iat": t, "exp": t + 300})));
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("token without kid"), "{body}");
}

/// `initialize` with `credential` (or anonymously): (status, headers, body).
fn open(addr: &str, credential: Option<&str>) -> (u16, Vec<(String, String)>, String) {
    let auth = credential.map(|c| format!("Bearer {c}"));
    let mut headers = vec![JSON, ACCEPT];
    if let Some(auth) = &auth {
        headers.push(("Authorization", auth.as_str()));
    }
    http(addr, "POST", "/mcp", &headers, &initialize())
}

fn session_id(headers: &[(String, String)]) -> String {
    headers.iter().find(|(k, _)| k == "mcp-session-id").map(|(_, v)| v.clone()).expect("a session id")
}

#[test]
fn sessions_are_capped_and_charged_and_a_keyed_client_gets_in_while_anonymous_ones_hold_theirs() {
    let fake = Fake::start();
    let (flooder, flooder_entry) = tenant_key("researcher", "default");
    let (other, other_entry) = tenant_key("researcher", "default");
    let (limited, limited_entry) = tenant_key("limited", "default");
    let keys = [flooder_entry, other_entry, limited_entry].join(",");
    let env = [
        ("EPMCP_API_KEYS", keys.as_str()),
        ("EPMCP_MAX_SESSIONS", "9"),
        ("EPMCP_MAX_SESSIONS_PER_CLIENT", "3"),
        ("EPMCP_MAX_SESSIONS_PER_ADDRESS", "5"),
        ("EPMCP_ROLE_RATE_LIMITS", "limited=2"),
        ("EPMCP_ANOMALY_DETECTION", "false"),
    ];
    let server = Hosted::start(&fake, &env);
    let addr = server.addr.as_str();
    // Anonymous sessions from one address: five, then refused with the reason and when to retry.
    for _ in 0..5 {
        let (status, _, body) = open(addr, None);
        assert_eq!(status, 200, "{body}");
    }
    let (status, headers, body) = open(addr, None);
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("anonymous sessions per address") && headers.iter().any(|(k, _)| k == "retry-after"), "{body}");
    // A keyed client from the same address still gets in and is served at once.
    let started = Instant::now();
    let (status, headers, _) = open(addr, Some(&other));
    assert_eq!(status, 200);
    let id = session_id(&headers);
    let auth = format!("Bearer {other}");
    let in_session = [JSON, ACCEPT, ("Authorization", auth.as_str()), ("Mcp-Session-Id", id.as_str()), ("Mcp-Protocol-Version", "2025-11-25")];
    http(addr, "POST", "/mcp", &in_session, &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string());
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "get_meps", "arguments": {"limit": 1}}});
    let (status, _, body) = http(addr, "POST", "/mcp", &in_session, &call.to_string());
    assert!(status == 200 && body.contains(r#""isError":false"#), "{body}");
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    // One client: three sessions, then refused.
    let flooding: Vec<String> = (0..3).map(|_| session_id(&open(addr, Some(&flooder)).1)).collect();
    let (status, _, body) = open(addr, Some(&flooder));
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("at most 3 sessions per client"), "{body}");
    // The listener: nine in all (5 + 1 + 3), then 503 for anyone.
    let (status, _, body) = open(addr, Some(&limited));
    assert_eq!(status, 503, "{body}");
    assert_eq!(on_session(addr, "DELETE", &flooding[0], &flooder), 200);
    // `initialize` is charged like a call: a client allowed 2 calls opens 2 sessions, not 3.
    for round in 0..2 {
        let (status, headers, body) = open(addr, Some(&limited));
        assert_eq!(status, 200, "round {round}: {body}");
        assert_eq!(on_session(addr, "DELETE", &session_id(&headers), &limited), 200);
    }
    let (status, _, body) = open(addr, Some(&limited));
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("rate limit"), "{body}");
}

#[test]
fn audit_verify_takes_the_directory_and_finds_a_cut_tail_even_after_a_restart() {
    let fake = Fake::start();
    let dir = TempDir::new("audit-chain");
    let audit = dir.0.join("audit");
    let (key, entry) = tenant_key("researcher", "default");
    let env = [("EPMCP_API_KEYS", entry.as_str()), ("EPMCP_AUDIT_DIR", audit.to_str().unwrap())];
    let verify = || {
        let out = std::process::Command::new(crate::support::epmcp_bin()).args(["audit", "verify"]).arg(&audit).output().unwrap();
        (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    };
    let mut server = Hosted::start(&fake, &env);
    session(&server.url, &key, json!([["get_meps", {"limit": 1}], ["get_mep_details", {"id": "1294"}]]));
    assert!(server.stop().success());
    // A clean stop ends with a checkpoint: the directory verifies.
    let (ok, said) = verify();
    assert!(ok && said.contains("chain intact across its files"), "{said}");
    // The tail cut (the checkpoint and a call), then a restart that continues from there.
    let (file, _) = audit_records(&audit);
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&file, lines[..lines.len() - 2].join("\n") + "\n").unwrap();
    let mut server = Hosted::start(&fake, &env);
    session(&server.url, &key, json!([["get_meps", {"limit": 1}]]));
    assert!(server.stop().success());
    let (ok, said) = verify();
    assert!(!ok && said.contains("resumed after an unclean end"), "{said}");
}

#[test]
fn a_keyed_audit_chain_verifies_only_with_its_key() {
    let fake = Fake::start();
    let dir = TempDir::new("audit-keyed");
    let (audit, key_file) = (dir.0.join("audit"), dir.0.join("audit.key"));
    std::fs::write(&key_file, (0u8..32).collect::<Vec<u8>>()).unwrap();
    let (key, entry) = tenant_key("researcher", "default");
    let env = [("EPMCP_API_KEYS", entry.as_str()), ("EPMCP_AUDIT_DIR", audit.to_str().unwrap()), ("EPMCP_AUDIT_KEY", key_file.to_str().unwrap())];
    let mut server = Hosted::start(&fake, &env);
    session(&server.url, &key, json!([["get_meps", {"limit": 1}]]));
    assert!(server.stop().success());
    let verify = |with_key: bool| {
        let mut command = std::process::Command::new(crate::support::epmcp_bin());
        command.args(["audit", "verify"]).arg(&audit);
        if with_key {
            command.arg("--audit-key").arg(&key_file);
        }
        let out = command.output().unwrap();
        (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    };
    let (ok, said) = verify(false);
    assert!(!ok && said.contains("the chain is keyed"), "{said}");
    let (ok, said) = verify(true);
    assert!(ok, "{said}");
}

#[test]
fn one_address_cannot_take_every_connection_and_a_refusal_says_why() {
    let fake = Fake::start();
    let server = Hosted::start(&fake, &[("EPMCP_MAX_CONNECTIONS", "8"), ("EPMCP_MAX_CONNECTIONS_PER_ADDRESS", "3")]);
    // Three idle connections from 127.0.0.1 hold its share…
    let held: Vec<std::net::TcpStream> = (0..3).map(|_| std::net::TcpStream::connect(&server.addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    // …so a fourth is refused with a reason and when to retry, not closed silently.
    let (status, headers, body) = http(&server.addr, "GET", "/healthz", &[], "");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("too many open connections") && headers.iter().any(|(k, _)| k == "retry-after"), "{body}");
    // Another address still gets in at once.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let answer = runtime.block_on(async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        let mut stream = socket.connect(server.addr.parse().unwrap()).await.unwrap();
        let request = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.addr);
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut answer)).await.unwrap().unwrap();
        answer
    });
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // A connection given back is a slot again.
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(http(&server.addr, "GET", "/healthz", &[], "").0, 200);
}

/// A WebSocket upgrade from local address `from` (127.0.0.x), with `credential` or none:
/// the status and head of the answer, and the connection (held open while it is kept).
fn websocket_from(from: &str, addr: &str, credential: Option<&str>) -> (u16, String, tokio::net::TcpStream) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
        let mut stream = socket.connect(addr.parse().unwrap()).await.unwrap();
        let auth = credential.map(|c| format!("Authorization: Bearer {c}\r\n")).unwrap_or_default();
        let request = format!(
            "GET /ws HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: mcp\r\n{auth}\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte)).await.unwrap().unwrap();
            assert_eq!(read, 1, "closed before the answer's head: {}", String::from_utf8_lossy(&head));
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, head, stream)
    })
}

#[test]
fn open_streams_are_capped_per_client_and_anonymous_ones_leave_room_for_keyed_callers() {
    let fake = Fake::start();
    let dir = TempDir::new("streams");
    let audit = dir.0.join("audit");
    let (key, entry) = tenant_key("researcher", "default");
    let env = [
        ("EPMCP_API_KEYS", entry.as_str()),
        ("EPMCP_AUDIT_DIR", audit.to_str().unwrap()),
        ("EPMCP_MAX_CONNECTIONS", "8"),
        ("EPMCP_MAX_CONNECTIONS_PER_ADDRESS", "8"),
        ("EPMCP_MAX_STREAMS_PER_CLIENT", "2"),
        ("EPMCP_ANOMALY_DETECTION", "false"),
    ];
    let server = Hosted::start(&fake, &env);
    let addr = server.addr.as_str();
    // One anonymous client (an address): two WebSockets, then 429 saying why.
    let mut held: Vec<_> = (0..2).map(|_| websocket_from("127.0.0.1", addr, None)).collect();
    assert!(held.iter().all(|(status, _, _)| *status == 101), "{:?}", held.iter().map(|h| &h.1).collect::<Vec<_>>());
    let (status, head, _) = websocket_from("127.0.0.1", addr, None);
    assert!(status == 429 && head.to_ascii_lowercase().contains("retry-after"), "{head}");
    // Anonymous clients together: half of the 8 connections, then 503 for the next one.
    held.extend((0..2).map(|_| websocket_from("127.0.0.2", addr, None)));
    assert!(held.iter().all(|(status, _, _)| *status == 101));
    let (status, head, _) = websocket_from("127.0.0.3", addr, None);
    assert!(status == 503 && head.to_ascii_lowercase().contains("retry-after"), "{head}");
    // A keyed client still gets its streams (WebSocket and SSE), and is served within a second.
    let started = Instant::now();
    let (status, head, _socket) = websocket_from("127.0.0.3", addr, Some(&key));
    assert_eq!(status, 101, "{head}");
    let id = open_session(addr, &key);
    assert_eq!(on_session(addr, "POST", &id, &key), 202);
    let auth = format!("Bearer {key}");
    let in_session = [JSON, ACCEPT, ("Authorization", auth.as_str()), ("Mcp-Session-Id", id.as_str()), ("Mcp-Protocol-Version", "2025-11-25")];
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "get_meps", "arguments": {"limit": 1}}});
    let (status, _, body) = http(addr, "POST", "/mcp", &in_session, &call.to_string());
    assert!(status == 200 && body.contains(r#""isError":false"#), "{body}");
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    // Its per-client cap counts both kinds: a WebSocket and an SSE stream, then 429.
    let (status, _sse) = event_stream(addr, &id, &key);
    assert_eq!(status, 200);
    let (status, head, _) = websocket_from("127.0.0.3", addr, Some(&key));
    assert!(status == 429 && head.contains("429"), "{head}");
    let second = open_session(addr, &key);
    assert_eq!(on_session(addr, "POST", &second, &key), 202);
    assert_eq!(event_stream(addr, &second, &key).0, 429);
    // A stream that ends is a slot again.
    held.truncate(1);
    std::thread::sleep(Duration::from_millis(300));
    let (status, head, _) = websocket_from("127.0.0.3", addr, None);
    assert_eq!(status, 101, "{head}");
    // Each refusal is on record.
    let (_, records) = audit_records(&audit);
    assert_eq!(records.iter().filter(|r| r["event"] == "stream_refused").count(), 4, "{records:?}");
}

#[test]
fn an_unused_session_sleeps_and_wakes_unnoticed_at_its_next_request() {
    let fake = Fake::start();
    let observer = format!("127.0.0.1:{}", std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port());
    let (key, entry) = tenant_key("researcher", "default");
    let env = [
        ("EPMCP_API_KEYS", entry.as_str()),
        ("EPMCP_SESSION_SLEEP_SECS", "1"),
        ("EPMCP_METRICS_LISTEN", observer.as_str()),
        ("EPMCP_ANOMALY_DETECTION", "false"),
    ];
    let server = Hosted::start(&fake, &env);
    let addr = server.addr.as_str();
    let auth = format!("Bearer {key}");
    let post = |id: &str, message: Value| {
        let headers = [JSON, ACCEPT, ("Authorization", auth.as_str()), ("Mcp-Session-Id", id), ("Mcp-Protocol-Version", "2025-11-25")];
        let (status, _, body) = http(addr, "POST", "/mcp", &headers, &message.to_string());
        (status, body)
    };
    let sessions = |state: &str| {
        let metrics = http(&observer, "GET", "/metrics", &[], "").2;
        let line = format!("http_sessions{{state=\"{state}\"}} ");
        metrics.lines().find_map(|l| l.strip_prefix(line.as_str())?.parse::<u32>().ok()).unwrap_or_else(|| panic!("{metrics}"))
    };
    // Two sessions; the second sets a log level, which its `initialize` could not restore.
    let quiet = open_session(addr, &key);
    let levelled = open_session(addr, &key);
    for id in [&quiet, &levelled] {
        assert_eq!(on_session(addr, "POST", id, &key), 202);
    }
    let (status, body) = post(&levelled, json!({"jsonrpc": "2.0", "id": 2, "method": "logging/setLevel", "params": {"level": "error"}}));
    assert_eq!(status, 200, "{body}");
    // Unused for a second: the first sleeps, the second stays awake.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!((sessions("asleep"), sessions("awake")), (1, 1));
    // The sleeping one answers its next call under the same id, as if it had never slept.
    let call = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "get_meps", "arguments": {"limit": 1}}});
    let (status, body) = post(&quiet, call.clone());
    assert!(status == 200 && body.contains(r#""isError":false"#), "{body}");
    let (status, body) = post(&quiet, json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}));
    assert!(status == 200 && body.contains("get_meps"), "{body}");
    // Asleep again, it can still be ended, and then it is gone.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(sessions("asleep"), 1);
    assert_eq!(on_session(addr, "DELETE", &quiet, &key), 200);
    assert_eq!(post(&quiet, call).0, 404);
}
