//! End-to-end: MEP rosters (incoming, outgoing, homonyms), declarations and the
//! controlled vocabularies, against the fake.

use serde_json::json;

use crate::support::{Fake, Server, ids};

#[test]
fn rosters_of_incoming_outgoing_and_homonym_meps() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let incoming = server.ok("get_incoming_meps", json!({}));
    assert_eq!(ids(&incoming), ["105", "106"]);
    assert_eq!(incoming["endpoint"], "meps/show-incoming");
    assert_eq!(ids(&server.ok("get_outgoing_meps", json!({"limit": 10}))), ["107"]);
    let homonyms = server.ok("get_homonym_meps", json!({}));
    assert_eq!(ids(&homonyms), ["101", "108"]);
    assert_eq!(homonyms["data"][0]["name"], homonyms["data"][1]["name"]);
    let page = server.ok("get_incoming_meps", json!({"limit": 1}));
    assert_eq!((ids(&page), page["nextOffset"].clone()), (vec!["105"], json!(1)));
    let requests = fake.requests();
    assert_eq!(requests[0], "GET /api/v2/meps/show-incoming?format=application%2Fld%2Bjson&offset=0&limit=50");
    assert!(requests[1].starts_with("GET /api/v2/meps/show-outgoing?"));
    assert!(requests[2].starts_with("GET /api/v2/meps/show-homonyms?"));
    for (tool, args) in [("get_incoming_meps", json!({"limit": 0})), ("get_outgoing_meps", json!({"offset": -1})), ("get_homonym_meps", json!({"x": 1}))] {
        server.invalid(tool, args);
    }
}

#[test]
fn declarations_by_year_mep_and_id() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let list = server.ok("get_mep_declarations", json!({"year": 2024, "mepId": "MEP-197491"}));
    assert_eq!(ids(&list), ["DCI-197491-2024-07-19-123456", "DCI-124936-2024-09-02-123457"]);
    assert_eq!(list["data"][0]["workType"], "MEMBER_DECLARATION_INTEREST_CONFLICT");
    assert!(fake.requests()[0].ends_with("/meps-declarations?format=application%2Fld%2Bjson&year=2024&person-id=197491&offset=0&limit=50"));
    let one = server.ok("get_mep_declarations", json!({"docId": "DCI-197491-2024-07-19-123456"}));
    let d = &one["data"][0];
    assert_eq!((d["date"].as_str(), d["term"].as_u64()), (Some("2024-07-19"), Some(10)));
    assert!(d["files"][0]["url"].as_str().unwrap().ends_with("_en.pdf"));
    let missing = server.tool_error("get_mep_declarations", json!({"docId": "DCI-1234-2024-01-01-1234"}));
    assert!(missing.contains("not found"), "{missing}");
    for args in [json!({"docId": "../x"}), json!({"docId": "DCI-197491-2024-07-19-123456", "year": 2024}), json!({"year": 1800})] {
        server.invalid("get_mep_declarations", args);
    }
}

#[test]
fn vocabularies_list_and_concepts() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let list = server.ok("get_controlled_vocabularies", json!({}));
    assert_eq!(list["count"], 5);
    assert_eq!(list["data"][1], json!({"id": "ep-document-types", "version": "20260131_1"}));
    for id in ["ep-decision-methods", "def/ep-decision-methods"] {
        let one = server.ok("get_controlled_vocabularies", json!({"vocId": id}));
        let v = &one["data"][0];
        assert_eq!(v["id"], "ep-decision-methods");
        assert_eq!(v["concepts"].as_array().unwrap().len(), 8);
        assert_eq!(v["concepts"][0]["code"], "DECISION");
        assert_eq!(v["concepts"][0]["label"], "Decision");
    }
    assert!(fake.requests().iter().any(|r| r.starts_with("GET /api/v2/controlled-vocabularies/ep-decision-methods?")));
    assert!(server.tool_error("get_controlled_vocabularies", json!({"vocId": "ep-nothing"})).contains("not found"));
    server.invalid("get_controlled_vocabularies", json!({"vocId": "../meps"}));
    server.invalid("get_controlled_vocabularies", json!({"vocId": "EP-ROLES"}));
}

#[test]
fn member_family_faults_are_clean_errors() {
    for (fault, expected) in [("500", "HTTP 500"), ("truncated", "malformed JSON"), ("error-body", "reported an error")] {
        let fake = Fake::start_with(&["--fault", fault]);
        let mut server = Server::start(&fake);
        for (tool, args) in [
            ("get_incoming_meps", json!({})),
            ("get_mep_declarations", json!({})),
            ("get_controlled_vocabularies", json!({"vocId": "ep-roles"})),
        ] {
            let message = server.tool_error(tool, args);
            assert!(message.contains(expected), "{tool} under {fault}: {message}");
        }
    }
}
