//! Hostile arguments: each gets a clear -32602 before any component runs, or is
//! encoded; the fake's request log proves nothing reached the upstream path unescaped.

use serde_json::{Value, json};

use crate::support::{Fake, Server};

#[test]
fn hostile_arguments_are_refused_before_reaching_upstream() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let huge = "A".repeat(100_000);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("get_meps", json!({"limit": "10"}), "limit"),
        ("get_meps", json!({"limit": 1.5}), "limit"),
        ("get_meps", json!({"limit": 0}), "limit"),
        ("get_meps", json!({"active": "yes"}), "active"),
        ("get_meps", json!({"country": "de"}), "country"),
        ("get_meps", json!({"unexpected": 1}), "unexpected"),
        ("get_mep_details", json!({}), "id"),
        ("get_mep_details", json!({"id": null}), "id"),
        ("get_mep_details", json!({"id": "../corporate-bodies"}), "id"),
        ("get_mep_details", json!({"id": "1294?x=1"}), "id"),
        ("get_mep_details", json!({"id": "1294#frag"}), "id"),
        ("get_mep_details", json!({"id": "%2e%2e"}), "id"),
        ("get_mep_details", json!({"id": "1294@evil.com"}), "id"),
        ("get_committee_info", json!({"id": "../meps"}), "id"),
        ("get_committee_info", json!({"abbreviation": "A/B"}), "abbreviation"),
        ("get_plenary_sessions", json!({"eventId": "MTG/../../x"}), "eventId"),
        ("get_plenary_sessions", json!({"year": 99999}), "year"),
        ("get_procedures", json!({"processId": "2024-0006/../x"}), "processId"),
        ("search_documents", json!({"docId": "A-1/../../meps"}), "docId"),
        ("search_documents", json!({"keyword": "x?y=1&z#"}), "keyword"),
        ("search_documents", json!({"keyword": huge}), "65536"),
        ("get_meps", json!({"group": "x".repeat(5000)}), "group"),
    ];
    for (tool, arguments, field) in cases {
        let message = server.invalid(tool, arguments.clone());
        assert!(message.contains(field), "{tool}({}) → {message}", &arguments.to_string()[..arguments.to_string().len().min(80)]);
    }
    assert!(fake.requests().is_empty(), "refused calls reached upstream: {:?}", fake.requests());
}

#[test]
fn free_text_reaches_upstream_only_encoded() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    // Valid by schema, hostile in spirit: spaces, dashes and underscores must be encoded data.
    server.ok("search_documents", json!({"keyword": "climate - _ 2024"}));
    // A group name never reaches the URL at all (filtered here, over the whole roster).
    server.ok("get_meps", json!({"group": "../../x?y=1#@evil.com%2e"}));
    let requests = fake.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    for request in &requests {
        let target = request.strip_prefix("GET ").unwrap();
        let (path, query) = target.split_once('?').unwrap();
        assert!(path.chars().all(|c| c.is_ascii_alphanumeric() || "/-_%".contains(c)), "{path}");
        assert!(!path.contains("..") && !path.contains('@'), "{path}");
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap();
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{name}");
            assert!(value.chars().all(|c| c.is_ascii_alphanumeric() || "%-_~".contains(c)), "{value}");
        }
    }
    assert!(requests[0].contains("text=climate%20-%20_%202024"), "{}", requests[0]);
    assert!(requests[1].starts_with("GET /api/v2/meps/show-current?"), "{}", requests[1]);
}
