//! End-to-end: sittings' activities, agenda, vote results, decisions with roll-call
//! votes, the latest votes, events and speeches, against the fake.

use serde_json::json;

use crate::support::{Fake, Server, ids};

#[test]
fn activities_and_agenda_of_a_sitting() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let done = server.ok("get_meeting_activities", json!({"sittingId": "MTG-PL-2014-01-16"}));
    let a = &done["data"][0];
    assert_eq!(a["id"], "MTG-PL-2014-01-16-VOT-ITM-344715-3");
    assert_eq!(a["activityType"], "PLENARY_VOTE_RESULTS");
    assert_eq!(a["documents"], json!(["A-7-2014-0012"]));
    assert_eq!(a["recordedIn"], json!(["PV-7-2014-01-16-VOT-ITM-003"]));
    assert_eq!(a["partOf"], json!(["MTG-PL-2014-01-16", "2013-2031"]));
    let planned = server.ok("get_meeting_foreseen_activities", json!({"sittingId": "MTG-PL-2014-01-16", "limit": 5}));
    assert_eq!(planned["count"], 1);
    let requests = fake.requests();
    assert_eq!(requests[0], "GET /api/v2/meetings/MTG-PL-2014-01-16/activities?format=application%2Fld%2Bjson&offset=0&limit=20");
    assert!(requests[1].starts_with("GET /api/v2/meetings/MTG-PL-2014-01-16/foreseen-activities?"));
    for bad in ["../x", "MTG PL", "mtg-pl-2014-01-16?x"] {
        server.invalid("get_meeting_activities", json!({"sittingId": bad}));
    }
    server.invalid("get_meeting_activities", json!({}));
}

#[test]
fn decisions_carry_roll_call_positions_and_computed_counts() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let decisions = server.ok("get_meeting_decisions", json!({"sittingId": "MTG-PL-2024-03-12"}));
    let roll_call = &decisions["data"][0];
    assert_eq!(roll_call["method"], "ROLL_CALL_EV");
    assert_eq!(roll_call["outcome"], "ADOPTED");
    assert_eq!(roll_call["tally"], json!({"favor": 4, "against": 1, "abstention": 1}));
    assert_eq!(roll_call["voters"]["against"], json!(["103"]));
    assert_eq!(roll_call["documents"], json!(["A-10-2024-0042"]));
    assert_eq!(roll_call["sittingId"], "MTG-PL-2024-03-12");
    let hands = &decisions["data"][1];
    assert_eq!(hands["method"], "SHOW_OF_HANDS");
    assert!(hands.get("tally").is_none() && hands.get("voters").is_none(), "no invented counts: {hands}");
    // The voters are MEPs the other tools know.
    assert_eq!(server.ok("get_mep_details", json!({"id": roll_call["voters"]["against"][0]}))["id"], "103");
}

#[test]
fn latest_votes_by_date_week_and_latest_sittings() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let day = server.ok("get_latest_votes", json!({"date": "2024-03-12"}));
    assert_eq!(day["sittings"], json!(["2024-03-12"]));
    assert_eq!(ids(&day), ["MTG-PL-2024-03-12-DEC-000001"], "roll calls only");
    assert_eq!(day["data"][0]["voters"]["favor"].as_array().unwrap().len(), 4);
    let counts_only = server.ok("get_latest_votes", json!({"date": "2024-03-12", "includeIndividualVotes": false}));
    assert!(counts_only["data"][0].get("voters").is_none());
    assert_eq!(counts_only["data"][0]["tally"]["favor"], 4);
    let week = server.ok("get_latest_votes", json!({"weekStart": "2024-03-11"}));
    assert_eq!(week["sittings"], json!(["2024-03-12"]));
    assert_eq!(week["sittingsWithoutData"], json!(["2024-03-14", "2024-03-13", "2024-03-11"]));
    let latest = server.ok("get_latest_votes", json!({}));
    assert_eq!(latest["sittingsWithoutData"], json!(["2014-01-13"]), "the only sitting the fake knows");
    assert_eq!(latest["count"], 0);
    for (args, needle) in [
        (json!({"date": "2024-03-12", "weekStart": "2024-03-11"}), "exclusive"),
        (json!({"weekStart": "2024-03-12"}), "Monday"),
        (json!({"date": "2024-02-30"}), "calendar"),
        (json!({"date": "2024-03-12", "term": 10}), "term"),
        (json!({"term": 99}), "term"),
    ] {
        let message = server.invalid("get_latest_votes", args.clone());
        assert!(message.contains(needle), "{args}: {message}");
    }
    assert!(!fake.requests().iter().any(|r| r.contains("doceo")), "only the Open Data API is used");
}

#[test]
fn voting_records_of_a_sitting_and_by_topic() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let one = server.ok("get_voting_records", json!({"sessionId": "MTG-PL-2014-01-16"}));
    assert_eq!(ids(&one), ["MTG-PL-2014-01-16-VOT-ITM-344715-3"]);
    assert!(one["data"][0].get("tally").is_none(), "vote-results carry no tallies and none are invented");
    let topic = server.ok("get_voting_records", json!({"sessionId": "MTG-PL-2014-01-16", "topic": "IMMUNITÉ"}));
    assert_eq!(topic["count"], 1);
    let none = server.ok("get_voting_records", json!({"sessionId": "MTG-PL-2014-01-16", "topic": "fisheries"}));
    assert_eq!(none["count"], 0);
    // Without a sitting: the sittings of the range, newest first.
    let range = server.ok("get_voting_records", json!({"dateFrom": "2014-01-01", "dateTo": "2014-01-31"}));
    assert_eq!(range["count"], 0, "the fake's only sitting in range (13 Jan) has no vote results");
    assert!(fake.requests().iter().any(|r| r.starts_with("GET /api/v2/meetings/MTG-PL-2014-01-13/vote-results?")));
    let resource = server.request("resources/read", json!({"uri": "ep://votes/MTG-PL-2014-01-16"}));
    assert!(resource["result"]["contents"][0]["text"].as_str().unwrap().contains("MTG-PL-2014-01-16-VOT-ITM-344715-3"));
    server.invalid("get_voting_records", json!({"sessionId": "MTG-PL-2014-01-16", "dateFrom": "2014-01-01"}));
    server.invalid("get_voting_records", json!({"sessionId": "../../meps"}));
}

#[test]
fn events_and_speeches() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let events = server.ok("get_events", json!({"limit": 2}));
    assert_eq!(ids(&events), ["MTG-PL-2014-01-13", "MTG-PL-2014-01-16-VOT-ITM-344715-3"]);
    assert_eq!(events["nextOffset"], 2);
    let one = server.ok("get_events", json!({"eventId": "MTG-PL-2014-01-13"}));
    assert_eq!(one["data"][0]["label"], "Monday, 13 January 2014");
    server.ok("get_events", json!({"activityType": "PLENARY_DEBATE"}));
    assert!(fake.requests().iter().any(|r| r.contains("/events?") && r.contains("activity-type=PLENARY_DEBATE")));
    assert!(server.tool_error("get_events", json!({"eventId": "MTG-PL-1999-01-01"})).contains("not found"));

    let speeches = server.ok("get_speeches", json!({"dateFrom": "2022-04-05", "dateTo": "2022-04-05", "mepId": "MEP-1294"}));
    let s = &speeches["data"][0];
    assert_eq!(s["id"], "MTG-PL-2022-04-05-OTH-20680000");
    assert_eq!(s["recordedIn"], json!(["CRE-9-2022-04-05-OTH-20680000"]));
    assert!(s["label"].as_str().unwrap().starts_with("EU Protection of children"));
    assert!(fake.requests().iter().any(|r| r.contains("/speeches?") && r.contains("sitting-date=2022-04-05&sitting-date-end=2022-04-05&person-id=1294")));
    let one = server.ok("get_speeches", json!({"speechId": "MTG-PL-2022-04-05-OTH-20680000"}));
    assert_eq!(one["count"], 1);
    for args in [json!({"dateTo": "2022-04-05"}), json!({"speechId": "../x"}), json!({"speechId": "MTG-PL-2022-04-05-OTH-1", "mepId": "1"})] {
        server.invalid("get_speeches", args);
    }
}

#[test]
fn sitting_documents_through_the_spec_route() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let docs = server.ok("get_meeting_plenary_session_documents", json!({"sittingId": "MTG-PL-2023-11-21"}));
    assert_eq!(docs["data"], json!([{"id": "PV-9-2023-11-21", "items": 1}, {"id": "CRE-9-2023-11-21", "items": 1}]));
    let items = server.ok("get_meeting_plenary_session_document_items", json!({"sittingId": "MTG-PL-2023-11-21"}));
    assert_eq!(items["count"], 3);
    assert_eq!(items["limit"], 20);
    for r in fake.requests() {
        assert!(r.starts_with("GET /api/v2/plenary-session-documents-items?") && r.contains("parent-id=MTG-PL-2023-11-21"), "{r}");
    }
}

#[test]
fn meeting_family_faults_are_clean_errors() {
    for (fault, expected) in [("500", "HTTP 500"), ("truncated", "malformed JSON"), ("error-body", "reported an error")] {
        let fake = Fake::start_with(&["--fault", fault]);
        let mut server = Server::start(&fake);
        for (tool, args) in [
            ("get_meeting_decisions", json!({"sittingId": "MTG-PL-2024-03-12"})),
            ("get_latest_votes", json!({"date": "2024-03-12"})),
            ("get_voting_records", json!({"sessionId": "MTG-PL-2014-01-16"})),
            ("get_events", json!({})),
            ("get_speeches", json!({})),
        ] {
            let message = server.tool_error(tool, args);
            assert!(message.contains(expected), "{tool} under {fault}: {message}");
        }
    }
}
