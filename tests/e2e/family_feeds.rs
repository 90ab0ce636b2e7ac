//! End-to-end: the 13 feed tools against the fake.

use serde_json::json;

use crate::support::{Fake, Server};

/// Every feed tool and the path it must request (and nothing else).
const FEEDS: &[(&str, &str)] = &[
    ("get_meps_feed", "meps/feed"),
    ("get_events_feed", "events/feed"),
    ("get_procedures_feed", "procedures/feed"),
    ("get_adopted_texts_feed", "adopted-texts/feed"),
    ("get_mep_declarations_feed", "meps-declarations/feed"),
    ("get_documents_feed", "documents/feed"),
    ("get_plenary_documents_feed", "plenary-documents/feed"),
    ("get_committee_documents_feed", "committee-documents/feed"),
    ("get_plenary_session_documents_feed", "plenary-session-documents/feed"),
    ("get_external_documents_feed", "external-documents/feed"),
    ("get_parliamentary_questions_feed", "parliamentary-questions/feed"),
    ("get_corporate_bodies_feed", "corporate-bodies/feed"),
    ("get_controlled_vocabularies_feed", "controlled-vocabularies/feed"),
];

#[test]
fn the_meps_feed_lists_changed_records_with_usable_ids() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let feed = server.ok("get_meps_feed", json!({}));
    assert_eq!(feed["window"], "one-week");
    assert_eq!(feed["count"], 1);
    assert_eq!(feed["data"][0], json!({"id": "1294", "uri": "person/1294", "type": "Person", "label": "Elio DI RUPO"}));
    let custom = server.ok("get_meps_feed", json!({"timeframe": "custom", "startDate": "2026-08-01"}));
    assert_eq!(custom["window"], "custom, from 2026-08-01");
    let requests = fake.requests();
    assert_eq!(requests[0], "GET /api/v2/meps/feed?format=application%2Fld%2Bjson&timeframe=one-week");
    assert_eq!(requests[1], "GET /api/v2/meps/feed?format=application%2Fld%2Bjson&timeframe=custom&start-date=2026-08-01");
    // The id works with the detail tool.
    assert_eq!(server.ok("get_mep_details", json!({"id": feed["data"][0]["id"]}))["name"], "Elio DI RUPO");
}

#[test]
fn every_feed_requests_only_its_own_path() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    for (tool, path) in FEEDS {
        let before = fake.requests().len();
        let result = server.call(tool, json!({}));
        let requests = fake.requests();
        assert_eq!(requests.len(), before + 1, "{tool}: {result}");
        assert!(requests[before].starts_with(&format!("GET /api/v2/{path}?")), "{tool}: {}", requests[before]);
        if *tool == "get_procedures_feed" {
            // The fixture is an HTTP 200 whose body carries `error`: an upstream failure.
            assert_eq!(result["result"]["isError"], true, "{result}");
            assert!(result["result"]["content"][0]["text"].as_str().unwrap().contains("reported an error"));
        } else if *tool != "get_meps_feed" {
            // No sample for this feed: the fake answers 404, which the API uses for "nothing".
            let s = &result["result"]["structuredContent"];
            assert_eq!(s["count"], 0, "{tool}: {result}");
            assert!(s["window"].is_string());
        }
    }
}

#[test]
fn windows_and_filters_are_checked() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    for (tool, args, needle) in [
        ("get_meps_feed", json!({"timeframe": "custom"}), "startDate"),
        ("get_meps_feed", json!({"timeframe": "custom", "startDate": "2026-02-30"}), "calendar"),
        ("get_meps_feed", json!({"timeframe": "one-day", "startDate": "2026-02-01"}), "custom"),
        ("get_meps_feed", json!({"timeframe": "yesterday"}), "timeframe"),
        ("get_meps_feed", json!({"activityType": "X"}), "activityType"),
        ("get_events_feed", json!({"activityType": "PLENARY_SITTING&x=1"}), "activityType"),
        ("get_documents_feed", json!({"timeframe": "one-month"}), "fixed"),
        ("get_documents_feed", json!({"limit": 1000}), "limit"),
    ] {
        let message = server.invalid(tool, args.clone());
        assert!(message.contains(needle), "{tool} {args}: {message}");
    }
    assert!(fake.requests().is_empty(), "nothing invalid reached the EP API");
    server.ok("get_events_feed", json!({"activityType": "PLENARY_SITTING", "timeframe": "today"}));
    server.tool_error("get_procedures_feed", json!({"processType": "COD"})); // its sample is an error body
    let requests = fake.requests();
    assert!(requests[0].ends_with("/events/feed?format=application%2Fld%2Bjson&timeframe=today&activity-type=PLENARY_SITTING"));
    assert!(requests[1].ends_with("/procedures/feed?format=application%2Fld%2Bjson&timeframe=one-week&process-type=COD"));
}

#[test]
fn feed_faults_are_clean_errors() {
    for (fault, expected) in [("500", "HTTP 500"), ("truncated", "malformed JSON"), ("html", "malformed JSON")] {
        let fake = Fake::start_with(&["--fault", fault]);
        let mut server = Server::start(&fake);
        for tool in ["get_meps_feed", "get_documents_feed"] {
            let message = server.tool_error(tool, json!({}));
            assert!(message.contains(expected), "{tool} under {fault}: {message}");
        }
    }
}
