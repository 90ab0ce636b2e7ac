//! Every tool end to end against the fake, checked against the sample data it serves
//! and against the request the fake received.

use serde_json::{Value, json};

use crate::support::{Fake, Server, ids};

/// A fixture the fake serves, as JSON.
fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ep-api").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

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
fn get_committee_info_by_id_acronym_and_current_list() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let econ = server.ok("get_committee_info", json!({"id": "1"}));
    assert_eq!(econ["data"][0]["abbreviation"], "ECON");
    assert_eq!(econ["data"][0]["name"], "Committee on Economic and Monetary Affairs and Industrial Policy");
    assert_eq!(econ["data"][0]["endDate"], "1992-01-14");
    let current = server.ok("get_committee_info", json!({"showCurrent": true}));
    assert_eq!(current["count"], 58);
    assert!(current["data"].as_array().unwrap().iter().any(|b| b["abbreviation"] == "AFET" && b["id"] == "6562"));
    let missing = server.tool_error("get_committee_info", json!({"abbreviation": "envi"}));
    assert!(missing.contains("ENVI"), "{missing}");
    assert!(fake.requests().iter().any(|r| r.starts_with("GET /api/v2/corporate-bodies/ENVI?")));
    let err = server.invalid("get_committee_info", json!({}));
    assert!(err.contains("showCurrent"), "{err}");
}

#[test]
fn get_corporate_bodies_by_classification() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let bodies = server.ok("get_corporate_bodies", json!({"classification": "COMMITTEE_PARLIAMENTARY_STANDING"}));
    assert_eq!(bodies["data"][0]["abbreviation"], "ECON");
    assert_eq!(bodies["data"][0]["classification"], "COMMITTEE_PARLIAMENTARY_STANDING");
    assert!(fake.requests()[0].contains("/corporate-bodies?format=application%2Fld%2Bjson&body-classification=COMMITTEE_PARLIAMENTARY_STANDING&offset=0"));
    server.invalid("get_corporate_bodies", json!({"classification": "PARTY"}));
}

#[test]
fn get_procedures_list_and_detail_by_reference() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let list = server.ok("get_procedures", json!({}));
    assert_eq!(list["data"][0]["id"], "1972-0003");
    assert_eq!(list["data"][0]["reference"], "1972/0003(COD)");
    assert_eq!(list["data"][0]["procedureType"], "COD");
    for id in ["1972-0003", "1972/0003(COD)"] {
        let one = server.ok("get_procedures", json!({"processId": id}));
        let p = &one["data"][0];
        assert!(p["title"].as_str().unwrap().starts_with("Legal barriers to acquisition"));
        assert_eq!(p["currentStage"], "RDG2");
        assert_eq!(p["events"].as_array().unwrap().len(), 2);
        assert_eq!(p["events"][0]["date"], "1972-11-06");
        assert_eq!(p["documents"], json!(["C-3-1993-0369"]));
    }
    assert!(fake.requests().iter().any(|r| r.starts_with("GET /api/v2/procedures/1972-0003?")));
}

#[test]
fn search_documents_by_id_keyword_and_type() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let doc = server.ok("search_documents", json!({"docId": "A-10-0034-0034-AM-001-001"}));
    let d = &doc["data"][0];
    assert_eq!(d["workType"], "AMENDMENT_LIST");
    assert_eq!(d["date"], "2025-03-27");
    assert_eq!(d["term"], 10);
    assert_eq!(d["files"].as_array().unwrap().len(), 2);
    assert!(d["files"][0]["url"].as_str().unwrap().starts_with("https://data.europarl.europa.eu/distribution/"));
    let found = server.ok("search_documents", json!({"keyword": "climate", "dateFrom": "2025-01-01"}));
    assert_eq!(found["count"], 2);
    assert_eq!(found["data"][0]["workType"], "TEXT_ADOPTED");
    assert!(fake.requests().iter().any(|r| r.contains("/adopted-texts?") && r.contains("text=climate") && r.contains("sitting-date=2025-01-01")));
    let amendments = server.ok("search_documents", json!({"documentType": "AMENDMENT"}));
    assert_eq!(amendments["data"][0]["id"], "A-10-0034-0034-AM-001-001");
    assert!(fake.requests().iter().any(|r| r.contains("/documents?") && r.contains("work-type=AMENDMENT_LIST")));
    let err = server.invalid("search_documents", json!({"documentType": "REGULATION"}));
    assert!(err.contains("acts"), "{err}");
    let err = server.invalid("search_documents", json!({}));
    assert!(err.contains("docId"), "{err}");
}

#[test]
fn get_server_health_reports_observed_outcomes() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let fresh = server.ok("get_server_health", json!({}));
    assert_eq!(fresh["server"]["name"], "epmcp");
    assert_eq!(fresh["tools"]["get_mep_details"]["status"], "unknown");
    server.ok("get_mep_details", json!({"id": "1294"}));
    server.tool_error("get_committee_info", json!({"id": "9999500"}));
    server.invalid("get_procedures", json!({"processId": "../x"})); // the caller's fault: not a health signal
    let health = server.ok("get_server_health", json!({}));
    assert_eq!(health["tools"]["get_mep_details"]["status"], "ok");
    assert_eq!(health["tools"]["get_mep_details"]["calls"], 1);
    assert_eq!(health["tools"]["get_committee_info"]["status"], "error");
    assert_eq!(health["tools"]["get_committee_info"]["lastError"]["reason"], "the EP API answered with an error");
    assert_eq!(health["tools"]["get_procedures"]["status"], "unknown");
    assert!(health["toolCount"].as_u64().unwrap() >= 7);
    assert!(server.invalid("get_server_health", json!({"x": 1})).contains("no arguments"));
    assert!(fake.requests().iter().all(|r| !r.contains("health")), "the host answers it without the network");
}

#[test]
fn get_all_generated_stats_counts_records_per_year_and_invents_nothing() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let stats = server.ok("get_all_generated_stats", json!({"yearFrom": 2023, "yearTo": 2024, "category": "plenary_sessions"}));
    let sittings = fixture("meetings.synthetic.json")["data"].as_array().unwrap().iter().filter(|s| s["activity_id"].as_str().unwrap().starts_with("MTG-PL-2024")).count();
    assert_eq!(sittings, 4);
    assert_eq!(stats["years"][0], json!({"year": 2023, "counts": {"plenary_sessions": 0}}));
    assert_eq!(stats["years"][1], json!({"year": 2024, "counts": {"plenary_sessions": 4}}));
    assert_eq!(stats["upstreamRequests"], 2);
    assert_eq!(stats["predictions"], Value::Null);
    assert!(stats["notes"][0].as_str().unwrap().contains("not produced"));
    assert_eq!(stats["rankings"][0]["years"][0]["rank"], 1);
    let requests = fake.requests();
    for year in [2023, 2024] {
        assert!(requests.iter().any(|r| r.contains("/meetings?") && r.contains(&format!("year={year}")) && r.contains("limit=1000")));
    }
    let all = server.ok("get_all_generated_stats", json!({"yearFrom": 2024, "yearTo": 2024}));
    assert_eq!(all["counted"].as_array().unwrap().len(), 5);
    assert!(all["unavailable"].as_array().unwrap().iter().any(|u| u["category"] == "roll_call_votes"));
    let wide = server.invalid("get_all_generated_stats", json!({"yearFrom": 2004, "yearTo": 2031}));
    assert!(wide.contains("fewer years"), "{wide}");
    let reversed = server.invalid("get_all_generated_stats", json!({"yearFrom": 2025, "yearTo": 2024}));
    assert!(reversed.contains("after"), "{reversed}");
    server.invalid("get_all_generated_stats", json!({"yearFrom": 1999}));
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
