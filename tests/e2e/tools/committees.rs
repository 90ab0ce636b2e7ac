//! The `committees` component: committees and every corporate body.

use serde_json::json;

use crate::support::*;

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
