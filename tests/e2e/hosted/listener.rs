//! The hosted listener (`epmcp serve`): Streamable HTTP through the official Python SDK,
//! API keys, roles deciding what a caller sees and may call, and the listener's refusals.

use std::process::Command;

use serde_json::{Value, json};

use crate::support::{Fake, Hosted, TempDir, epmcp_bin, http, python};

/// A new API key of `role`: (key, config entry).
fn new_key(role: &str) -> (String, String) {
    let out = Command::new(epmcp_bin()).args(["keys", "add", "--role", role]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_string()).unwrap();
    (field("key:"), field("entry:"))
}

/// The Python SDK session of `tests/python/http_client.py`, as its JSON report.
fn python_session(url: &str, key: Option<&str>) -> Value {
    python("http_client.py", &[url, key.unwrap_or_default()].into_iter().filter(|a| !a.is_empty()).collect::<Vec<_>>(), &[])
}

/// A self-signed certificate for 127.0.0.1 and localhost, written as PEM files.
fn issue_certificate(cert: &std::path::Path, key: &std::path::Path) {
    let issued = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    std::fs::write(cert, issued.cert.pem()).unwrap();
    std::fs::write(key, issued.signing_key.serialize_pem()).unwrap();
}

#[test]
fn tls_listener_speaks_only_tls13_serves_the_sdk_and_reloads_its_certificate() {
    let fake = Fake::start();
    let dir = TempDir::new("tls");
    let (cert, key_file) = (dir.0.join("cert.pem"), dir.0.join("key.pem"));
    issue_certificate(&cert, &key_file);
    let (key, entry) = new_key("researcher");
    let env = [("EPMCP_TLS_CERT", cert.to_str().unwrap()), ("EPMCP_TLS_KEY", key_file.to_str().unwrap()), ("EPMCP_API_KEYS", &entry)];
    let server = Hosted::start(&fake, &env);
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let port = server.addr.rsplit_once(':').unwrap().1;
    let probe = || python("tls_probe.py", &["127.0.0.1", port, cert.to_str().unwrap()], &[]);
    let first = probe();
    assert_eq!(first["tls13"]["version"], "TLSv1.3", "{first}");
    assert!(first["tls12"]["refused"].is_string(), "a TLS 1.2 client gets in: {first}");

    let ca = [("EPMCP_CA_FILE", cert.to_str().unwrap())];
    let session = python("http_client.py", &[&server.url, &key], &ca);
    assert_eq!(session["details"]["result"]["name"], "Elio DI RUPO", "{session}");

    // A renewed certificate is served without a restart.
    issue_certificate(&cert, &key_file);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let renewed = loop {
        let now = python("tls_probe.py", &["127.0.0.1", port, cert.to_str().unwrap()], &[]);
        if now["tls13"]["certSha256"].is_string() && now["tls13"]["certSha256"] != first["tls13"]["certSha256"] {
            break now;
        }
        assert!(std::time::Instant::now() < deadline, "the renewed certificate was not served: {now} {}", server.stderr());
        std::thread::sleep(std::time::Duration::from_millis(300));
    };
    assert_eq!(renewed["tls13"]["version"], "TLSv1.3");
    // `epmcp --health` asks the TLS listener, trusting only the configured certificate.
    let health = |cert: &std::path::Path| {
        let files = [("EPMCP_TLS_CERT", cert.to_str().unwrap()), ("EPMCP_TLS_KEY", key_file.to_str().unwrap())];
        Command::new(epmcp_bin()).env("EPMCP_LISTEN", &server.addr).envs(files).arg("--health").output().unwrap()
    };
    let out = health(&cert);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let other = dir.0.join("other.pem");
    issue_certificate(&other, &dir.0.join("other-key.pem"));
    assert_eq!(health(&other).status.code(), Some(1), "another certificate is not trusted");
    // Plain HTTP to the TLS port gets nothing.
    let (status, _, _) = http(&server.addr, "GET", "/healthz", &[], "");
    assert_ne!(status, 200);
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect()
}

#[test]
fn python_sdk_over_streamable_http_sees_what_its_role_allows() {
    let fake = Fake::start();
    let (key, entry) = new_key("researcher");
    let server = Hosted::start(&fake, &[("EPMCP_API_KEYS", &entry)]);

    let researcher = python_session(&server.url, Some(&key));
    assert_eq!(researcher["protocolVersion"], "2025-11-25");
    assert!(researcher["sessionId"].is_string(), "{researcher}");
    let tools = names(&researcher["tools"]);
    assert!(tools.len() > 40 && tools.contains(&"get_mep_details"), "{tools:?}");
    assert_eq!(researcher["details"]["result"]["name"], "Elio DI RUPO", "{researcher}");
    assert_eq!(researcher["meps"]["result"]["count"], 2);
    assert_eq!(researcher["health"]["result"]["rateLimit"]["role"], "researcher");
    assert_eq!(researcher["prompts"].as_array().unwrap().len(), 7);

    // No credentials: the anonymous role, `public`, sees and may call two tools.
    let public = python_session(&server.url, None);
    assert_eq!(names(&public["tools"]), ["get_meps", "get_plenary_sessions"]);
    assert_eq!(public["meps"]["result"]["count"], 2);
    let refused = public["details"]["error"].as_str().unwrap();
    assert!(refused.contains("not available to the role 'public'"), "{refused}");
    assert!(public["prompts"].as_array().unwrap().is_empty(), "{public}");
    assert_eq!(names(&public["templates"]), ["ep://plenary/{plenaryId}"], "only resources of permitted tools");
}

#[test]
fn wrong_credentials_foreign_origins_and_hosts_are_refused_and_audited() {
    let fake = Fake::start();
    let (key, entry) = new_key("researcher");
    let (other_key, other_entry) = new_key("researcher");
    let (unknown_key, _) = new_key("researcher");
    let dir = TempDir::new("hosted-audit");
    let audit_dir = dir.0.join("audit");
    let keys = format!("{entry},{other_entry}");
    let server = Hosted::start(&fake, &[("EPMCP_API_KEYS", &keys), ("EPMCP_ANONYMOUS_ROLE", "none"), ("EPMCP_AUDIT_DIR", audit_dir.to_str().unwrap())]);
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}})
    .to_string();
    let post = |headers: &[(&str, &str)]| {
        let mut all = vec![("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")];
        all.extend_from_slice(headers);
        http(&server.addr, "POST", "/mcp", &all, &init)
    };
    let bearer = |k: &str| format!("Bearer {k}");

    let (status, headers, body) = post(&[("Authorization", &bearer(&key))]);
    assert_eq!(status, 200, "{body}");
    // The session answers its owner only; another valid identity gets 404, as for no session.
    let session = headers.iter().find(|(k, _)| k == "mcp-session-id").map(|(_, v)| v.clone()).expect("a session id");
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).to_string();
    let in_session = |authorization: &str| {
        let headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream"),
            ("Mcp-Session-Id", session.as_str()), ("Mcp-Protocol-Version", "2025-11-25"), ("Authorization", authorization)];
        http(&server.addr, "POST", "/mcp", &headers, &list).0
    };
    assert_eq!(in_session(&bearer(&other_key)), 404, "another identity may not use the session");
    assert_eq!(in_session(&bearer(&key)), 200, "its owner may");
    for (headers, detail) in [
        (vec![], "missing"),
        (vec![("Authorization", bearer(&unknown_key))], "unknown API key"),
        (vec![("X-API-Key", "not-a-key".to_string())], "unknown credential type"),
        (vec![("Authorization", format!("Basic {key}"))], "unsupported Authorization scheme"),
    ] {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, response_headers, body) = post(&headers);
        assert_eq!(status, 401, "{detail}: {body}");
        let challenge = response_headers.iter().find(|(k, _)| k == "www-authenticate").map(|(_, v)| v.as_str()).unwrap_or_default();
        assert!(challenge.starts_with("Bearer realm=\"epmcp\""), "{challenge}");
        assert!(!body.contains(&key[4..]), "no secret echoed");
    }
    // DNS rebinding: a foreign Host or Origin never reaches MCP, even with a valid key.
    let (status, _, _) = post(&[("Authorization", &bearer(&key)), ("Origin", "https://evil.example")]);
    assert_eq!(status, 403);
    let (status, _, _) = post(&[("Authorization", &bearer(&key)), ("Host", "evil.example")]);
    assert_eq!(status, 403);
    assert_eq!(http(&server.addr, "GET", "/healthz", &[], "").0, 200);

    let mut server = server;
    assert!(server.stop().success(), "{}", server.stderr()); // SIGTERM: the audit log is flushed
    let file = std::fs::read_dir(&audit_dir).unwrap().map(|e| e.unwrap().path()).next().unwrap();
    let text = std::fs::read_to_string(file).unwrap();
    let failures: Vec<Value> = text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).filter(|r| r["event"] == "authentication_failure").collect();
    let details: Vec<&str> = failures.iter().map(|r| r["detail"].as_str().unwrap()).collect();
    assert_eq!(details, ["missing", "unknown API key", "unknown credential type", "unsupported Authorization scheme"]);
    assert!(failures.iter().all(|r| r["address"] == "127.0.0.1"));
    assert!(!text.contains(&key[4..]) && !text.contains(&unknown_key[4..]), "keys never reach the audit log");
}

#[test]
fn shutdown_finishes_the_calls_in_flight() {
    // Every EP answer takes 1.5 s: the call is still running when SIGTERM arrives.
    let fake = Fake::start_with(&["--delay-ms", "1500"]);
    let mut server = Hosted::start(&fake, &[("EPMCP_ANONYMOUS_ROLE", "researcher"), crate::support::ANONYMOUS_ANALYTICS]);
    let addr = server.addr.clone();
    let call = std::thread::spawn(move || {
        let headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")];
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}});
        let (_, response_headers, _) = http(&addr, "POST", "/mcp", &headers, &init.to_string());
        let session = response_headers.iter().find(|(k, _)| k == "mcp-session-id").map(|(_, v)| v.clone()).unwrap();
        let in_session = [headers[0], headers[1], ("Mcp-Session-Id", session.as_str()), ("Mcp-Protocol-Version", "2025-11-25")];
        http(&addr, "POST", "/mcp", &in_session, &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string());
        let request = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "get_mep_details", "arguments": {"id": "1294"}}});
        let started = std::time::Instant::now();
        let (status, _, body) = http(&addr, "POST", "/mcp", &in_session, &request.to_string());
        (status, body, started.elapsed())
    });
    std::thread::sleep(std::time::Duration::from_millis(700));
    let stopped = server.stop();
    let (status, body, took) = call.join().unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""isError":false"#) && body.contains("Elio DI RUPO"), "the call in flight was cut: {body}");
    assert!(took >= std::time::Duration::from_millis(1500), "{took:?}");
    assert!(stopped.success(), "{}", server.stderr());
    assert!(std::net::TcpStream::connect(&server.addr).is_err(), "still accepting after shutdown");
}

#[test]
fn the_listener_stops_cleanly_and_refuses_unsafe_settings() {
    let fake = Fake::start();
    let mut server = Hosted::start(&fake, &[("EPMCP_IDLE_TIMEOUT_SECS", "1")]);
    assert_eq!(http(&server.addr, "GET", "/readyz", &[], "").0, 200);
    // A client that connects and says nothing does not keep its connection.
    let mut silent = std::net::TcpStream::connect(&server.addr).unwrap();
    silent.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let started = std::time::Instant::now();
    let read = std::io::Read::read(&mut silent, &mut [0u8; 16]);
    assert!(matches!(read, Ok(0)) || read.is_err(), "{read:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "closed after {:?}", started.elapsed());
    let out = Command::new(epmcp_bin()).env("EPMCP_LISTEN", &server.addr).arg("--health").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(server.stop().success(), "{}", server.stderr());

    for (args, needle) in [
        (vec!["serve", "--listen", "0.0.0.0:0"], "not loopback"),
        (vec!["serve", "--listen", "127.0.0.1:0", "--tls-cert", "c.pem"], "go together"),
        (vec!["serve", "--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"], "reading TLS certificate"),
        (vec!["serve"], "needs --listen"),
        (vec!["serve", "--listen", "127.0.0.1:0", "--api-keys", "researcher:abc"], "64 lower-case hex"),
        (vec!["serve", "--listen", "127.0.0.1:0", "--role-tools", "public=get-meps"], "pattern 'get-meps'"),
    ] {
        let out = Command::new(epmcp_bin()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn admins_see_the_effective_configuration_without_secrets_metrics_and_components() {
    let fake = Fake::start();
    let (_, entry) = new_key("researcher");
    let hash = entry.split_once(':').unwrap().1.to_string();
    let env = vec![("EPMCP_STDIO_ROLE", "admin".to_string()), ("EPMCP_API_KEYS", entry.clone()), ("EPMCP_CACHE_TTL_SECS", "600".to_string())];
    let mut admin = crate::support::Server::start_with(&fake, crate::support::Options { env, ..Default::default() });
    let tools = admin.request("tools/list", json!({}))["result"]["tools"].clone();
    let names: Vec<&str> = tools.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    for tool in ["admin_config", "admin_metrics", "admin_components", "get_mep_details"] {
        assert!(names.contains(&tool), "{tool} missing for admin: {names:?}");
    }
    admin.ok("get_mep_details", json!({"id": "1294"}));
    let config = admin.ok("admin_config", json!({}));
    assert_eq!(config["settings"]["cache"]["ttlSeconds"], 600);
    assert_eq!(config["settings"]["authentication"]["apiKeys"], json!({"researcher": 1}));
    assert_eq!(config["settings"]["roles"]["public"], json!(["get_meps", "get_plenary_sessions"]));
    assert!(!config.to_string().contains(&hash), "no key hash in the configuration view");
    // (Larger than the text block's limit: read the structured result.)
    let components = admin.call("admin_components", json!({}))["result"]["structuredContent"].clone();
    let list = components["components"].as_array().unwrap();
    assert_eq!(list.len(), 14, "{components}");
    let meps = list.iter().find(|c| c["name"] == "meps").unwrap();
    assert!(meps["digest"].as_str().unwrap().starts_with("sha256:"));
    assert!(meps["trust"].as_str().unwrap().starts_with("signed by "), "{meps}");
    assert_eq!(meps["egress"], json!(["meps"]), "{meps}");
    assert_eq!(meps["limits"], json!({"deadlineMs": 30000, "memoryMiB": 64, "maxOutputKiB": 8192}), "{meps}");
    assert_eq!(config["settings"]["components"]["allowUnsigned"], false);
    assert_eq!(config["settings"]["components"]["trustedKeys"].as_array().unwrap().len(), 1);
    assert!(meps["tools"].as_array().unwrap().iter().any(|t| t["name"] == "get_mep_details" && t["egress"].as_array().is_some_and(|e| !e.is_empty())));
    let metrics = admin.ok("admin_metrics", json!({}));
    assert!(metrics["exposition"].as_str().unwrap().contains(r#"requests_total{tool="get_mep_details",status="ok"} 1"#), "{metrics}");
    assert!(admin.invalid("admin_config", json!({"x": 1})).contains("takes no arguments"));

    // A researcher neither sees nor may call them.
    let mut researcher = crate::support::Server::start(&fake);
    let tools = researcher.request("tools/list", json!({}))["result"]["tools"].clone();
    assert!(!tools.to_string().contains("admin_"), "admin tools listed for a researcher");
    assert!(researcher.refused("admin_config", json!({})).contains("not available to the role 'researcher'"));
}

/// A loopback HTTP server answering up to `n` requests with `body` (an authorization
/// server's JWKS endpoint); its URL.
fn serve_jwks(body: String, n: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/.well-known/jwks.json", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(n) {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    url
}

#[test]
fn the_jwks_is_read_from_the_authorization_servers_url() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let signer = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let point = signer.public_key_raw();
    let jwks = json!({"keys": [{"kty": "EC", "crv": "P-256", "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])}]});
    let url = serve_jwks(jwks.to_string(), 4);
    let fake = Fake::start();
    let settings = [("EPMCP_JWKS_URL", url.as_str()), ("EPMCP_TOKEN_ISSUER", "https://auth.example.org"), ("EPMCP_TOKEN_AUDIENCE", "epmcp")];
    let server = Hosted::start(&fake, &settings);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let claims = json!({"iss": "https://auth.example.org", "aud": "epmcp", "sub": "bob", "exp": now + 300, "scope": "epmcp:admin"});
    let token = encode(&Header::new(Algorithm::ES256), &claims, &EncodingKey::from_ec_pem(signer.serialize_pem().as_bytes()).unwrap()).unwrap();
    let session = python_session(&server.url, Some(&token));
    assert!(names(&session["tools"]).contains(&"admin_config"), "epmcp:admin maps to admin: {session}");

    // No JWKS to read: the listener does not start.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let out = Command::new(epmcp_bin())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("EPMCP_JWKS_URL", format!("http://{dead}/jwks.json"))
        .envs(settings[1..].iter().copied())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading the JWKS"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn bearer_tokens_are_checked_and_their_scopes_give_roles() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    const ISSUER: &str = "https://auth.example.org";
    const AUDIENCE: &str = "https://mcp.example.org/mcp";

    let fake = Fake::start();
    let dir = TempDir::new("jwt");
    // The authorization server's signing key (P-256), and its JWKS as epmcp reads it.
    let signer = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let point = signer.public_key_raw();
    let jwks = json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "use": "sig", "alg": "ES256",
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])}]});
    let jwks_file = dir.0.join("jwks.json");
    std::fs::write(&jwks_file, jwks.to_string()).unwrap();
    let sign_with = |key: &rcgen::KeyPair, claims: Value| {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some("k1".into());
        encode(&header, &claims, &EncodingKey::from_ec_pem(key.serialize_pem().as_bytes()).unwrap()).unwrap()
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let claims = |changes: Value| {
        let mut c = json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "exp": now + 300, "scope": "openid epmcp:research"});
        c.as_object_mut().unwrap().extend(changes.as_object().unwrap().clone());
        c
    };
    let tenants = dir.0.join("tenants.toml");
    std::fs::write(&tenants, "[acme]\ntool_groups = [\"meps\", \"health\"]\n").unwrap();
    let env = [
        ("EPMCP_JWKS_FILE", jwks_file.to_str().unwrap()),
        ("EPMCP_TOKEN_ISSUER", ISSUER),
        ("EPMCP_TOKEN_AUDIENCE", AUDIENCE),
        ("EPMCP_ANONYMOUS_ROLE", "none"),
        ("EPMCP_TENANTS", tenants.to_str().unwrap()),
    ];
    let server = Hosted::start(&fake, &env);

    // The Python SDK with a valid token: the researcher's view.
    let token = sign_with(&signer, claims(json!({})));
    let session = python_session(&server.url, Some(&token));
    assert!(names(&session["tools"]).len() > 40, "{session}");
    assert_eq!(session["details"]["result"]["name"], "Elio DI RUPO");
    assert_eq!(session["health"]["result"]["rateLimit"]["role"], "researcher");
    let reader = python_session(&server.url, Some(&sign_with(&signer, claims(json!({"scope": "epmcp:read"})))));
    assert_eq!(names(&reader["tools"]), ["get_meps", "get_plenary_sessions"], "epmcp:read maps to public");
    // A `tenant` claim puts the subject in that tenant: acme's plan has the meps tools only.
    let tenant = python_session(&server.url, Some(&sign_with(&signer, claims(json!({"tenant": "acme"})))));
    assert!(names(&tenant["tools"]).contains(&"get_mep_details") && !names(&tenant["tools"]).contains(&"get_plenary_sessions"), "{tenant}");
    assert_eq!(tenant["details"]["result"]["name"], "Elio DI RUPO");

    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}})
    .to_string();
    let post = |token: &str| {
        let auth = format!("Bearer {token}");
        let headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream"), ("Authorization", auth.as_str())];
        http(&server.addr, "POST", "/mcp", &headers, &init)
    };
    assert_eq!(post(&token).0, 200);
    let intruder = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let hs256 = encode(&Header::new(Algorithm::HS256), &claims(json!({})), &EncodingKey::from_secret(b"guess")).unwrap();
    for (token, status, needle) in [
        (sign_with(&signer, claims(json!({"exp": now - 3600}))), 401, "token expired"),
        (sign_with(&signer, claims(json!({"nbf": now + 3600}))), 401, "token not yet valid"),
        (sign_with(&signer, claims(json!({"aud": "https://other.example/mcp"}))), 401, "another audience"),
        (sign_with(&signer, claims(json!({"iss": "https://evil.example"}))), 401, "another issuer"),
        (sign_with(&intruder, claims(json!({}))), 401, "signature invalid"),
        (hs256, 401, "algorithm not accepted"),
        (sign_with(&signer, claims(json!({"scope": "openid profile"}))), 403, "no scope"),
        (sign_with(&signer, claims(json!({"tenant": "nobody"}))), 401, "token for an unknown tenant"),
        ("a.b.c".to_string(), 401, "malformed token"),
    ] {
        let (got, headers, body) = post(&token);
        assert_eq!(got, status, "{needle}: {body}");
        assert!(body.contains(needle), "{needle}: {body}");
        let challenge = headers.iter().find(|(k, _)| k == "www-authenticate").map(|(_, v)| v.clone()).unwrap_or_default();
        let metadata_url = format!("resource_metadata=\"http://{}/.well-known/oauth-protected-resource\"", server.addr);
        assert!(challenge.contains(&metadata_url), "{challenge}");
    }
    let (status, _, metadata) = http(&server.addr, "GET", "/.well-known/oauth-protected-resource", &[], "");
    assert_eq!(status, 200);
    let metadata: Value = serde_json::from_str(&metadata).unwrap();
    assert_eq!((metadata["resource"].as_str(), metadata["authorization_servers"][0].as_str()), (Some(AUDIENCE), Some(ISSUER)));
}

#[test]
fn websocket_sessions_through_the_sdk_and_by_hand() {
    let fake = Fake::start();
    let (key, entry) = new_key("researcher");
    let server = Hosted::start(&fake, &[("EPMCP_API_KEYS", &entry)]);
    let ws_url = format!("ws://{}/ws", server.addr);

    // The official SDK's WebSocket client, anonymous: the public role.
    let anonymous = python("ws_client.py", &[&ws_url], &[]);
    assert_eq!(names(&anonymous["tools"]), ["get_meps", "get_plenary_sessions"], "{anonymous}");
    assert_eq!(anonymous["meps"]["count"], 2);

    // A plain client with a key: the researcher's session; a non-JSON frame gets -32700.
    let keyed = python("ws_client.py", &[&ws_url, &key], &[]);
    assert_eq!(keyed["subprotocol"], "mcp");
    assert!(names(&keyed["tools"]).len() > 40, "{keyed}");
    assert_eq!(keyed["details"]["name"], "Elio DI RUPO", "{keyed}");
    assert_eq!(keyed["garbage"]["error"]["code"], -32700, "{keyed}");

    // The upgrade is checked like /mcp: credentials, Host and Origin.
    let upgrade = |extra: &[(&str, &str)]| {
        let mut headers = vec![("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")];
        headers.extend_from_slice(extra);
        http(&server.addr, "GET", "/ws", &headers, "").0
    };
    assert_eq!(upgrade(&[("Authorization", "Bearer epk_wrong")]), 401);
    assert_eq!(upgrade(&[("Origin", "https://evil.example")]), 403);
    assert_eq!(upgrade(&[("Host", "evil.example")]), 403);
    assert_eq!(http(&server.addr, "GET", "/ws", &[], "").0, 400, "not an upgrade");
}

#[test]
fn a_request_nested_too_deeply_is_answered_under_its_own_id_on_both_transports() {
    let deep = |id: u32| {
        let arguments = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"get_meps","arguments":{{"x":{arguments}}}}}}}"#)
    };
    let expect = |reply: &serde_json::Value, id: u32| {
        assert_eq!(reply["id"], id, "{reply}");
        assert_eq!(reply["error"]["code"], -32602, "{reply}");
        assert!(reply["error"]["message"].as_str().unwrap().starts_with("invalid params: tools/call: nested too deeply"), "{reply}");
    };
    let fake = Fake::start();
    // stdio
    let mut stdio = crate::support::Server::start(&fake);
    stdio.send_raw(&deep(41));
    expect(&stdio.read(), 41);
    stdio.ok("get_meps", json!({"limit": 1})); // and it keeps serving
    // Streamable HTTP: a JSON answer under the id, not rmcp's plain-text 415.
    let server = Hosted::start(&fake, &[("EPMCP_ANONYMOUS_ROLE", "researcher"), crate::support::ANONYMOUS_ANALYTICS]);
    let headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")];
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}});
    let (_, response_headers, _) = http(&server.addr, "POST", "/mcp", &headers, &init.to_string());
    let session = response_headers.iter().find(|(k, _)| k == "mcp-session-id").map(|(_, v)| v.clone()).unwrap();
    let in_session = [headers[0], headers[1], ("Mcp-Session-Id", session.as_str()), ("Mcp-Protocol-Version", "2025-11-25")];
    let (status, _, body) = http(&server.addr, "POST", "/mcp", &in_session, &deep(42));
    assert_eq!(status, 200, "{body}");
    expect(&serde_json::from_str(&body).unwrap(), 42);
    let (status, _, body) = http(&server.addr, "POST", "/mcp", &in_session, &"x".repeat(300 << 10));
    assert_eq!(status, 413, "{body}");
}
