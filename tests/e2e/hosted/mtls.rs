//! Mutual TLS on the listener: client certificates from the operator's CA are identities
//! (their common name mapped to a role and tenant); a client without one, with one from
//! another CA, or with one the server has no role for is refused. Driven through the
//! official Python SDK (httpx presenting the certificate).

use serde_json::{Value, json};

use crate::support::{Fake, Hosted, TempDir, TestCa, audit_records, python};

fn session(url: &str, ca: &str, client: Option<&(String, String)>, calls: Value) -> Value {
    let mut env = vec![("EPMCP_CA_FILE", ca)];
    if let Some((cert, key)) = client {
        env.extend([("EPMCP_CLIENT_CERT", cert.as_str()), ("EPMCP_CLIENT_KEY", key.as_str())]);
    }
    python("calls.py", &[url, &calls.to_string()], &env)
}

#[test]
fn client_certificates_are_identities_and_clients_without_a_good_one_are_refused() {
    let fake = Fake::start();
    let dir = TempDir::new("mtls");
    let ca = TestCa::new(&dir.0, "clients");
    let (server_cert, server_key) = ca.issue("epmcp.test", &["127.0.0.1", "localhost"], false);
    let alice = ca.issue("alice", &[], true);
    let bob = ca.issue("bob", &[], true); // from the right CA, but given no role
    let mallory = TestCa::new(&dir.0, "other").issue("alice-forged", &[], true);
    let tenants = dir.0.join("tenants.toml");
    let audit = dir.0.join("audit");
    std::fs::write(&tenants, "[acme]\nplan = \"pro\"\n").unwrap();
    let ca_pem = ca.pem.to_str().unwrap();
    let env = [
        ("EPMCP_TLS_CERT", server_cert.as_str()),
        ("EPMCP_TLS_KEY", server_key.as_str()),
        ("EPMCP_CLIENT_CA", ca_pem),
        ("EPMCP_CLIENT_CERT_ROLES", "alice=researcher@acme"),
        ("EPMCP_TENANTS", tenants.to_str().unwrap()),
        ("EPMCP_AUDIT_DIR", audit.to_str().unwrap()),
    ];
    let server = Hosted::start(&fake, &env);
    assert!(server.url.starts_with("https://"), "{}", server.url);

    let calls = json!([["get_mep_details", {"id": "1294"}], ["get_server_health", {}]]);
    let report = session(&server.url, ca_pem, Some(&alice), calls.clone());
    // A second certificate with alice's name (written over the first's files) is another
    // identity: the digest of the certificate.
    let first = identity_of(&alice.0);
    let alice_again = ca.issue("alice", &[], true);
    let again = session(&server.url, ca_pem, Some(&alice_again), json!([["get_mep_details", {"id": "1294"}]]));
    assert_eq!(again["calls"][0]["result"]["name"], "Elio DI RUPO", "{again}");
    assert_eq!(report["calls"][0]["result"]["name"], "Elio DI RUPO", "{report}");
    assert_eq!(report["calls"][1]["result"]["rateLimit"]["role"], "researcher", "{report}");

    // Refused at the handshake (no certificate, or one from another CA), or with 401 (a
    // good certificate the server has no role for): no session either way.
    for (who, client) in [("no certificate", None), ("another CA", Some(&mallory)), ("unmapped", Some(&bob))] {
        let refused = session(&server.url, ca_pem, client, calls.clone());
        let error = refused["connectError"].as_str().unwrap_or_else(|| panic!("{who} got a session: {refused}"));
        if who == "unmapped" {
            assert!(error.contains("401"), "{who}: {error}");
        }
    }
    // alice's calls are in acme's audit stream under her certificate's digest; bob's
    // refusal is an authentication failure in the host's.
    let mut server = server;
    assert!(server.stop().success());
    let (_, acme) = audit_records(&audit.join("tenants/acme"));
    let clients: Vec<&str> = acme.iter().filter(|r| r["kind"] == "call").map(|r| r["client"].as_str().unwrap()).collect();
    let second = identity_of(&alice_again.0);
    assert_ne!(first, second, "two certificates, two identities, one name");
    assert_eq!(clients, [first.as_str(), first.as_str(), second.as_str()]);
    let (_, host) = audit_records(&audit);
    assert!(
        host.iter().any(|r| r["event"] == "authentication_failure" && r["detail"] == "client certificate not mapped to a role"),
        "bob's refusal is audited"
    );
}

/// The identity the listener gives a client certificate (PEM file): `cert:` and 128 bits of
/// the SHA-256 of its DER.
fn identity_of(pem_file: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let pem = std::fs::read_to_string(pem_file).unwrap();
    let body: String = pem.lines().take_while(|l| !l.starts_with("-----END")).filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
    let hex: String = Sha256::digest(&der).iter().map(|b| format!("{b:02x}")).collect();
    format!("cert:{}", &hex[..32])
}
