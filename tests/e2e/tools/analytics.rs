//! The analytics, with answers worked by hand from the fixtures: two synthetic sitting
//! days (12 and 13 March 2024) with four roll calls of seven MEPs in five groups
//! (101, 107 EPP; 102, 106 S&D; 103 ECR; 104 Renew; 105 Greens/EFA):
//!
//! | roll call | for | against | abstain | absent |
//! |---|---|---|---|---|
//! | 12-DEC-1 | 101 102 104 105 | 103 | 106 | 107 |
//! | 13-DEC-1 | 101 107 102 106 104 | 103 105 | | |
//! | 13-DEC-2 | 101 103 | 107 102 106 105 | 104 | |
//! | 13-DEC-3 | 105 106 | 101 107 103 | 102 | 104 |
//!
//! (13-DEC-4 is a show of hands: no voter lists, not a roll call.) docs/METHODS.md
//! defines each measure; the figures below follow from it by hand.

use serde_json::{Value, json};

use crate::support::{Fake, Server, TempDir};

const MARCH: (&str, &str) = ("2024-03-11", "2024-03-14");

fn with_period(mut args: Value) -> Value {
    args["dateFrom"] = MARCH.0.into();
    args["dateTo"] = MARCH.1.into();
    args
}

fn check_basis(result: &Value) {
    check_basis_over(result, MARCH.0);
}

/// The basis of a result over a period from `from` to 14 March 2024 (same data: the
/// fixtures' sittings are 11–14 March).
fn check_basis_over(result: &Value, from: &str) {
    assert_eq!(result["period"], json!({"from": from, "to": "2024-03-14"}));
    assert_eq!(
        result["coverage"],
        json!({"sittings": 2, "sittingsWithoutRollCalls": 2, "rollCalls": 4, "voters": 7, "roster": 7}),
        "{result}"
    );
    assert_eq!(result["sittingIds"], json!(["MTG-PL-2024-03-12", "MTG-PL-2024-03-13"]));
    assert!(result["endpoints"].as_array().unwrap().contains(&json!("meetings/{sitting-id}/decisions")));
    assert!(result["methodology"].as_str().unwrap().len() > 40);
    let warnings = result["dataQualityWarnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w.as_str().unwrap().contains("current group")), "{warnings:?}");
    assert!(result["sourceAttribution"].as_str().unwrap().contains("CC BY 4.0"));
    assert!(!result.to_string().contains("NaN"));
}

#[test]
fn attendance_counts_every_roll_call_of_the_period() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let all = server.ok("track_mep_attendance", with_period(json!({})));
    check_basis(&all);
    assert_eq!(all["mepsMatched"], 7);
    assert_eq!(all["averageAttendanceRate"], 0.9643, "(6 × 1 + 0.75) / 7");
    let rows: Vec<(&str, f64)> = all["meps"].as_array().unwrap().iter().map(|m| (m["id"].as_str().unwrap(), m["attendanceRate"].as_f64().unwrap())).collect();
    assert_eq!(rows[..3], [("104", 0.75), ("101", 1.0), ("102", 1.0)], "lowest first, then by id");
    // 107 (outgoing) took his seat on 13 March (his record's mandates): the roll call of the
    // 12th is not his to miss. 3 of 3, not 3 of 4.
    let joined = all["meps"].as_array().unwrap().iter().find(|m| m["id"] == "107").unwrap();
    assert_eq!((&joined["rollCalls"], &joined["voted"], &joined["attendanceRate"]), (&json!(3), &json!(3), &json!(1.0)));
    let warnings = all["dataQualityWarnings"].to_string();
    assert!(warnings.contains("only the roll calls inside the mandate for MEPs who joined or left during the period: 107"), "{warnings}");
    assert!(warnings.contains("could not be read for MEPs who joined or left during the term: 105 (voted outside"), "{warnings}");
    assert!(warnings.contains("begins before the current term (2024-07-16)"), "{warnings}");
    assert!(all["endpoints"].to_string().contains("meps/{mep-id}"), "{}", all["endpoints"]);
    let renew = server.ok("track_mep_attendance", with_period(json!({"groupId": "Renew Europe"})));
    assert_eq!(renew["meps"], json!([{"id": "104", "name": "Elena PAPADAKI (synthetic)", "group": "Renew", "country": "EL", "rollCalls": 4, "voted": 3, "attendanceRate": 0.75}]));
    let greece = server.ok("track_mep_attendance", with_period(json!({"country": "EL"})));
    assert_eq!(greece["mepsMatched"], 1);
    let one = server.ok("track_mep_attendance", with_period(json!({"mepId": "MEP-107", "limit": 1})));
    assert_eq!((one["meps"][0]["voted"].as_u64(), one["meps"][0]["attendanceRate"].as_f64()), (Some(3), Some(1.0)));
    let requests = fake.requests();
    assert!(requests.iter().any(|r| r.starts_with("GET /api/v2/meetings?") && r.contains("year=2024")), "{requests:?}");
    for day in ["11", "12", "13", "14"] {
        assert!(requests.iter().any(|r| r.starts_with(&format!("GET /api/v2/meetings/MTG-PL-2024-03-{day}/decisions?"))), "{requests:?}");
    }
    // No roll call in the period: nulls and a warning, not zeros.
    let empty = server.ok("track_mep_attendance", json!({"dateFrom": "2024-04-01", "dateTo": "2024-04-30"}));
    assert_eq!(empty["averageAttendanceRate"], Value::Null);
    assert!(empty["meps"].as_array().unwrap().iter().all(|m| m["attendanceRate"].is_null() && m["rollCalls"] == 0));
    assert!(empty["dataQualityWarnings"].to_string().contains("No roll-call vote was found"), "{empty}");
    assert!(server.tool_error("track_mep_attendance", with_period(json!({"mepId": "999"}))).contains("not a current MEP"));
    for (args, needle) in [
        (json!({"dateFrom": "2024-03-14", "dateTo": "2024-03-11"}), "after"),
        (json!({"dateFrom": "2022-01-01", "dateTo": "2024-01-01"}), "at most 366"),
        (json!({"country": "Greece"}), "country"),
        (json!({"mepId": "../meps"}), "mepId"),
        (json!({"limit": 0}), "limit"),
    ] {
        let message = server.invalid("track_mep_attendance", args.clone());
        assert!(message.contains(needle), "{args}: {message}");
    }
}

#[test]
fn groups_are_compared_on_cohesion_discipline_and_attendance() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let compared = server.ok("compare_political_groups", with_period(json!({"groupIds": ["EPP", "S-D", "ECR"]})));
    check_basis(&compared);
    let groups = compared["groups"].as_array().unwrap();
    assert_eq!(groups[0], json!({"group": "EPP", "members": 2, "cohesion": 0.75, "cohesionRollCalls": 3, "votingDiscipline": 1.0, "attendance": 1.0, "activityLevel": null, "legislativeOutput": null}), "107 voted in every roll call of his mandate");
    assert_eq!(groups[1], json!({"group": "S&D", "members": 2, "cohesion": 0.625, "cohesionRollCalls": 4, "votingDiscipline": 1.0, "attendance": 1.0, "activityLevel": null, "legislativeOutput": null}));
    assert_eq!((groups[2]["cohesion"].clone(), groups[2]["cohesionRollCalls"].clone()), (Value::Null, json!(0)), "one member never votes with another");
    assert_eq!(compared["rankings"]["cohesion"], json!(["EPP", "S&D"]));
    assert_eq!(compared["rankings"]["attendance"], json!(["ECR", "EPP", "S&D"]), "all three at 1.0");
    let warnings = compared["dataQualityWarnings"].to_string();
    assert!(warnings.contains("activity_level") && warnings.contains("legislative_output"), "{warnings}");
    let only = server.ok("compare_political_groups", with_period(json!({"groupIds": ["EPP", "S&D"], "dimensions": ["cohesion"]})));
    assert!(only["groups"][0].get("attendance").is_none() && only["groups"][0]["cohesion"] == 0.75, "{only}");
    assert!(server.invalid("compare_political_groups", with_period(json!({"groupIds": ["EPP", "PPE"]}))).contains("two different groups"));
    assert!(server.invalid("compare_political_groups", json!({"groupIds": ["EPP"]})).contains("groupIds"));
    assert!(server.invalid("compare_political_groups", json!({"groupIds": ["EPP", "ECR"], "dimensions": ["sentiment"]})).contains("dimensions"));
}

#[test]
fn coalitions_are_pairwise_agreement_of_group_positions() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let coalitions = server.ok("analyze_coalition_dynamics", with_period(json!({})));
    check_basis(&coalitions);
    let pair = |a: &str, b: &str| {
        coalitions["pairs"].as_array().unwrap().iter().find(|p| p["groups"] == json!([a, b])).cloned().unwrap_or_else(|| panic!("{a}-{b}: {coalitions}"))
    };
    assert_eq!(pair("EPP", "S&D"), json!({"groups": ["EPP", "S&D"], "rollCallsCompared": 1, "samePosition": 1, "agreement": 1.0}));
    assert_eq!(pair("ECR", "EPP")["agreement"], 0.3333);
    assert_eq!(pair("ECR", "S&D")["agreement"], 0.0);
    assert_eq!(pair("ECR", "Greens/EFA")["agreement"], 0.25);
    assert_eq!(pair("Greens/EFA", "S&D")["agreement"], 0.5);
    assert_eq!(pair("Renew", "S&D")["agreement"], 0.5);
    assert_eq!(coalitions["pairs"].as_array().unwrap().len(), 10, "five groups, ten pairs");
    assert_eq!(coalitions["cohesiveGroups"], json!(["EPP", "S&D"]));
    let strict = server.ok("analyze_coalition_dynamics", with_period(json!({"groupIds": ["EPP", "S&D"], "minimumCohesion": 0.7})));
    assert_eq!(strict["cohesiveGroups"], json!(["EPP"]));
    assert_eq!(strict["pairs"].as_array().unwrap().len(), 1);
    assert!(server.invalid("analyze_coalition_dynamics", json!({"minimumCohesion": 2})).contains("minimumCohesion"));
}

#[test]
fn an_meps_votes_against_their_group_and_the_others() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let weber = server.ok("analyze_voting_patterns", with_period(json!({"mepId": "101"})));
    check_basis(&weber);
    assert_eq!(weber["group"], "EPP");
    assert_eq!((weber["rollCalls"].as_u64(), weber["voted"].as_u64(), weber["participationRate"].as_f64()), (Some(4), Some(4), Some(1.0)));
    assert_eq!(weber["positions"], json!({"for": 3, "against": 1, "abstain": 0}));
    assert_eq!(weber["groupLine"], json!({"rollCallsCompared": 2, "withGroup": 2, "loyalty": 1.0, "defections": []}));
    let others: Vec<(&str, f64)> = weber["otherGroups"].as_array().unwrap().iter().map(|g| (g["group"].as_str().unwrap(), g["agreement"].as_f64().unwrap())).collect();
    assert_eq!(others, [("Renew", 0.6667), ("ECR", 0.5), ("S&D", 0.5), ("Greens/EFA", 0.25)]);
    let plain = server.ok("analyze_voting_patterns", with_period(json!({"mepId": "person/104", "compareWithGroup": false})));
    assert_eq!(plain["positions"], json!({"for": 2, "against": 0, "abstain": 1}));
    assert!(plain.get("groupLine").is_none() && plain.get("otherGroups").is_none(), "{plain}");
    assert!(server.invalid("analyze_voting_patterns", json!({})).contains("mepId"));
}

#[test]
fn a_country_delegation_its_groups_and_its_unity() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let greece = server.ok("analyze_country_delegation", with_period(json!({"country": "EL"})));
    check_basis(&greece);
    assert_eq!((greece["members"].as_u64(), &greece["groups"]), (Some(1), &json!({"Renew": 1})));
    assert_eq!(greece["attendanceRate"], 0.75);
    assert_eq!((&greece["cohesion"], &greece["cohesionRollCalls"], &greece["groupLoyalty"]), (&Value::Null, &json!(0), &Value::Null));
    assert!(greece["dataQualityWarnings"].to_string().contains("no roll call had two members of the delegation"), "{greece}");
    assert_eq!(greece["meps"], json!([{"id": "104", "name": "Elena PAPADAKI (synthetic)", "group": "Renew", "attendanceRate": 0.75, "loyalty": null}]));
    assert!(server.tool_error("analyze_country_delegation", with_period(json!({"country": "XX"}))).contains("no current MEP represents 'XX'"));
    assert!(server.invalid("analyze_country_delegation", json!({"country": "GRC"})).contains("country"));
}

#[test]
fn the_landscape_counts_seats_and_their_fragmentation() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let landscape = server.ok("generate_political_landscape", with_period(json!({"live": true})));
    check_basis(&landscape);
    assert_eq!((landscape["totalMeps"].as_u64(), landscape["withoutGroup"].as_u64(), landscape["majorityThreshold"].as_u64()), (Some(7), Some(0), Some(4)));
    assert_eq!(landscape["effectiveNumberOfGroups"], 4.4545, "1 / ((4 + 4 + 1 + 1 + 1) / 49) = 49 / 11");
    assert_eq!(landscape["largestGroupShare"], 0.2857);
    let groups: Vec<(&str, u64, Value)> = landscape["groups"].as_array().unwrap().iter().map(|g| (g["group"].as_str().unwrap(), g["seats"].as_u64().unwrap(), g["cohesion"].clone())).collect();
    assert_eq!(groups, [("EPP", 2, json!(0.75)), ("S&D", 2, json!(0.625)), ("ECR", 1, Value::Null), ("Greens/EFA", 1, Value::Null), ("Renew", 1, Value::Null)]);
    assert!(landscape["dataQualityWarnings"].to_string().contains("live: every analysis reads the EP API"), "{landscape}");
}

#[test]
fn anomalies_are_defections_above_the_group_baseline() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let all = server.ok("detect_voting_anomalies", with_period(json!({})));
    check_basis(&all);
    // Two-member groups can only agree or tie; singletons have no decisive roll call.
    assert_eq!((&all["anomalies"], all["mepsExamined"].as_u64()), (&json!([]), Some(4)));
    let epp = server.ok("detect_voting_anomalies", with_period(json!({"groupId": "PPE", "sensitivityThreshold": 0})));
    assert_eq!((&epp["anomalies"], epp["mepsExamined"].as_u64()), (&json!([]), Some(2)));
    assert!(server.invalid("detect_voting_anomalies", json!({"mepId": "101", "groupId": "EPP"})).contains("exclude"));
    assert!(server.tool_error("detect_voting_anomalies", with_period(json!({"mepId": "999"}))).contains("not a current MEP"));
    assert!(server.invalid("detect_voting_anomalies", json!({"sensitivityThreshold": 1.5})).contains("sensitivityThreshold"));
}

#[test]
fn sentiment_is_reported_as_what_it_is_cohesion_by_month() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let month = server.ok("sentiment_tracker", json!({"timeframe": "last_month", "dateTo": "2024-03-14"}));
    check_basis_over(&month, "2024-02-14");
    assert!(month["measure"].as_str().unwrap().contains("no sentiment"), "{month}");
    let group = |name: &str| month["groups"].as_array().unwrap().iter().find(|g| g["group"] == name).cloned().unwrap();
    assert_eq!(group("EPP"), json!({"group": "EPP", "months": [{"month": "2024-03", "rollCalls": 3, "cohesion": 0.75}], "cohesion": 0.75, "trend": null}));
    assert_eq!(group("S&D")["cohesion"], 0.625);
    assert_eq!(group("ECR"), json!({"group": "ECR", "months": [], "cohesion": null, "trend": null}));
    let quarter = server.ok("sentiment_tracker", json!({"groupId": "S-D", "dateTo": "2024-03-14"}));
    assert_eq!(quarter["period"]["from"], "2023-12-15", "91 days by default");
    assert_eq!(quarter["groups"].as_array().unwrap().len(), 1);
    assert!(server.invalid("sentiment_tracker", json!({"timeframe": "last_week"})).contains("timeframe"));
}

#[test]
fn meps_compared_side_by_side_and_pair_by_pair() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let compared = server.ok("comparative_intelligence", with_period(json!({"mepIds": ["101", "107", "103"]})));
    check_basis(&compared);
    assert_eq!(compared["meps"][1], json!({"mepId": "107", "name": "Henrik NIELSEN (synthetic)", "group": "EPP", "voting": 1.0, "attendance": 1.0, "committee": null, "legislative": null}));
    assert_eq!(compared["meps"][2]["voting"], Value::Null, "a one-member group is never decisive");
    let pairs: Vec<(Value, Value)> = compared["coVoting"].as_array().unwrap().iter().map(|p| (p["meps"].clone(), p["agreement"].clone())).collect();
    assert_eq!(pairs, [(json!(["101", "107"]), json!(0.6667)), (json!(["101", "103"]), json!(0.5)), (json!(["107", "103"]), json!(0.3333))]);
    let warnings = compared["dataQualityWarnings"].to_string();
    assert!(warnings.contains("committee:") && warnings.contains("legislative:"), "{warnings}");
    let attendance_only = server.ok("comparative_intelligence", with_period(json!({"mepIds": ["104", "MEP-105"], "dimensions": ["attendance"]})));
    assert_eq!(attendance_only["meps"][0], json!({"mepId": "104", "name": "Elena PAPADAKI (synthetic)", "group": "Renew", "attendance": 0.75}));
    assert!(server.invalid("comparative_intelligence", json!({"mepIds": ["101"]})).contains("mepIds"));
    assert!(server.invalid("comparative_intelligence", with_period(json!({"mepIds": ["101", "person/101"]}))).contains("two different"));
}

#[test]
fn the_co_voting_network_and_its_components() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let network = server.ok("network_analysis", with_period(json!({"analysisType": "voting", "minSimilarity": 0.6})));
    check_basis(&network);
    let edges: Vec<&Value> = network["edges"].as_array().unwrap().iter().map(|e| &e["meps"]).collect();
    assert_eq!(edges, [&json!(["101", "104"]), &json!(["101", "107"]), &json!(["102", "104"]), &json!(["102", "107"]), &json!(["106", "107"])]);
    assert!(network["edges"].as_array().unwrap().iter().all(|e| e["agreement"] == 0.6667 && e["sharedRollCalls"] == 3));
    assert_eq!(network["components"], json!([["101", "102", "104", "106", "107"], ["103"], ["105"]]));
    let degree: Vec<(&str, u64)> = network["nodes"].as_array().unwrap().iter().map(|n| (n["mepId"].as_str().unwrap(), n["degree"].as_u64().unwrap())).collect();
    assert_eq!(degree, [("101", 2), ("102", 2), ("103", 0), ("104", 2), ("105", 0), ("106", 1), ("107", 3)]);
    let near = server.ok("network_analysis", with_period(json!({"mepId": "106", "depth": 1, "analysisType": "voting", "minSimilarity": 0.6})));
    assert_eq!(near["components"], json!([["106", "107"]]));
    let two_hops = server.ok("network_analysis", with_period(json!({"mepId": "MEP-106", "analysisType": "voting", "minSimilarity": 0.6})));
    assert_eq!(two_hops["components"], json!([["101", "102", "106", "107"]]));
    assert_eq!(two_hops["edges"].as_array().unwrap().len(), 3);
    let strict = server.ok("network_analysis", with_period(json!({})));
    assert_eq!((strict["edges"].as_array().unwrap().len(), strict["components"].as_array().unwrap().len()), (0, 7), "no pair agrees 70 % of the time");
    assert!(strict["dataQualityWarnings"].to_string().contains("combined: committee co-membership is not read yet"));
    assert!(server.invalid("network_analysis", with_period(json!({"analysisType": "committee"}))).contains("committee memberships"));
    assert!(server.invalid("network_analysis", json!({"depth": 4})).contains("depth"));
}

#[test]
fn early_warnings_name_their_value_threshold_and_evidence() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let medium = server.ok("early_warning_system", json!({"dateTo": "2024-03-14"}));
    check_basis_over(&medium, "2024-02-14");
    assert_eq!((&medium["warnings"], &medium["thresholds"]), (&json!([]), &json!({"cohesion": 0.6, "attendance": 0.7})));
    let high = server.ok("early_warning_system", json!({"sensitivity": "high", "dateTo": "2024-03-14"}));
    let flagged: Vec<(&str, &str, f64)> = high["warnings"].as_array().unwrap().iter().map(|w| (w["type"].as_str().unwrap(), w["subject"].as_str().unwrap(), w["value"].as_f64().unwrap())).collect();
    assert_eq!(flagged, [("LOW_GROUP_COHESION", "S&D", 0.625), ("LOW_ATTENDANCE", "104", 0.75)], "107 is not flagged for a roll call before his mandate");
    assert_eq!(high["warnings"][1]["evidence"], "voted in 3 of 4 roll calls");
    let attendance = server.ok("early_warning_system", json!({"sensitivity": "high", "focusArea": "attendance", "dateTo": "2024-03-14"}));
    assert_eq!(attendance["warnings"].as_array().unwrap().len(), 1);
    assert!(server.invalid("early_warning_system", json!({"sensitivity": "extreme"})).contains("sensitivity"));
}

/// A Parliament-sized day, generated: 720 MEPs in three groups and 600 roll calls in which
/// MEP i votes for when (i + k) % 3 = 0, against when it is 1, and is absent when it is 2.
/// Every MEP therefore voted in 400 of the 600. The answer needs the whole roster (two
/// pages of 500) and every page of decisions.
fn parliament_sized() -> TempDir {
    let dir = TempDir::new("parliament");
    let write = |name: &str, data: Value| std::fs::write(dir.0.join(name), json!({"data": data}).to_string()).unwrap();
    write("meetings.json", json!([{"id": "eli/dl/event/MTG-PL-2024-05-07", "activity_id": "MTG-PL-2024-05-07", "activity_date": "2024-05-07"}]));
    let groups = ["EPP", "S&D", "Renew"];
    let roster: Vec<Value> = (0..720)
        .map(|i| json!({"id": format!("person/{}", 1000 + i), "identifier": (1000 + i).to_string(), "label": format!("MEP {i} (generated)"),
                        "api:political-group": groups[i % 3], "api:country-of-representation": "BE"}))
        .collect();
    write("meps-show-current.json", Value::Array(roster));
    let decisions: Vec<Value> = (0..600)
        .map(|k| {
            let voters = |r: usize| (0..720).filter(|i| (i + k) % 3 == r).map(|i| format!("person/{}", 1000 + i)).collect::<Vec<_>>();
            json!({"id": format!("eli/dl/event/MTG-PL-2024-05-07-DEC-{k:06}"), "activity_id": format!("MTG-PL-2024-05-07-DEC-{k:06}"),
                   "activity_date": "2024-05-07", "had_voter_favor": voters(0), "had_voter_against": voters(1)})
        })
        .collect();
    write("meetings-{sitting-id}-decisions.MTG-PL-2024-05-07.json", Value::Array(decisions));
    dir
}

/// The structured result of a call that must succeed (large results are summarised in
/// their text block, so only structuredContent is whole).
fn structured(server: &mut Server, tool: &str, arguments: Value) -> Value {
    let response = server.call(tool, arguments);
    assert_eq!(response["result"]["isError"], false, "{tool}: {response}");
    response["result"]["structuredContent"].clone()
}

#[test]
fn a_parliament_sized_day_is_read_whole() {
    let fixtures = parliament_sized();
    let fake = Fake::serving(&fixtures.0, &[]);
    let mut server = Server::start(&fake);
    let attendance = structured(&mut server, "track_mep_attendance", json!({"dateFrom": "2024-05-07", "dateTo": "2024-05-07", "limit": 100}));
    assert_eq!(attendance["coverage"], json!({"sittings": 1, "sittingsWithoutRollCalls": 0, "rollCalls": 600, "voters": 720, "roster": 720}));
    assert_eq!((attendance["mepsMatched"].as_u64(), attendance["averageAttendanceRate"].as_f64()), (Some(720), Some(0.6667)));
    assert_eq!(attendance["meps"].as_array().unwrap().len(), 100);
    let requests = fake.requests();
    for page in ["meps/show-current?format=application%2Fld%2Bjson&offset=500", "MTG-PL-2024-05-07/decisions?format=application%2Fld%2Bjson&offset=500"] {
        assert!(requests.iter().any(|r| r.contains(page)), "no {page} in {requests:?}");
    }
    // A group's members share i % 3, so each roll call finds a group all voting alike or all
    // absent: present in 400 roll calls, unanimous in each.
    let compared = structured(&mut server, "compare_political_groups", json!({"groupIds": ["EPP", "S&D", "Renew"], "dateFrom": "2024-05-07", "dateTo": "2024-05-07"}));
    for group in compared["groups"].as_array().unwrap() {
        assert_eq!((&group["members"], &group["cohesionRollCalls"], &group["cohesion"], &group["attendance"]), (&json!(240), &json!(400), &json!(1.0), &json!(0.6667)), "{group}");
    }
    let network = structured(&mut server, "network_analysis", json!({"analysisType": "voting", "minSimilarity": 0.9, "dateFrom": "2024-05-07", "dateTo": "2024-05-07"}));
    assert_eq!(network["coverage"]["voters"], 720);
    assert_eq!(network["edges"].as_array().unwrap().len(), 200);
    // Listed edges stop at 200; a node's degree counts all of its edges, and the result says so.
    let degree_sum: u64 = network["nodes"].as_array().unwrap().iter().map(|n| n["degree"].as_u64().unwrap()).sum();
    assert!(degree_sum > 400, "{degree_sum}");
    assert!(network["dataQualityWarnings"].to_string().contains("degrees and components count all of them"), "{}", network["dataQualityWarnings"]);
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (the civil calendar, as the tools count).
fn day_number(date: &str) -> i64 {
    let (y, m, d) = (date[..4].parse::<i64>().unwrap(), date[5..7].parse::<i64>().unwrap(), date[8..10].parse::<i64>().unwrap());
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

#[test]
fn a_procedure_tracked_event_by_event_and_stage_by_stage() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let tracked = server.ok("track_legislation", json!({"procedureId": "1972/0003(COD)"}));
    assert_eq!((tracked["procedureId"].as_str(), tracked["reference"].as_str(), tracked["procedureType"].as_str()), (Some("1972-0003"), Some("1972/0003(COD)"), Some("COD")));
    assert_eq!(tracked["currentStage"], "RDG2");
    let ids: Vec<&str> = tracked["timeline"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1972-0003-ANPRO-1972-11-06", "1972-0003-DEC-DCPL-1991-07-10"], "the record's and the endpoint's events, once each, oldest first");
    assert_eq!(tracked["stages"], json!([{"stage": "RDG1", "firstEvent": "1972-11-06", "lastEvent": "1991-07-10", "events": 2, "daysToNextStage": null}]));
    assert_eq!(tracked["lastEventDate"], "1991-07-10");
    let since = day_number(tracked["asOf"].as_str().unwrap()) - day_number("1991-07-10");
    assert_eq!(tracked["daysSinceLastEvent"], since);
    assert_eq!(tracked["documents"], json!(["C-3-1993-0369"]));
    assert!(tracked["dataQualityWarnings"].to_string().contains("current stage RDG2 has no recorded event yet"), "{tracked}");
    assert_eq!(tracked["endpoints"], json!(["procedures/{process-id}", "procedures/{process-id}/events"]), "both answered");
    let requests = fake.requests();
    assert!(requests.iter().any(|r| r.starts_with("GET /api/v2/procedures/1972-0003?")) && requests.iter().any(|r| r.starts_with("GET /api/v2/procedures/1972-0003/events?")), "{requests:?}");
    assert!(server.tool_error("track_legislation", json!({"procedureId": "2099-0001"})).contains("not found"));
    assert!(server.invalid("track_legislation", json!({"procedureId": "../../meps"})).contains("procedureId"));
}

#[test]
fn reports_assemble_the_analyses_and_restate_their_figures() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let mep = structured(&mut server, "generate_report", with_period(json!({"reportType": "MEP_ACTIVITY", "subjectId": "101"})));
    assert_eq!(mep["summary"], json!(["Voted in 4 of 4 roll calls (participation 1.0).", "For 3, against 1, abstained 0.", "Loyalty to the group's position: 1.0."]));
    let tools: Vec<&str> = mep["sections"].as_array().unwrap().iter().map(|s| s["tool"].as_str().unwrap()).collect();
    assert_eq!(tools, ["analyze_voting_patterns", "track_mep_attendance"]);
    check_basis(&mep["sections"][0]["result"]);
    assert!(mep["dataQualityWarnings"].to_string().contains("current group"), "{mep}");
    let stats = structured(&mut server, "generate_report", with_period(json!({"reportType": "VOTING_STATISTICS"})));
    assert_eq!(stats["summary"], json!(["4 roll calls in 2 sittings.", "7 MEPs; majority threshold 4; effective number of groups 4.4545."]));
    let progress = structured(&mut server, "generate_report", json!({"reportType": "LEGISLATION_PROGRESS", "subjectId": "1972-0003"}));
    assert_eq!(progress["summary"], json!(["Current stage RDG2; 2 events; last event 1991-07-10."]));
    let committee = structured(&mut server, "generate_report", with_period(json!({"reportType": "COMMITTEE_PERFORMANCE", "subjectId": "AFCO"})));
    assert_eq!(committee["summary"], json!(["AFCO.", "1 document(s) in parliamentary term(s) [9]."]));
    assert_eq!(committee["sections"][0]["tool"], "analyze_committee_activity");
    assert!(server.invalid("generate_report", json!({"reportType": "MEP_ACTIVITY"})).contains("subjectId is required"));
    assert!(server.invalid("generate_report", json!({"reportType": "GOSSIP"})).contains("reportType"));
}

#[test]
fn influence_is_what_the_records_measure_and_no_overall_score() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let march = server.ok("assess_mep_influence", with_period(json!({"mepId": "101"})));
    check_basis(&march);
    assert_eq!(march["voting"], json!({"rollCalls": 4, "voted": 4, "participationRate": 1.0, "loyalty": 1.0}));
    assert_eq!(march["coalition"], json!({"comparedWith": 6, "votingPartners": 0, "partnerShare": 0.0}), "104 and 107 agree with 101 in 2 of 3");
    assert_eq!(march["committee"], json!({"memberships": 0, "leadershipRoles": []}), "101's committee seats start in July 2024");
    assert_eq!((&march["oversight"], &march["overallScore"]), (&Value::Null, &Value::Null));
    assert_eq!(march["legislative"]["rapporteur"], json!([]), "the one procedure of the fixtures names no participations");
    assert_eq!(march["legislative"]["filesRead"], json!({"procedures": 1, "withParticipations": 0, "newest": "1972-0003", "oldest": "1972-0003"}));
    assert!(march["dataQualityWarnings"].to_string().contains("counted over the 1 most recently registered procedures read"), "{march}");
    assert!(march["dataQualityWarnings"].to_string().contains("overallScore: not given"), "{march}");
    let summer = server.ok("assess_mep_influence", json!({"mepId": "101", "dateFrom": "2024-07-20", "dateTo": "2024-08-19", "includeDetails": true}));
    assert_eq!(summer["committee"], json!({"memberships": 3, "leadershipRoles": ["CHAIR_VICE"], "committees": ["6567", "6582", "7913"]}));
    // 102 sits in 7913 as a substitute (MEMBER_SUBSTITUTE in the EP's role vocabulary): a seat, not a leading role.
    let substitute = server.ok("assess_mep_influence", json!({"mepId": "102", "dateFrom": "2024-07-20", "dateTo": "2024-08-19", "includeDetails": true}));
    assert_eq!(substitute["committee"], json!({"memberships": 3, "leadershipRoles": [], "committees": ["6567", "6576", "7913"]}));
    assert_eq!((&summer["voting"]["participationRate"], &summer["coverage"]["rollCalls"]), (&Value::Null, &json!(0)), "no sitting in the fake then");
    assert!(server.tool_error("assess_mep_influence", with_period(json!({"mepId": "999"}))).contains("not found"));
}

#[test]
fn correlated_signals_raise_alerts_only_past_their_thresholds() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let args = with_period(json!({"mepIds": ["101", "MEP-104"], "groups": ["EPP", "S&D", "ECR"], "includeNetworkAnalysis": true}));
    let medium = server.ok("correlate_intelligence", args.clone());
    check_basis(&medium);
    assert_eq!(medium["profiles"][0], json!({"mepId": "101", "name": "Thomas WEBER (synthetic)", "group": "EPP", "attendance": 1.0, "defectionRate": 0.0, "groupBaseline": 0.0,
        "closestOtherGroup": "Renew", "closestOtherGroupAgreement": 0.6667, "votingPartners": 0}));
    assert_eq!((&medium["profiles"][1]["defectionRate"], &medium["profiles"][1]["closestOtherGroup"], &medium["profiles"][1]["closestOtherGroupAgreement"]), (&Value::Null, &json!("EPP"), &json!(1.0)));
    assert_eq!(medium["alerts"], json!([
        {"type": "COALITION_FRACTURE", "subject": "EPP / ECR", "value": 0.3333, "threshold": 0.5, "evidence": "same position in 1 of 3 roll calls"},
        {"type": "COALITION_FRACTURE", "subject": "S&D / ECR", "value": 0.0, "threshold": 0.5, "evidence": "same position in 0 of 2 roll calls"}
    ]));
    let mut high_args = args.clone();
    high_args["sensitivityLevel"] = "HIGH".into();
    let high = server.ok("correlate_intelligence", high_args);
    assert_eq!(high["alerts"][0], json!({"type": "LOW_ATTENDANCE", "subject": "104", "value": 0.75, "threshold": 0.85, "evidence": "voted in 3 of 4 roll calls"}));
    assert_eq!(high["alerts"].as_array().unwrap().len(), 3);
    assert!(server.invalid("correlate_intelligence", json!({"mepIds": []})).contains("mepIds"));
    assert!(server.invalid("correlate_intelligence", json!({"mepIds": ["101"], "sensitivityLevel": "EXTREME"})).contains("sensitivityLevel"));
}

/// Five procedures shaped as the real `1972-0003` record, as of 30 June 2024 (the period is
/// the 365 days from 2 July 2023). Their gaps between events are 10, 10, 20 ×5, 30, 40, 50
/// days, so the stall threshold (95th percentile, nearest rank: the 10th of 10) is 50 days:
///
/// | procedure | events | last | days to 30 June | status |
/// |---|---|---|---|---|
/// | 2024-0005 | 15 Jul 2024 | — | — | after the period: not in it |
/// | 2024-0004 | 1 Jan 2024, then every 20 days to 10 Apr | 10 Apr | 81 | STALLED |
/// | 2024-0003 | 1 May, 31 May, 10 Jun 2024 | 10 Jun | 20 | ACTIVE |
/// | 2023-0002 | 1 Sep, 11 Oct, 30 Nov 2023 (SIGNATURE) | 30 Nov | — | COMPLETED |
/// | 2023-0001 | 10 Jan, 20 Jan 2023 | 20 Jan 2023 | 527 | STALLED |
fn pipeline_fixtures() -> TempDir {
    let dir = TempDir::new("pipeline");
    let write = |name: &str, data: Value| std::fs::write(dir.0.join(name), json!({"data": data}).to_string()).unwrap();
    // (process id, current stage, events as (day, activity type))
    type Generated<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
    let procedures: [Generated; 5] = [
        ("2024-0005", "RDG1", &[("2024-07-15", "REFERRAL")]),
        ("2024-0004", "RDG1", &[("2024-01-01", "REFERRAL"), ("2024-01-21", "COMMITTEE_MEETING"), ("2024-02-10", "COMMITTEE_MEETING"), ("2024-03-01", "COMMITTEE_MEETING"), ("2024-03-21", "COMMITTEE_MEETING"), ("2024-04-10", "TABLING_PLENARY")]),
        ("2024-0003", "RDG1", &[("2024-05-01", "REFERRAL"), ("2024-05-31", "COMMITTEE_MEETING"), ("2024-06-10", "TABLING_PLENARY")]),
        ("2023-0002", "RDG1", &[("2023-09-01", "REFERRAL"), ("2023-10-11", "PLENARY_ADOPT_POSITION"), ("2023-11-30", "SIGNATURE")]),
        ("2023-0001", "RDG2", &[("2023-01-10", "REFERRAL"), ("2023-01-20", "PLENARY_AMEND_PROPOSAL")]),
    ];
    let label = |id: &str| format!("{}/{}(COD)", &id[..4], &id[5..]);
    write("procedures.json", procedures.iter().map(|(id, _, _)| json!({"id": format!("eli/dl/proc/{id}"), "type": "Process", "process_id": id,
        "process_type": "def/ep-procedure-types/COD", "label": label(id)})).collect());
    for (id, stage, events) in procedures {
        // 2024-0004 names its committee responsible and rapporteur, as real records do; the others name none.
        let participation = if id == "2024-0004" {
            json!([{"had_participant_organization": ["org/ENVI"], "participation_role": "def/ep-roles/COMMITTEE_LEAD"},
                   {"had_participant_person": ["person/101"], "participation_role": "def/ep-roles/RAPPORTEUR", "politicalGroup": "org/PPE"}])
        } else {
            json!([])
        };
        let events: Vec<Value> = events.iter().map(|(day, kind)| json!({"id": format!("eli/dl/event/{id}-{kind}-{day}"), "type": "Activity", "activity_date": day,
            "activity_id": format!("{id}-{kind}-{day}"), "had_activity_type": format!("def/ep-activities/{kind}"),
            "occured_at_stage": "http://publications.europa.eu/resource/authority/procedure-phase/RDG1"})).collect();
        write(&format!("procedures-{{process-id}}.{id}.json"), json!([{"id": format!("eli/dl/proc/{id}"), "type": "Process", "consists_of": events,
            "current_stage": format!("http://publications.europa.eu/resource/authority/procedure-phase/{stage}"), "process_id": id,
            "process_title": {"en": format!("Procedure {id} (generated)")}, "process_type": "def/ep-procedure-types/COD", "label": label(id),
            "had_participation": participation}]));
    }
    dir
}

#[test]
fn the_pipeline_is_each_procedures_stage_and_stalls_against_the_usual_gap() {
    let fixtures = pipeline_fixtures();
    let fake = Fake::serving(&fixtures.0, &[]);
    let mut server = Server::start(&fake);
    let all = structured(&mut server, "monitor_legislative_pipeline", json!({"status": "ALL", "dateTo": "2024-06-30"}));
    assert_eq!(all["period"], json!({"from": "2023-07-02", "to": "2024-06-30"}), "365 days");
    assert_eq!((&all["stallThresholdDays"], &all["stallThresholdGaps"]), (&json!(50), &json!(10)));
    let rows: Vec<(&str, &str, Option<i64>)> =
        all["procedures"].as_array().unwrap().iter().map(|p| (p["processId"].as_str().unwrap(), p["status"].as_str().unwrap(), p["daysSinceLastEvent"].as_i64())).collect();
    assert_eq!(rows, [("2024-0003", "ACTIVE", Some(20)), ("2024-0004", "STALLED", Some(81)), ("2023-0002", "COMPLETED", Some(213)), ("2023-0001", "STALLED", Some(527))]);
    assert_eq!(all["summary"], json!({"inPipeline": 4, "active": 1, "stalled": 2, "completed": 1, "undetermined": 0, "medianDaysSinceLastEvent": 81, "openByStage": {"RDG1": 2, "RDG2": 1}}));
    assert_eq!(all["coverage"], json!({"listed": 5, "examined": 5, "events": 14, "newestExamined": "2024-0005", "oldestExamined": "2023-0001"}));
    let stalled = &all["procedures"][1];
    assert_eq!((&stalled["reference"], &stalled["currentStage"], &stalled["lastEventType"], &stalled["events"], &stalled["eventsInPeriod"]),
        (&json!("2024/0004(COD)"), &json!("RDG1"), &json!("TABLING_PLENARY"), &json!(6), &json!(6)));
    assert_eq!((&stalled["leadCommittee"], &stalled["rapporteurs"]), (&json!("ENVI"), &json!(["101"])));
    assert!(all["dataQualityWarnings"].to_string().contains("1 of the 5 procedure records read name the committee responsible"), "{all}");
    assert!(all["dataQualityWarnings"].to_string().contains("1 procedure record(s) list no event dated on or before asOf"), "{all}");

    let active = structured(&mut server, "monitor_legislative_pipeline", json!({"dateTo": "2024-06-30"}));
    assert_eq!(active["procedures"].as_array().unwrap().iter().map(|p| p["processId"].as_str().unwrap()).collect::<Vec<_>>(), ["2024-0003"], "ACTIVE by default");
    let one_stalled = structured(&mut server, "monitor_legislative_pipeline", json!({"status": "STALLED", "limit": 1, "dateTo": "2024-06-30"}));
    assert_eq!(one_stalled["procedures"].as_array().unwrap().iter().map(|p| p["processId"].as_str().unwrap()).collect::<Vec<_>>(), ["2024-0004"]);
    // A year earlier only 2023-0001 had begun: two events, one gap, no threshold.
    let early = structured(&mut server, "monitor_legislative_pipeline", json!({"status": "ALL", "dateFrom": "2023-01-01", "dateTo": "2023-06-30"}));
    assert_eq!((&early["stallThresholdDays"], &early["summary"]["undetermined"]), (&Value::Null, &json!(1)));
    assert!(early["dataQualityWarnings"].to_string().contains("no stall threshold"), "{early}");
    let envi = structured(&mut server, "monitor_legislative_pipeline", json!({"status": "ALL", "committee": "envi", "dateTo": "2024-06-30"}));
    assert_eq!(envi["procedures"].as_array().unwrap().iter().map(|p| p["processId"].as_str().unwrap()).collect::<Vec<_>>(), ["2024-0004"]);
    assert!(envi["dataQualityWarnings"].to_string().contains("records naming none are left out"), "{envi}");
    assert!(server.invalid("monitor_legislative_pipeline", json!({"committee": "../meps"})).contains("committee"));
    assert!(server.invalid("monitor_legislative_pipeline", json!({"status": "SLEEPING"})).contains("status"));
    assert!(server.invalid("monitor_legislative_pipeline", json!({"limit": 0})).contains("limit"));
}

#[test]
fn a_committees_activity_is_its_documents_by_type_and_term() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let afco = server.ok("analyze_committee_activity", with_period(json!({"committeeId": "AFCO"})));
    assert_eq!(afco["committee"], json!({"id": "6587", "abbreviation": "AFCO", "name": null, "classification": "COMMITTEE_PARLIAMENTARY_STANDING"}));
    assert_eq!(afco["documents"], json!({"terms": [9], "total": 1, "byType": {"OPINION_PARLIAMENTARY_COMMITTEE_DRAFT": 1}, "byTerm": {"9": 1}}), "ENVI-AM-752912 is not AFCO's");
    assert_eq!((&afco["meetingsHeld"], &afco["members"], &afco["reportsAdoptedInPlenary"]), (&Value::Null, &Value::Null, &Value::Null));
    assert_eq!(afco["coverage"]["documents"], 1);
    assert!(afco["dataQualityWarnings"].to_string().contains("give no document dates"), "{afco}");
    assert!(fake.requests().iter().any(|r| r.contains("/committee-documents?") && r.contains("committee=AFCO") && r.contains("parliamentary-term=9")), "{:?}", fake.requests());
    // org 1 is not among today's bodies: its own record (ECON under its former name).
    let econ = server.ok("analyze_committee_activity", with_period(json!({"committeeId": "org/1"})));
    assert_eq!((&econ["committee"]["abbreviation"], &econ["committee"]["name"], &econ["documents"]["total"]),
        (&json!("ECON"), &json!("Committee on Economic and Monetary Affairs and Industrial Policy"), &json!(0)));
    assert!(server.tool_error("analyze_committee_activity", json!({"committeeId": "ZZZZ"})).contains("not found"));
    assert!(server.invalid("analyze_committee_activity", json!({"committeeId": "../meps"})).contains("committeeId"));
}

#[test]
fn effectiveness_is_the_prevailing_side_and_what_cannot_be_attributed_is_null() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let mep = server.ok("analyze_legislative_effectiveness", with_period(json!({"subjectType": "MEP", "subjectId": "101"})));
    check_basis(&mep);
    assert_eq!(mep["voting"], json!({"rollCalls": 4, "voted": 4, "participationRate": 1.0, "decidedVotes": 4, "onPrevailingSide": 3, "prevailingSideRate": 0.75}),
        "for the adopted 12-DEC-1 and 13-DEC-1 and the rejected 13-DEC-2, against the rejected 13-DEC-3");
    assert_eq!(mep["committeeSeats"], json!({"memberships": 0, "leadershipRoles": [], "committees": []}));
    let abstainer = server.ok("analyze_legislative_effectiveness", with_period(json!({"subjectType": "MEP", "subjectId": "MEP-104"})));
    assert_eq!((&abstainer["voting"]["decidedVotes"], &abstainer["voting"]["prevailingSideRate"]), (&json!(2), &json!(1.0)), "abstained in 13-DEC-2, absent from 13-DEC-3");
    for field in ["amendments", "questions", "overallScore", "committee", "documents"] {
        assert_eq!(mep[field], Value::Null, "{field}");
    }
    assert_eq!(mep["reports"], 0, "rapporteurships among the procedures read (see real_records for real ones)");
    let committee = server.ok("analyze_legislative_effectiveness", with_period(json!({"subjectType": "COMMITTEE", "subjectId": "AFCO"})));
    assert_eq!((&committee["subjectId"], &committee["documents"]["total"], &committee["voting"]), (&json!("6587"), &json!(1), &Value::Null));
    assert_eq!(committee["reports"], 0);
    assert!(committee["dataQualityWarnings"].to_string().contains("Older files are not counted"), "{committee}");
    assert!(server.invalid("analyze_legislative_effectiveness", json!({"subjectType": "PARTY", "subjectId": "EPP"})).contains("subjectType"));
    assert!(server.invalid("analyze_legislative_effectiveness", with_period(json!({"subjectType": "MEP", "subjectId": "AFCO"}))).contains("not an MEP id"));
}

#[test]
fn a_server_side_page_cap_below_the_asked_limit_loses_nothing() {
    // The API documents no maximum page size: a server that caps pages at 100 (whatever
    // `limit` asks) must still yield every MEP and every roll call.
    let fixtures = parliament_sized();
    let fake = Fake::serving(&fixtures.0, &["--max-page", "100"]);
    let mut server = Server::start(&fake);
    let attendance = structured(&mut server, "track_mep_attendance", json!({"dateFrom": "2024-05-07", "dateTo": "2024-05-07", "limit": 1}));
    assert_eq!(attendance["coverage"], json!({"sittings": 1, "sittingsWithoutRollCalls": 0, "rollCalls": 600, "voters": 720, "roster": 720}));
    let requests = fake.requests();
    assert!(requests.iter().any(|r| r.contains("meps/show-current?format=application%2Fld%2Bjson&offset=700")), "read on from what was received: {requests:?}");
    // A data tool's page says there may be more, and where to go on.
    let page = server.ok("get_current_meps", json!({"limit": 100, "offset": 0}));
    assert_eq!((&page["count"], &page["hasMore"], &page["nextOffset"]), (&json!(100), &json!(true), &json!(100)));
}
