//! The `concepts` component, written in JavaScript (guest-js/concepts, built with
//! componentize-js): served by the same host, through the same gateway, under the same
//! trust and limits as the Rust components.

use serde_json::json;

use crate::support::*;

#[test]
fn search_vocabulary_concepts_finds_codes_from_words_in_any_eu_language() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let found = server.ok("search_vocabulary_concepts", json!({"vocabulary": "ep-decision-methods", "text": "Abstimmung", "language": "fr", "limit": 2}));
    assert_eq!((&found["vocabulary"], &found["searched"], &found["language"]), (&json!("ep-decision-methods"), &json!(8), &json!("fr")));
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{found}");
    assert!(found["matched"].as_u64().unwrap() > 2, "{found}");
    assert_eq!((&items[0]["code"], &items[0]["label"], &items[0]["matched"]), (&json!("VOTE"), &json!("Vote"), &json!("label:de")));
    assert_eq!(items[1]["broader"], json!(["VOTE"]));
    assert!(found.get("dataQualityWarnings").is_none(), "{found}");

    // A code spelled as words, accents and case aside, and the id in its `def/` form.
    let report = server.ok("search_vocabulary_concepts", json!({"vocabulary": "def/ep-document-types", "text": "RÉPORT plenary"}));
    assert_eq!((&report["items"][0]["code"], &report["items"][0]["matched"]), (&json!("REPORT_PLENARY"), &json!("code")), "{report}");
    let none = server.ok("search_vocabulary_concepts", json!({"vocabulary": "ep-statuses", "text": "no such words"}));
    assert_eq!((&none["matched"], &none["items"]), (&json!(0), &json!([])));

    // One request per vocabulary, to its own path; the repeated one comes from the cache.
    server.ok("search_vocabulary_concepts", json!({"vocabulary": "ep-decision-methods", "text": "vote"}));
    let vocabulary = |id: &str| format!("GET /api/v2/controlled-vocabularies/{id}?format=application%2Fld%2Bjson");
    assert_eq!(fake.requests(), [vocabulary("ep-decision-methods"), vocabulary("ep-document-types"), vocabulary("ep-statuses")]);

    let missing = server.tool_error("search_vocabulary_concepts", json!({"vocabulary": "ep-nothing", "text": "x"}));
    assert!(missing.starts_with("not found: no controlled vocabulary 'ep-nothing'"), "{missing}");
    let before = fake.requests().len();
    for args in [
        json!({"vocabulary": "../meps", "text": "x"}),
        json!({"vocabulary": "ep-roles?x=1", "text": "x"}),
        json!({"vocabulary": "ep-roles/../../meps", "text": "x"}),
        json!({"vocabulary": "ep-roles", "text": "   "}),
        json!({"vocabulary": "ep-roles", "text": ""}),
        json!({"vocabulary": "ep-roles", "text": "x".repeat(101)}),
        json!({"vocabulary": "ep-roles", "text": "x", "language": "xx"}),
        json!({"vocabulary": "ep-roles", "text": "x", "limit": 0}),
        json!({"vocabulary": "ep-roles", "text": "x", "limit": 101}),
        json!({"vocabulary": "ep-roles", "text": "x", "vocId": "ep-roles"}),
        json!({"text": "x"}),
    ] {
        server.invalid("search_vocabulary_concepts", args);
    }
    assert_eq!(fake.requests().len(), before, "an invalid call reached the EP API");
}

#[test]
fn search_vocabulary_concepts_turns_upstream_faults_into_clean_errors() {
    let fake = Fake::start();
    let mut options = Options::breaker_off();
    options.env.push(("EPMCP_UPSTREAM_TIMEOUT_MS", "700".into()));
    let mut server = Server::start_with(&fake, options);
    for (id, expected) in [
        ("9999500", "HTTP 500"),
        ("9999503", "HTTP 503"),
        ("9999429", "rate limiting"),
        ("9999404", "not found"),
        ("9999204", "not found"),
        ("9999200", "not found"),
        ("9999001", "malformed JSON"),
        ("9999002", "sent no vocabulary"),
        ("9999004", "malformed JSON"),
        ("9999302", "no usable answer"),
        ("9999003", "no usable answer"),
        ("9999408", "no usable answer"),
    ] {
        let message = server.tool_error("search_vocabulary_concepts", json!({"vocabulary": id, "text": "x"}));
        assert!(message.contains(expected), "{id}: {message}");
        assert!(!message.contains("internal details") && !message.contains("<html>") && !message.contains("backend failure"), "{id} leaked the body: {message}");
        assert_eq!(server.ok("search_vocabulary_concepts", json!({"vocabulary": "ep-statuses", "text": "adopted"}))["vocabulary"], "ep-statuses");
    }
    assert!(!fake.requests().iter().any(|r| r.contains("redirected-here")), "a redirect was followed");
}

#[test]
fn the_official_python_sdk_calls_the_javascript_tool_and_checks_its_output_schema() {
    let fake = Fake::start();
    let components = components_dir();
    let report = python(
        "stdio_call.py",
        &[epmcp_bin().to_str().unwrap(), "search_vocabulary_concepts", r#"{"vocabulary": "ep-procedure-types", "text": "budget", "language": "de"}"#],
        &[("EP_API_URL", fake.url.as_str()), ("EPMCP_COMPONENTS", components.to_str().unwrap()), ("EPMCP_TOOLS", "core search_vocabulary_*")],
    );
    assert_eq!(report["isError"], false, "{report}");
    let tools = report["tools"].as_array().unwrap();
    assert!(tools.contains(&json!("search_vocabulary_concepts")) && tools.contains(&json!("get_meps")), "{report}");
    let structured = &report["structured"];
    assert_eq!(structured["vocabulary"], "ep-procedure-types");
    let items = structured["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.iter().all(|i| i["code"].is_string() && i["matched"].is_string()), "{report}");
    assert!(items.iter().any(|i| i["code"].as_str().unwrap().starts_with("BUD")), "{report}");
}
