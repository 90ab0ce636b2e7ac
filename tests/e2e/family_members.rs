//! End-to-end: MEP rosters (incoming, outgoing, homonyms), declarations and the
//! controlled vocabularies, against the fake.

use serde_json::json;

use crate::support::{Fake, Options, Server, current_year, ids};

const FORMAT: &str = "format=application%2Fld%2Bjson";

/// The request line the fake logs for `GET /api/v2/<path>?format=…&<query>`.
fn line(path: &str, query: &str) -> String {
    format!("GET /api/v2/{path}?{FORMAT}&{query}")
}

#[test]
fn rosters_of_incoming_outgoing_and_homonym_meps() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let incoming = server.ok("get_incoming_meps", json!({}));
    assert_eq!(ids(&incoming), ["105", "106"]);
    let first = &incoming["data"][0];
    assert_eq!((&first["name"], &first["country"], &first["politicalGroup"]), (&json!("Lars SVENSSON (synthetic)"), &json!("SE"), &json!("Greens/EFA")));
    assert_eq!((&incoming["endpoint"], &incoming["hasMore"], &incoming["count"]), (&json!("meps/show-incoming"), &json!(false), &json!(2)));
    let outgoing = server.ok("get_outgoing_meps", json!({"limit": 10}));
    assert_eq!(ids(&outgoing), ["107"]);
    assert_eq!(outgoing["endpoint"], "meps/show-outgoing");
    let homonyms = server.ok("get_homonym_meps", json!({"offset": 0}));
    assert_eq!(ids(&homonyms), ["101", "108"]);
    assert_eq!(homonyms["data"][0]["name"], homonyms["data"][1]["name"]);
    let page = server.ok("get_incoming_meps", json!({"limit": 1}));
    assert_eq!((ids(&page), &page["hasMore"], &page["nextOffset"]), (vec!["105"], &json!(true), &json!(1)));
    let rest = server.ok("get_incoming_meps", json!({"limit": 5, "offset": 1}));
    assert_eq!((ids(&rest), &rest["hasMore"]), (vec!["106"], &json!(false)));
    // get_current_meps keeps the reference's `live` flag; the other rosters never had one.
    assert!(!ids(&server.ok("get_current_meps", json!({"live": true, "limit": 1}))).is_empty());
    assert_eq!(
        fake.requests(),
        [
            line("meps/show-incoming", "offset=0&limit=50"),
            line("meps/show-outgoing", "offset=0&limit=10"),
            line("meps/show-homonyms", "offset=0&limit=50"),
            line("meps/show-incoming", "offset=0&limit=1"),
            line("meps/show-incoming", "offset=1&limit=5"),
            line("meps/show-current", "offset=0&limit=1"),
        ]
    );
    for (tool, args) in [
        ("get_incoming_meps", json!({"limit": 0})),
        ("get_incoming_meps", json!({"live": true})),
        ("get_outgoing_meps", json!({"offset": -1})),
        ("get_outgoing_meps", json!({"limit": 101})),
        ("get_homonym_meps", json!({"x": 1})),
        ("get_homonym_meps", json!({"limit": "10"})),
    ] {
        server.invalid(tool, args);
    }
    assert_eq!(fake.requests().len(), 6, "an invalid call reached the EP API");
}

#[test]
fn declarations_by_year_mep_and_id() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let list = server.ok("get_mep_declarations", json!({"year": 2024, "mepId": "MEP-197491"}));
    assert_eq!(ids(&list), ["DCI-197491-2024-07-19-123456", "DCI-124936-2024-09-02-123457"]);
    assert_eq!(list["data"][0]["workType"], "MEMBER_DECLARATION_INTEREST_CONFLICT");
    assert_eq!(list["endpoint"], "meps-declarations?year=2024&person-id=197491");
    server.ok("get_mep_declarations", json!({"mepId": "person/124936", "limit": 1, "offset": 1}));
    server.ok("get_mep_declarations", json!({}));
    let one = server.ok("get_mep_declarations", json!({"docId": "DCI-197491-2024-07-19-123456"}));
    let d = &one["data"][0];
    assert_eq!(d["id"], "DCI-197491-2024-07-19-123456");
    assert_eq!(d["title"], "Declaration of conflict of interest (constructed sample)");
    assert_eq!((d["date"].as_str(), d["term"].as_u64()), (Some("2024-07-19"), Some(10)));
    assert_eq!(
        d["files"],
        json!([{"language": "ENG", "format": "PDF", "url": "https://data.europarl.europa.eu/distribution/dci/DCI-197491-2024-07-19-123456/DCI-197491-2024-07-19-123456_en.pdf"}])
    );
    let year = current_year();
    assert_eq!(
        fake.requests(),
        [
            line("meps-declarations", "year=2024&person-id=197491&offset=0&limit=50"),
            line("meps-declarations", &format!("year={year}&person-id=124936&offset=1&limit=1")),
            line("meps-declarations", &format!("year={year}&offset=0&limit=50")),
            "GET /api/v2/meps-declarations/DCI-197491-2024-07-19-123456?format=application%2Fld%2Bjson".to_string(),
        ]
    );
    let missing = server.tool_error("get_mep_declarations", json!({"docId": "DCI-1234-2024-01-01-1234"}));
    assert!(missing.contains("not found"), "{missing}");
    let before = fake.requests().len();
    for args in [
        json!({"docId": "../x"}),
        json!({"docId": "DCI-197491-2024-07-19-123456/../../meps"}),
        json!({"docId": ""}),
        json!({"docId": "DCI-197491-2024-07-19-123456", "year": 2024}),
        json!({"docId": "DCI-197491-2024-07-19-123456", "mepId": "197491"}),
        json!({"year": 1800}),
        json!({"year": 2041}),
        json!({"mepId": "Smith"}),
        json!({"limit": 101}),
        json!({"term": 10}),
    ] {
        server.invalid("get_mep_declarations", args);
    }
    assert_eq!(fake.requests().len(), before, "an invalid call reached the EP API");
}

#[test]
fn vocabularies_list_and_concepts() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let list = server.ok("get_controlled_vocabularies", json!({}));
    assert_eq!(list["count"], 5);
    assert_eq!(list["data"][1], json!({"id": "ep-document-types", "version": "20260131_1"}));
    let page = server.ok("get_controlled_vocabularies", json!({"limit": 2, "offset": 1}));
    assert_eq!(ids(&page), ["ep-document-types", "ep-procedure-types"]);
    assert_eq!((&page["hasMore"], &page["nextOffset"]), (&json!(true), &json!(3)));
    for id in ["ep-decision-methods", "def/ep-decision-methods"] {
        let one = server.ok("get_controlled_vocabularies", json!({"vocId": id, "live": true}));
        let v = &one["data"][0];
        assert_eq!(v["id"], "ep-decision-methods");
        assert_eq!(v["concepts"].as_array().unwrap().len(), 8);
        assert_eq!(v["concepts"][0]["code"], "DECISION");
        assert_eq!(v["concepts"][0]["label"], "Decision");
        assert_eq!(one["endpoint"], "controlled-vocabularies/ep-decision-methods");
    }
    // Both spellings of the id are one request: the second is served from the host's cache.
    assert_eq!(
        fake.requests(),
        [
            line("controlled-vocabularies", "offset=0&limit=50"),
            line("controlled-vocabularies", "offset=1&limit=2"),
            "GET /api/v2/controlled-vocabularies/ep-decision-methods?format=application%2Fld%2Bjson".to_string(),
        ]
    );
    assert!(server.tool_error("get_controlled_vocabularies", json!({"vocId": "ep-nothing"})).contains("not found"));
    let before = fake.requests().len();
    for args in [
        json!({"vocId": "../meps"}),
        json!({"vocId": "ep-roles/../../meps"}),
        json!({"vocId": "EP-ROLES"}),
        json!({"vocId": "ep-roles?x=1"}),
        json!({"vocId": ""}),
        json!({"limit": 0}),
        json!({"offset": -5}),
        json!({"language": "en"}),
    ] {
        server.invalid("get_controlled_vocabularies", args);
    }
    assert_eq!(fake.requests().len(), before, "an invalid call reached the EP API");
}

#[test]
fn member_family_faults_are_clean_errors() {
    let calls = [
        ("get_incoming_meps", json!({})),
        ("get_outgoing_meps", json!({})),
        ("get_homonym_meps", json!({})),
        ("get_mep_declarations", json!({})),
        ("get_mep_declarations", json!({"docId": "DCI-197491-2024-07-19-123456"})),
        ("get_controlled_vocabularies", json!({})),
        ("get_controlled_vocabularies", json!({"vocId": "ep-roles"})),
    ];
    for (fault, expected) in [("500", "HTTP 500"), ("truncated", "malformed JSON"), ("html", "malformed JSON"), ("error-body", "reported an error")] {
        let fake = Fake::start_with(&["--fault", fault]);
        let mut server = Server::start_with(&fake, Options::breaker_off());
        for (tool, args) in &calls {
            let message = server.tool_error(tool, args.clone());
            assert!(message.contains(expected), "{tool} under {fault}: {message}");
            assert!(!message.contains("<html>") && !message.contains("backend failure"), "{tool} leaked the body: {message}");
        }
    }
    // A timeout costs the upstream timeout: one call per tool family member is enough.
    let fake = Fake::start_with(&["--fault", "slow"]);
    let options = Options { env: vec![("EPMCP_UPSTREAM_TIMEOUT_MS", "300".into())], ..Options::default() };
    let mut server = Server::start_with(&fake, options);
    for (tool, args) in [("get_outgoing_meps", json!({})), ("get_controlled_vocabularies", json!({"vocId": "ep-roles"}))] {
        let message = server.tool_error(tool, args);
        assert!(message.contains("did not answer in time"), "{tool} under slow: {message}");
    }
    // Faults by id on a detail lookup: an upstream 404 is "not found", a 500 an upstream failure.
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let missing = server.tool_error("get_controlled_vocabularies", json!({"vocId": "9999404"}));
    assert!(missing.contains("not found"), "{missing}");
    let failed = server.tool_error("get_controlled_vocabularies", json!({"vocId": "9999500"}));
    assert!(failed.contains("HTTP 500") && !failed.contains("<html>"), "{failed}");
    assert!(server.ok("get_incoming_meps", json!({}))["data"].is_array(), "still serving after the faults");
}
