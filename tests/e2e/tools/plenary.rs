//! The `plenary` component: sittings, their activities and agenda, decisions and roll-call votes, latest votes.

use serde_json::json;

use crate::support::*;

#[test]
fn get_plenary_sessions_by_year_id_dates_and_place() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let year = server.ok("get_plenary_sessions", json!({"year": 2014}));
    assert_eq!(year["data"][0]["id"], "MTG-PL-2014-01-13");
    assert_eq!(year["data"][0]["date"], "2014-01-13");
    assert_eq!(year["data"][0]["location"], "Strasbourg");
    assert_eq!(year["data"][0]["term"], 7);
    assert_eq!(year["data"][0]["label"], "Monday, 13 January 2014");
    let inside = server.ok("get_plenary_sessions", json!({"dateFrom": "2014-01-01", "dateTo": "2014-01-31", "location": "strasbourg"}));
    assert_eq!(inside["count"], 1);
    let outside = server.ok("get_plenary_sessions", json!({"dateFrom": "2014-02-01", "dateTo": "2014-02-28"}));
    assert_eq!(outside["count"], 0);
    let brussels = server.ok("get_plenary_sessions", json!({"year": 2014, "location": "Brussels"}));
    assert_eq!(brussels["count"], 0);
    let err = server.invalid("get_plenary_sessions", json!({"dateFrom": "2014-02-30"}));
    assert!(err.contains("calendar date"), "{err}");
    let err = server.invalid("get_plenary_sessions", json!({"dateFrom": "2014-03-01", "dateTo": "2014-02-01"}));
    assert!(err.contains("after"), "{err}");
    assert!(fake.requests().iter().any(|r| r.contains("/meetings?") && r.contains("year=2014")));
}

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
    assert_eq!(requests[1], "GET /api/v2/meetings/MTG-PL-2014-01-16/foreseen-activities?format=application%2Fld%2Bjson&offset=0&limit=5");
    assert_eq!(planned["data"][0]["id"], "MTG-PL-2014-01-16-VOT-ITM-344715-3");
    for tool in ["get_meeting_activities", "get_meeting_foreseen_activities"] {
        for bad in ["../x", "MTG PL", "mtg-pl-2014-01-16?x", ""] {
            server.invalid(tool, json!({"sittingId": bad}));
        }
        server.invalid(tool, json!({}));
        server.invalid(tool, json!({"sittingId": "MTG-PL-2014-01-16", "limit": 101}));
        server.invalid(tool, json!({"sittingId": "MTG-PL-2014-01-16", "sessionId": "x"}));
    }
    assert_eq!(fake.requests().len(), 2, "refused calls reach nobody");
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
    assert_eq!(decisions["count"], 2);
    assert_eq!(fake.requests(), ["GET /api/v2/meetings/MTG-PL-2024-03-12/decisions?format=application%2Fld%2Bjson&offset=0&limit=50"]);
    // The voters are MEPs the other tools know.
    assert_eq!(server.ok("get_mep_details", json!({"id": roll_call["voters"]["against"][0]}))["id"], "103");
    for args in [
        json!({}),
        json!({"sittingId": "../../meps"}),
        json!({"sittingId": "MTG-PL-2024-03-12/decisions"}),
        json!({"sittingId": "MTG-PL-2024-03-12", "limit": 0}),
        json!({"sittingId": "MTG-PL-2024-03-12", "offset": -1}),
        json!({"sittingId": "MTG-PL-2024-03-12", "includeIndividualVotes": false}),
    ] {
        server.invalid("get_meeting_decisions", args);
    }
}

#[test]
fn a_weeks_sittings_are_read_at_once() {
    // Each request waits 400 ms at the fake: one after another, four days need 1.6 s at least.
    let fake = Fake::start_with(&["--delay-ms", "400"]);
    let mut server = Server::start(&fake);
    let started = std::time::Instant::now();
    let week = server.ok("get_latest_votes", json!({"weekStart": "2024-03-11"}));
    let elapsed = started.elapsed();
    assert_eq!(week["sittings"], json!(["2024-03-13", "2024-03-12"]));
    assert_eq!(fake.requests().len(), 4, "{:?}", fake.requests());
    assert!(elapsed < std::time::Duration::from_millis(1600), "the four days were read one after another: {elapsed:?}");
}

#[test]
fn latest_votes_by_date_week_and_latest_sittings() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let day = server.ok("get_latest_votes", json!({"date": "2024-03-12", "includeIndividualVotes": true}));
    assert_eq!(fake.requests(), ["GET /api/v2/meetings/MTG-PL-2024-03-12/decisions?format=application%2Fld%2Bjson&offset=0&limit=500"]);
    assert_eq!(day["sittings"], json!(["2024-03-12"]));
    assert_eq!(day["sittingsWithoutData"], json!([]));
    assert_eq!(day["data"][0]["tally"], json!({"favor": 4, "against": 1, "abstention": 1}));
    assert_eq!(ids(&day), ["MTG-PL-2024-03-12-DEC-000001"], "roll calls only");
    assert_eq!(day["data"][0]["voters"]["favor"].as_array().unwrap().len(), 4);
    // By default only the counts: hundreds of person ids per vote are asked for, not sent unasked.
    let counts_only = server.ok("get_latest_votes", json!({"date": "2024-03-12"}));
    assert!(counts_only["data"][0].get("voters").is_none());
    assert_eq!(counts_only["limit"], 20);
    assert_eq!(counts_only["data"][0]["tally"]["favor"], 4);
    let week = server.ok("get_latest_votes", json!({"weekStart": "2024-03-11"}));
    assert_eq!(week["sittings"], json!(["2024-03-13", "2024-03-12"]));
    assert_eq!(week["sittingsWithoutData"], json!(["2024-03-14", "2024-03-11"]));
    assert_eq!(week["count"], 4, "three roll calls on the 13th, one on the 12th; shows of hands are not roll calls");
    let latest = server.ok("get_latest_votes", json!({}));
    assert_eq!((&latest["sittings"], &latest["sittingsWithoutData"]), (&json!([]), &json!([])), "the fake has no sitting this year or last");
    assert_eq!(latest["count"], 0);
    for (args, needle) in [
        (json!({"date": "2024-03-12", "weekStart": "2024-03-11"}), "exclusive"),
        (json!({"weekStart": "2024-03-12"}), "Monday"),
        (json!({"date": "2024-02-30"}), "calendar"),
        (json!({"date": "2024-03-12", "term": 10}), "term"),
        (json!({"term": 99}), "term"),
        (json!({"date": "2024-03-12", "source": "doceo"}), "source"),
        (json!({"date": "12/03/2024"}), "date"),
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
    assert_eq!(fake.requests(), ["GET /api/v2/meetings/MTG-PL-2014-01-16/vote-results?format=application%2Fld%2Bjson&offset=0&limit=50"]);
    assert_eq!((&one["sittings"], &one["olderSittingsUnread"]), (&json!(["MTG-PL-2014-01-16"]), &json!(false)));
    assert_eq!(one["data"][0]["documents"], json!(["A-7-2014-0012"]));
    assert!(one["data"][0].get("tally").is_none(), "vote-results carry no tallies and none are invented");
    let topic = server.ok("get_voting_records", json!({"sessionId": "MTG-PL-2014-01-16", "topic": "IMMUNITÉ"}));
    assert_eq!(topic["count"], 1);
    let none = server.ok("get_voting_records", json!({"sessionId": "MTG-PL-2014-01-16", "topic": "fisheries"}));
    assert_eq!(none["count"], 0);
    // Without a sitting: the sittings of the range, newest first.
    let range = server.ok("get_voting_records", json!({"dateFrom": "2014-01-01", "dateTo": "2014-01-31"}));
    assert_eq!(range["count"], 0, "the fake's only sitting in range (13 Jan) has no vote results");
    assert_eq!((&range["sittings"], &range["olderSittingsUnread"]), (&json!(["MTG-PL-2014-01-13"]), &json!(false)));
    let requests = fake.requests();
    let tail = &requests[requests.len() - 2..];
    assert_eq!(tail[0], "GET /api/v2/meetings?format=application%2Fld%2Bjson&year=2014&offset=0&limit=500");
    assert_eq!(tail[1], "GET /api/v2/meetings/MTG-PL-2014-01-13/vote-results?format=application%2Fld%2Bjson&offset=0&limit=500");
    // No range: sittings up to today, newest year first, and a bounded number of years.
    let before = fake.requests().len();
    let latest = server.ok("get_voting_records", json!({}));
    let march = json!(["MTG-PL-2024-03-14", "MTG-PL-2024-03-13", "MTG-PL-2024-03-12", "MTG-PL-2024-03-11"]);
    assert_eq!(latest["sittings"], march, "the sittings of the years read (2024 is among them), newest first");
    assert_eq!(latest["olderSittingsUnread"], true, "older years were not read, and the answer says so");
    assert_eq!(latest["hasMore"], false, "no endless paging over the same sittings");
    let years = fake.requests()[before..].iter().filter(|r| r.starts_with("GET /api/v2/meetings?")).count();
    assert_eq!(years, 6);
    let resource = server.request("resources/read", json!({"uri": "ep://votes/MTG-PL-2014-01-16"}));
    assert!(resource["result"]["contents"][0]["text"].as_str().unwrap().contains("MTG-PL-2014-01-16-VOT-ITM-344715-3"));
    server.invalid("get_voting_records", json!({"sessionId": "MTG-PL-2014-01-16", "dateFrom": "2014-01-01"}));
    for args in [
        json!({"sessionId": "../../meps"}),
        json!({"sessionId": "MTG-PL-2014-01-16", "term": 10}),
        json!({"dateFrom": "2014-02-01", "dateTo": "2014-01-01"}),
        json!({"dateFrom": "2014-02-30"}),
        json!({"topic": ""}),
        json!({"limit": 101}),
    ] {
        server.invalid("get_voting_records", args);
    }
}

#[test]
fn meeting_family_faults_are_clean_errors() {
    let calls = [
        ("get_meeting_decisions", json!({"sittingId": "MTG-PL-2024-03-12"})),
        ("get_meeting_activities", json!({"sittingId": "MTG-PL-2014-01-16"})),
        ("get_meeting_foreseen_activities", json!({"sittingId": "MTG-PL-2014-01-16"})),
        ("get_latest_votes", json!({"date": "2024-03-12"})),
        ("get_voting_records", json!({"sessionId": "MTG-PL-2014-01-16"})),
        ("get_voting_records", json!({"dateFrom": "2014-01-01", "dateTo": "2014-01-31"})),
        ("get_events", json!({})),
        ("get_speeches", json!({})),
        ("get_meeting_plenary_session_documents", json!({"sittingId": "MTG-PL-2023-11-21"})),
    ];
    for (fault, expected) in [
        ("500", "HTTP 500"),
        ("truncated", "malformed JSON"),
        ("html", "malformed JSON"),
        ("error-body", "reported an error"),
        ("slow", "did not answer in time"),
    ] {
        let fake = Fake::start_with(&["--fault", fault]);
        let mut options = Options::breaker_off();
        options.env.push(("EPMCP_UPSTREAM_TIMEOUT_MS", "300".into()));
        let mut server = Server::start_with(&fake, options);
        for (tool, args) in &calls {
            if fault == "slow" && *tool != "get_latest_votes" {
                continue; // one timeout proves the path; each costs the timeout
            }
            let message = server.tool_error(tool, args.clone());
            assert!(message.contains(expected), "{tool} under {fault}: {message}");
            assert!(!message.contains("<html>") && !message.contains("backend failure"), "{tool} leaked the body: {message}");
        }
    }
    // A detail lookup the EP API does not know is "not found", not an upstream failure.
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    for (tool, args) in [("get_speeches", json!({"speechId": "9999404"})), ("get_events", json!({"eventId": "9999404"}))] {
        let message = server.tool_error(tool, args.clone());
        assert!(message.contains("not found") && !message.contains("HTTP"), "{tool}: {message}");
    }
    assert!(fake.requests().iter().all(|r| r.contains("/9999404?")), "{:?}", fake.requests());
}

#[test]
fn an_empty_default_year_says_so_and_names_the_year_before() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    // The samples hold no sitting of the current year: "none yet", not "none exist".
    let sittings = server.ok("get_plenary_sessions", json!({}));
    assert_eq!(sittings["count"], 0, "{sittings}");
    let note = sittings["note"].as_str().unwrap();
    let year: u32 = sittings["endpoint"].as_str().unwrap().rsplit('=').next().unwrap().parse().unwrap();
    assert_eq!(note, format!("no sittings yet for {year} (the default year); try year {}", year - 1));
    // A year the caller chose is taken at its word, and a year with sittings needs no note.
    let chosen = server.ok("get_plenary_sessions", json!({"year": year}));
    assert!(chosen.get("note").is_none(), "{chosen}");
    let found = server.ok("get_plenary_sessions", json!({"year": 2014, "limit": 1}));
    assert!(found["count"].as_u64().unwrap() > 0 && found.get("note").is_none(), "{found}");
}
