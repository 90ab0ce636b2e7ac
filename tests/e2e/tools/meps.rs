//! The `meps` component: MEP lists and rosters, an MEP's record, political groups.

use serde_json::{Value, json};

use crate::support::*;

#[test]
fn get_current_meps_pages_through_the_roster() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let first = server.ok("get_current_meps", json!({"limit": 3}));
    assert_eq!(ids(&first), ["101", "102", "103"]);
    assert_eq!(first["hasMore"], true);
    assert_eq!(first["nextOffset"], 3);
    assert_eq!(first["data"][0]["name"], "Thomas WEBER (synthetic)");
    assert_eq!(first["data"][0]["country"], "DE");
    assert_eq!(first["data"][0]["politicalGroup"], "EPP");
    let last = server.ok("get_current_meps", json!({"limit": 3, "offset": 6}));
    assert_eq!(ids(&last), ["107"]);
    assert_eq!(last["hasMore"], false);
    assert!(last.get("nextOffset").is_none());
    assert!(last["source"].as_str().unwrap().contains("CC BY 4.0"));
    let past_end = server.ok("get_current_meps", json!({"offset": 50}));
    assert_eq!(past_end["count"], 0);
    assert!(fake.requests().contains(&"GET /api/v2/meps/show-current?format=application%2Fld%2Bjson&offset=0&limit=3".to_string()));
}

#[test]
fn get_meps_filters_by_country_server_side_and_group_over_the_whole_roster() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let all = server.ok("get_meps", json!({}));
    assert_eq!(all["count"], 7);
    // Any spelling of a group finds the EP's label.
    for spelling in ["S&D", "S-D", "s&d"] {
        let sd = server.ok("get_meps", json!({"group": spelling}));
        assert_eq!(ids(&sd), ["102", "106"], "group {spelling}");
    }
    let sd_page = server.ok("get_meps", json!({"group": "S&D", "limit": 1}));
    assert_eq!((ids(&sd_page), sd_page["nextOffset"].clone()), (vec!["102"], json!(1)));
    server.ok("get_meps", json!({"country": "DE"}));
    assert!(fake.requests().iter().any(|r| r.contains("meps/show-current?") && r.contains("country-of-representation=DE")));
    let err = server.invalid("get_meps", json!({"committee": "AGRI"}));
    assert!(err.contains("committee"), "{err}");
    let past = server.ok("get_meps", json!({"active": false}));
    assert_eq!(ids(&past), ["1"]);
    assert_eq!(past["data"][0]["name"], "Georg JARZEMBOWSKI");
}

#[test]
fn get_mep_details_reads_the_real_record() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    for id in ["1294", "MEP-1294", "person/1294"] {
        let mep = server.ok("get_mep_details", json!({"id": id}));
        assert_eq!(mep["id"], "1294");
        assert_eq!(mep["name"], "Elio DI RUPO");
        assert_eq!(mep["email"], "elio.dirupo@europarl.europa.eu");
        assert_eq!(mep["citizenship"], "BEL");
        assert_eq!(mep["represents"], "BEL");
        assert_eq!(mep["gender"], "MALE");
        assert_eq!(mep["active"], true);
        assert_eq!(mep["mandateStart"], "2024-07-16");
        assert_eq!(mep["committeeIds"], json!(["6562"]));
        assert_eq!(mep["memberships"].as_array().unwrap().len(), 2);
    }
    let vice_chair = server.ok("get_mep_details", json!({"id": "101"}));
    assert!(vice_chair["memberships"].as_array().unwrap().iter().any(|m| m["role"] == "CHAIR_VICE"));
    let missing = server.tool_error("get_mep_details", json!({"id": "424242"}));
    assert!(missing.contains("not found") && missing.contains("424242"), "{missing}");
}

#[test]
fn get_political_groups_counts_the_whole_roster() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let groups = server.ok("get_political_groups", json!({}));
    let roster = fixture("meps-show-current.synthetic.json")["data"].as_array().unwrap().len();
    assert_eq!(groups["totalMeps"], roster);
    let members: u64 = groups["groups"].as_array().unwrap().iter().map(|g| g["members"].as_u64().unwrap()).sum();
    assert_eq!(members + groups["withoutGroup"].as_u64().unwrap(), roster as u64);
    let sd = groups["groups"].as_array().unwrap().iter().find(|g| g["name"] == "S&D").unwrap();
    assert_eq!(sd["members"], 2, "the same two MEPs get_meps finds for S&D");
    let resource = server.request("resources/read", json!({"uri": "ep://political-groups"}));
    let text: Value = serde_json::from_str(resource["result"]["contents"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(text["totalMeps"], roster);
    assert!(fake.requests().iter().all(|r| r.contains("/meps/show-current?")));
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
