//! Issue 21: the records the live EP API really sends, read whole. The procedures and
//! plenary documents here are the six bodies recorded from the live API (fixtures tagged
//! `real`), plus one constructed record mixing the shapes public clients report.

use serde_json::{Value, json};

use crate::support::{Fake, Server};

fn of_role<'a>(participants: &'a Value, role: &str) -> Vec<&'a Value> {
    participants.as_array().unwrap().iter().filter(|p| p["role"] == role).collect()
}

#[test]
fn procedures_keep_every_event_and_name_their_committees_and_rapporteurs() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    // 2016-0132: lead committee LIBE, opinions AFET and BUDG, a rapporteur, six shadows.
    let p = server.ok("get_procedures", json!({"processId": "2016-0132"}));
    let procedure = &p["data"][0];
    assert_eq!(procedure["reference"], "2016/0132(COD)");
    assert_eq!(procedure["events"].as_array().unwrap().len(), 20);
    let participants = &procedure["participants"];
    assert_eq!(participants.as_array().unwrap().len(), 12, "{participants}");
    assert_eq!(of_role(participants, "COMMITTEE_LEAD")[0]["committee"], "LIBE");
    let rapporteur = of_role(participants, "RAPPORTEUR")[0];
    assert_eq!((&rapporteur["mepId"], &rapporteur["politicalGroup"], &rapporteur["committee"]), (&json!("197829"), &json!("ECR"), &json!("LIBE")));
    let shadows = of_role(participants, "RAPPORTEUR_SHADOW");
    assert_eq!(shadows.len(), 6);
    assert!(shadows.iter().any(|s| s["mepId"] == "197650" && s["politicalGroup"] == "S-D" && s["date"] == "2020-10-26"));
    let opinion = of_role(participants, "RAPPORTEUR_OPINION")[0];
    assert_eq!((&opinion["mepId"], &opinion["committee"]), (&json!("1473"), &json!("BUDG")));
    // The participation the record gives without a role is kept, without one.
    assert!(participants.as_array().unwrap().iter().any(|p| p["committee"] == "JURI" && p.get("role").is_none()));
    assert!(p.get("dataQualityWarnings").is_none(), "{p}");
    // 2007-0181: thirteen events, only four of them staged; every one is listed.
    let p = server.ok("get_procedures", json!({"processId": "2007/0181(NLE)"}));
    let events = p["data"][0]["events"].as_array().unwrap();
    assert_eq!(events.len(), 13);
    assert_eq!(events.iter().filter(|e| e.get("stage").is_some()).count(), 4);
    let dates: Vec<&str> = events.iter().filter_map(|e| e["date"].as_str()).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "oldest first, though the record is not in date order: {dates:?}");
    assert!(p["data"][0].get("participants").is_none(), "this record has no participations");
}

#[test]
fn a_bare_event_id_is_kept_and_what_cannot_be_read_is_said() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let p = server.ok("get_procedures", json!({"processId": "2020-0277"}));
    let events = p["data"][0]["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().any(|e| e == &json!({"id": "MTG-PL-2020-12-16-VOT-ITM-915693"})), "{events:?}");
    let warnings: Vec<&str> = p["dataQualityWarnings"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(warnings.iter().any(|w| w.contains("1 events given only by id") && w.contains("MTG-PL-2020-12-16-VOT-ITM-915693")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("1 entries of consists_of")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("2 participations name neither")), "{warnings:?}");
    assert_eq!(p["data"][0]["participants"], json!([{"role": "COMMITTEE_LEAD", "committee": "EMPL"}]));
}

#[test]
fn plenary_documents_name_their_authors_and_procedure() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let d = server.ok("get_plenary_documents", json!({"docId": "A-9-2024-0163"}));
    let report = &d["data"][0];
    assert_eq!(report["workType"], "REPORT_PLENARY");
    assert_eq!(report["bodies"], json!(["AFCO"]));
    assert_eq!(report["authors"], json!(["197435"]));
    assert_eq!(report["procedures"], json!(["2024-2006"]));
    assert_eq!(report["date"], "2024-04-04");
    assert!(report["title"].as_str().unwrap().starts_with("REPORT"), "English though it is not first: {}", report["title"]);
    // The report's author is the rapporteur the procedure names, for the committee it names.
    let procedure = server.ok("get_procedures", json!({"processId": "2024-2006"}));
    let participants = &procedure["data"][0]["participants"];
    assert_eq!(of_role(participants, "RAPPORTEUR")[0]["mepId"], "197435");
    assert_eq!(of_role(participants, "COMMITTEE_LEAD")[0]["committee"], "AFCO");
    // A joint motion: signed by 90 (groups and MEPs), no label, its procedure linked.
    let d = server.ok("get_plenary_documents", json!({"docId": "RC-10-2025-0249"}));
    let motion = &d["data"][0];
    assert_eq!(motion["workType"], "RESOLUTION_MOTION_JOINT");
    assert_eq!(motion["bodies"], json!(["ECR", "VERTS-ALE", "S-D", "RENEW", "PPE"]));
    assert_eq!(motion["authors"].as_array().unwrap().len(), 85);
    assert_eq!(motion["procedures"], json!(["2025-2691"]));
}

#[test]
fn track_legislation_counts_every_event_and_lists_only_what_it_read() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    // 2007-0181: 13 events, 4 staged. All 13 are the timeline; the 9 others are counted as unstaged.
    let tracked = server.ok("track_legislation", json!({"procedureId": "2007-0181"}));
    assert_eq!(tracked["timeline"].as_array().unwrap().len(), 13);
    assert_eq!(tracked["unstagedEvents"], 9);
    let staged: u64 = tracked["stages"].as_array().unwrap().iter().map(|s| s["events"].as_u64().unwrap()).sum();
    assert_eq!(staged, 4);
    let warnings = tracked["dataQualityWarnings"].to_string();
    assert!(warnings.contains("9 of 13 events carry no stage"), "{warnings}");
    // The fake has no events endpoint for it: not listed as read, and said.
    assert_eq!(tracked["endpoints"], json!(["procedures/{process-id}"]));
    assert!(warnings.contains("procedures/{process-id}/events answered nothing"), "{warnings}");
    assert!(warnings.contains("names no committees or rapporteurs"), "{warnings}");
    // 2016-0132: the committee responsible and the rapporteur, as the record names them.
    let tracked = server.ok("track_legislation", json!({"procedureId": "2016/0132(COD)"}));
    assert_eq!((&tracked["leadCommittee"], &tracked["rapporteurs"]), (&json!("LIBE"), &json!(["197829"])));
    assert_eq!(tracked["participants"].as_array().unwrap().len(), 12);
    let warnings = tracked["dataQualityWarnings"].to_string();
    assert!(!warnings.contains("rapporteurs are not in"), "the false claim is gone: {warnings}");
    // A bare event id in the record stays in the timeline and is named.
    let tracked = server.ok("track_legislation", json!({"procedureId": "2020-0277"}));
    assert!(tracked["timeline"].as_array().unwrap().iter().any(|e| e["id"] == "MTG-PL-2020-12-16-VOT-ITM-915693"));
    assert!(tracked["dataQualityWarnings"].to_string().contains("given only by id"), "{tracked}");
}

/// The fixtures, with the EP's procedure list holding the recorded procedures, and
/// constructed records for two MEPs the recorded procedures name.
fn with_real_procedures_listed() -> crate::support::TempDir {
    let dir = copy_of_fixtures("real-procedures", |doc| doc);
    let listed: Vec<Value> = ["2025-0260", "2024-2006", "2016-0132", "2007-0181", "1972-0003"]
        .iter()
        .map(|id| json!({"id": format!("eli/dl/proc/{id}"), "type": "Process", "process_id": id}))
        .collect();
    std::fs::write(dir.0.join("procedures.constructed.json"), json!({"data": listed}).to_string()).unwrap();
    for (id, label) in [("197435", "Rapporteur of 2024-2006 (constructed)"), ("130100", "A shadow rapporteur of 2016-0132 (constructed)")] {
        let mep = json!({"data": [{"id": format!("person/{id}"), "type": "Person", "identifier": id, "label": label}]});
        std::fs::write(dir.0.join(format!("meps-{{mep-id}}.{id}.constructed.json")), mep.to_string()).unwrap();
    }
    dir
}

#[test]
fn rapporteurships_and_lead_committees_feed_the_analyses_with_their_coverage() {
    let fixtures = with_real_procedures_listed();
    let fake = Fake::serving(&fixtures.0, &[]);
    let mut server = Server::start(&fake);
    let period = json!({"dateFrom": "2024-03-01", "dateTo": "2024-03-31"});
    let with = |extra: Value| {
        let mut args = period.clone();
        args.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        args
    };
    // The rapporteur of 2024-2006 (AFCO's report A-9-2024-0163).
    let mep = server.ok("analyze_legislative_effectiveness", with(json!({"subjectType": "MEP", "subjectId": "197435"})));
    assert_eq!(mep["reports"], 1);
    assert_eq!(mep["mepFiles"]["rapporteur"], json!(["2024-2006"]));
    assert_eq!(mep["mepFiles"]["filesRead"], json!({"procedures": 5, "withParticipations": 3, "newest": "2025-0260", "oldest": "1972-0003"}));
    let influence = server.ok("assess_mep_influence", with(json!({"mepId": "197435"})));
    assert_eq!(influence["legislative"]["rapporteur"], json!(["2024-2006"]));
    // 130100 shadows 2016-0132 (for RENEW); 1294 takes part in none of the files read.
    let shadow = server.ok("assess_mep_influence", with(json!({"mepId": "130100"})));
    assert_eq!((&shadow["legislative"]["shadowRapporteur"], &shadow["legislative"]["rapporteur"]), (&json!(["2016-0132"]), &json!([])));
    let none = server.ok("assess_mep_influence", with(json!({"mepId": "1294"})));
    assert_eq!(none["legislative"]["shadowRapporteur"], json!([]));
    // Committees: AFCO leads 2024-2006; BUDG gives opinions on 2025-0260 (and its budgetary assessment) and 2016-0132.
    let afco = server.ok("analyze_committee_activity", with(json!({"committeeId": "AFCO"})));
    assert_eq!((&afco["files"]["lead"], &afco["files"]["opinion"]), (&json!(["2024-2006"]), &json!([])));
    let budg = server.ok("analyze_legislative_effectiveness", with(json!({"subjectType": "COMMITTEE", "subjectId": "BUDG"})));
    assert_eq!((&budg["reports"], &budg["committeeFiles"]["opinion"]), (&json!(0), &json!(["2025-0260", "2016-0132"])));
    let warnings = budg["dataQualityWarnings"].to_string();
    assert!(warnings.contains("counted over the 5 most recently registered procedures read (2025-0260 to 1972-0003), of the 5 listed; 3 of them name participations"), "{warnings}");
}

/// Every fixture list with items the way a broken or changed API would send them appended:
/// a bare id, a record without one, a number.
fn with_malformed_items() -> crate::support::TempDir {
    copy_of_fixtures("malformed", |mut doc| {
        if let Some(items) = doc["data"].as_array_mut() {
            items.extend([json!("eli/dl/unknown/BARE-ID"), json!({"label": "a record without an id", "activity_date": 20240313}), json!(7)]);
        }
        doc
    })
}

/// The fixtures in a directory of their own, each JSON one passed through `edit`.
fn copy_of_fixtures(label: &str, edit: impl Fn(Value) -> Value) -> crate::support::TempDir {
    let dir = crate::support::TempDir::new(label);
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ep-api");
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = serde_json::from_str::<Value>(&text).map_or(text, |doc| edit(doc).to_string());
        std::fs::write(dir.0.join(path.file_name().unwrap()), text).unwrap();
    }
    dir
}

#[test]
fn malformed_list_items_of_every_family_are_reported_and_nothing_breaks() {
    let fixtures = with_malformed_items();
    let fake = Fake::serving(&fixtures.0, &[]);
    let mut server = Server::start(&fake);
    let march = json!({"dateFrom": "2024-03-01", "dateTo": "2024-03-31"});
    let calls = [
        ("get_current_meps", json!({})),
        ("get_meps", json!({})),
        ("get_incoming_meps", json!({})),
        ("get_political_groups", json!({})),
        ("get_plenary_sessions", json!({"year": 2024})),
        ("get_meeting_decisions", json!({"sittingId": "MTG-PL-2024-03-13"})),
        ("get_corporate_bodies", json!({})),
        ("get_committee_info", json!({"showCurrent": true})),
        ("get_procedures", json!({})),
        ("get_adopted_texts", json!({"year": 2025})),
        ("get_events", json!({})),
        ("get_controlled_vocabularies", json!({})),
        ("get_meps_feed", json!({})),
        ("get_procedure_events", json!({"processId": "1972-0003"})),
        ("get_speeches", json!({"dateFrom": "2024-01-15", "dateTo": "2024-01-18"})),
        ("get_mep_declarations", json!({"year": 2024})),
        ("get_parliamentary_questions", json!({"type": "WRITTEN", "dateFrom": "2024-01-01", "dateTo": "2024-12-31"})),
        ("track_mep_attendance", march),
        ("compare_political_groups", json!({"groupIds": ["EPP", "S&D"], "dateFrom": "2024-03-01", "dateTo": "2024-03-31"})),
    ];
    let mut unreported = Vec::new();
    for (tool, arguments) in calls {
        let response = server.call(tool, arguments);
        let result = &response["result"];
        assert_eq!(result["isError"], false, "{tool} broke on malformed items: {response}");
        let warnings = result["structuredContent"]["dataQualityWarnings"].to_string();
        if !warnings.contains("list items with no id") {
            unreported.push(format!("{tool}: {warnings}"));
        }
    }
    assert!(unreported.is_empty(), "malformed items read without a word: {unreported:#?}");
}

#[test]
fn doctor_calls_every_tool_and_says_what_came_back() {
    let fake = Fake::start();
    let (code, report, stderr) = crate::support::epmcp_cli(&crate::support::components_dir(), &[("EP_API_URL", fake.url.as_str())], &["doctor"]);
    let line = |tool: &str| report.lines().find(|l| l.starts_with(&format!("{tool} "))).unwrap_or_else(|| panic!("no line for {tool}: {report}")).to_string();
    // Every tool once, with its verdict, time, warnings and unreadable items.
    let summary = report.lines().last().unwrap();
    assert!(summary.starts_with("65 tools: ") && summary.ends_with(", 0 invalid results"), "every component tool (get_server_health is the host's): {report}");
    assert!(line("get_mep_details").contains(" ok "), "{report}");
    assert!(line("track_legislation").contains(" ok "), "{report}");
    assert!(line("get_plenary_sessions").contains(" empty "), "this year's sittings are not in the fixtures: {report}");
    // The procedures feed answers 200 with an error body, as the EP API does: an error, and the doctor fails.
    assert!(line("get_procedures_feed").contains(" ERROR ") && line("get_procedures_feed").contains("reported an error"), "{report}");
    assert!(code.is_some_and(|c| c != 0), "{code:?} {stderr}");
    assert!(stderr.contains("some tools failed"), "{stderr}");
    // Each sample was asked of the fake as the tool's own request.
    assert!(fake.requests().iter().any(|r| r.starts_with("GET /api/v2/procedures/2016-0132?")), "{:?}", fake.requests());
}

#[test]
fn decisions_are_read_under_every_outcome_spelling_and_keep_corrections_of_intention_apart() {
    // The 13 March decisions as public clients report the live API sending them: the outcome
    // as `decision_outcome` or `eli-dl:decision_outcome`, `type` a string, and corrections of
    // intention beside the voter lists.
    let spellings = ["decision_outcome", "eli-dl:decision_outcome", "had_decision_outcome"];
    let fixtures = copy_of_fixtures("decision-spellings", |mut doc| {
        let is_13th = doc["data"][0]["activity_id"].as_str().is_some_and(|id| id.starts_with("MTG-PL-2024-03-13-DEC-"));
        if let (true, Some(items)) = (is_13th, doc["data"].as_array_mut()) {
            for (item, spelling) in items.iter_mut().zip(spellings) {
                let fields = item.as_object_mut().unwrap();
                let outcome = fields.remove("had_decision_outcome").unwrap();
                fields.insert(spelling.into(), outcome);
                fields.insert("type".into(), json!("Decision"));
            }
            items[0]["had_voter_intended_against"] = json!(["person/104"]);
        }
        doc
    });
    let fake = Fake::serving(&fixtures.0, &[]);
    let mut server = Server::start(&fake);
    let decisions = server.ok("get_meeting_decisions", json!({"sittingId": "MTG-PL-2024-03-13"}));
    let outcomes: Vec<&Value> = decisions["data"].as_array().unwrap().iter().take(3).map(|d| &d["outcome"]).collect();
    assert_eq!(outcomes, [&json!("ADOPTED"), &json!("REJECTED"), &json!("REJECTED")], "{decisions}");
    let first = &decisions["data"][0];
    assert_eq!(first["intended"], json!({"favor": [], "against": ["104"], "abstention": []}));
    assert_eq!(first["tally"]["favor"], 5, "a correction of intention changes no count");
    // The prevailing side reads them all: 101 for the adopted 12-DEC-1 and 13-DEC-1 and the
    // rejected 13-DEC-2, against the rejected 13-DEC-3 (as with the usual spelling).
    let mep = server.ok("analyze_legislative_effectiveness", json!({"subjectType": "MEP", "subjectId": "101", "dateFrom": "2024-03-01", "dateTo": "2024-03-31"}));
    assert_eq!((&mep["voting"]["decidedVotes"], &mep["voting"]["onPrevailingSide"]), (&json!(4), &json!(3)), "{mep}");
}
