//! The `documents` component: every document collection, sitting documents and their items, declarations, search.

use serde_json::{Value, json};

use crate::support::*;

/// Every tool of the family, with arguments that reach upstream.
fn family_calls() -> Vec<(&'static str, Value)> {
    vec![
        ("get_adopted_texts", json!({"docId": "TA-10-2025-0001"})),
        ("get_adopted_texts", json!({"year": 2025})),
        ("get_plenary_documents", json!({"docId": "A-9-2022-0066"})),
        ("get_plenary_documents", json!({})),
        ("get_committee_documents", json!({"docId": "AFCO-PA-745315"})),
        ("get_committee_documents", json!({})),
        ("get_plenary_session_documents", json!({"docId": "PV-9-2023-11-21"})),
        ("get_plenary_session_documents", json!({})),
        ("get_plenary_session_document_items", json!({})),
        ("get_external_documents", json!({"docId": "SP-2022-180-TA-9-2022-0053"})),
        ("get_external_documents", json!({})),
        ("get_parliamentary_questions", json!({"docId": "E-10-2024-001357"})),
        ("get_parliamentary_questions", json!({})),
        ("get_procedure_events", json!({"processId": "1972-0003"})),
        ("get_procedure_event_by_id", json!({"processId": "1972-0003", "eventId": "1972-0003-DEC-DCPL-1991-07-10"})),
    ]
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
fn get_adopted_texts_by_id_year_and_procedure() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let one = server.ok("get_adopted_texts", json!({"docId": "TA-10-2025-0001"}));
    let t = &one["data"][0];
    assert_eq!(t["id"], "TA-10-2025-0001");
    assert_eq!(t["workType"], "TEXT_ADOPTED");
    assert_eq!(t["title"], "Climate resilience of European infrastructure (constructed sample)");
    assert_eq!((t["date"].as_str(), t["term"].as_u64()), (Some("2025-01-22"), Some(10)));
    assert_eq!(t["files"].as_array().unwrap().len(), 4, "EN and FR, PDF and DOCX");
    assert_eq!(t["files"][0]["language"], "ENG");
    assert_eq!(t["files"][0]["format"], "PDF");
    assert_eq!(
        t["files"][0]["url"],
        "https://data.europarl.europa.eu/distribution/reds_iPlTa/TA-10-2025-0001/TA-10-2025-0001_en.pdf"
    );
    assert_eq!((one["count"].as_u64(), one["endpoint"].as_str()), (Some(1), Some("adopted-texts/TA-10-2025-0001")));
    assert!(one["source"].as_str().unwrap().contains("CC BY 4.0"));
    assert!(requested(&fake, "adopted-texts/TA-10-2025-0001", ""));

    let page = server.ok("get_adopted_texts", json!({"year": 2025, "limit": 1}));
    assert_eq!(ids(&page), ["TA-10-2025-0001"]);
    assert_eq!((page["hasMore"].as_bool(), page["nextOffset"].as_u64()), (Some(true), Some(1)));
    assert_eq!(page["endpoint"], "adopted-texts?year=2025");
    assert!(requested(&fake, "adopted-texts", "year=2025&offset=0&limit=1"));
    let next = server.ok("get_adopted_texts", json!({"year": 2025, "limit": 1, "offset": 1}));
    assert_eq!(ids(&next), ["TA-10-2025-0002"]);

    // No year: the current one, sent explicitly (the spec's default is a stale 2022).
    let year = current_year();
    let this_year = server.ok("get_adopted_texts", json!({}));
    assert_eq!(this_year["endpoint"], format!("adopted-texts?year={year}"));
    assert!(requested(&fake, "adopted-texts", &format!("year={year}&offset=0&limit=50")));
    // A procedure reference in either form; then no year unless asked.
    server.ok("get_adopted_texts", json!({"processId": "1972/0003(COD)"}));
    assert!(requested(&fake, "adopted-texts", "related-process-id=1972-0003&offset=0&limit=50"));
    server.ok("get_adopted_texts", json!({"processId": "1972-0003", "year": 1991}));
    assert!(requested(&fake, "adopted-texts", "year=1991&related-process-id=1972-0003&offset=0&limit=50"));

    refused(
        &mut server,
        &fake,
        &[
            ("get_adopted_texts", json!({"docId": "TA-9/../../meps"}), "docId"),
            ("get_adopted_texts", json!({"docId": "ta-9-2022-0201"}), "docId"),
            ("get_adopted_texts", json!({"docId": ""}), "docId"),
            ("get_adopted_texts", json!({"year": 1989}), "year"),
            ("get_adopted_texts", json!({"year": 2041}), "year"),
            ("get_adopted_texts", json!({"year": "2024"}), "year"),
            ("get_adopted_texts", json!({"limit": 101}), "limit"),
            ("get_adopted_texts", json!({"offset": -1}), "offset"),
            ("get_adopted_texts", json!({"processId": "2024/0006(COD)?x=1"}), "processId"),
            ("get_adopted_texts", json!({"docId": "TA-10-2025-0001", "year": 2025}), "cannot be combined"),
            ("get_adopted_texts", json!({"term": 10}), "term"),
        ],
    );
}

#[test]
fn get_plenary_documents_by_id_and_year() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let one = server.ok("get_plenary_documents", json!({"docId": "A-9-2022-0066"}));
    let d = &one["data"][0];
    assert_eq!(d["id"], "A-9-2022-0066");
    assert_eq!(d["workType"], "REPORT_PLENARY");
    assert_eq!(d["title"], "REPORT on the implementation of the common foreign and security policy (constructed sample)");
    assert_eq!((d["date"].as_str(), d["term"].as_u64()), (Some("2022-03-24"), Some(9)));
    assert_eq!(d["files"].as_array().unwrap().len(), 2);
    assert!(requested(&fake, "plenary-documents/A-9-2022-0066", ""));

    let list = server.ok("get_plenary_documents", json!({"year": 2022}));
    assert_eq!(ids(&list), ["A-9-2022-0066", "B-9-2022-0187"]);
    assert_eq!(list["data"][1]["workType"], "RESOLUTION_MOTION");
    // List items carry no title or date, and none is made up.
    assert!(list["data"][0].get("title").is_none() && list["data"][0].get("date").is_none());
    assert_eq!((list["hasMore"].as_bool(), list["endpoint"].as_str()), (Some(false), Some("plenary-documents?year=2022")));
    assert!(requested(&fake, "plenary-documents", "year=2022&offset=0&limit=50"));
    server.ok("get_plenary_documents", json!({"limit": 5}));
    assert!(requested(&fake, "plenary-documents", &format!("year={}&offset=0&limit=5", current_year())));

    refused(
        &mut server,
        &fake,
        &[
            ("get_plenary_documents", json!({"docId": "A-9-2022-0066#x"}), "docId"),
            ("get_plenary_documents", json!({"docId": "A--9"}), "docId"),
            ("get_plenary_documents", json!({"year": 3000}), "year"),
            ("get_plenary_documents", json!({"docId": "A-9-2022-0066", "year": 2022}), "cannot be combined"),
        ],
    );
}

#[test]
fn get_committee_documents_by_id_and_committee() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let one = server.ok("get_committee_documents", json!({"docId": "AFCO-PA-745315"}));
    let d = &one["data"][0];
    assert_eq!(d["id"], "AFCO-PA-745315");
    assert_eq!(d["workType"], "OPINION_PARLIAMENTARY_COMMITTEE_DRAFT");
    assert_eq!(d["title"], "DRAFT OPINION on the composition of the European Parliament (constructed sample)");
    assert_eq!(d["date"], "2023-05-04");
    assert_eq!(d["files"], json!([{
        "language": "ENG", "format": "PDF",
        "url": "https://data.europarl.europa.eu/distribution/reds_iPlRp_Cmt/AFCO-PA-745315/AFCO-PA-745315_en.pdf"
    }]));
    assert!(requested(&fake, "committee-documents/AFCO-PA-745315", ""));

    let list = server.ok("get_committee_documents", json!({}));
    assert_eq!(ids(&list), ["AFCO-PA-745315", "ENVI-AM-752912"]);
    assert_eq!(list["data"][1]["workType"], "AMENDMENT_LIST");
    assert!(requested(&fake, "committee-documents", "offset=0&limit=50"));
    let afco = server.ok("get_committee_documents", json!({"committee": "AFCO", "limit": 10, "offset": 0}));
    assert_eq!(afco["endpoint"], "committee-documents?committee=AFCO");
    assert!(requested(&fake, "committee-documents", "committee=AFCO&offset=0&limit=10"));

    refused(
        &mut server,
        &fake,
        &[
            ("get_committee_documents", json!({"committee": "afco"}), "committee"),
            ("get_committee_documents", json!({"committee": "AF/CO"}), "committee"),
            ("get_committee_documents", json!({"docId": "AFCO-PA-745315/.."}), "docId"),
            ("get_committee_documents", json!({"docId": "AFCO-PA-745315", "committee": "AFCO"}), "cannot be combined"),
        ],
    );
}

#[test]
fn get_plenary_session_documents_by_id_and_part_session() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let one = server.ok("get_plenary_session_documents", json!({"docId": "PV-9-2023-11-21"}));
    let d = &one["data"][0];
    assert_eq!((d["id"].as_str(), d["workType"].as_str()), (Some("PV-9-2023-11-21"), Some("MINUTES_PLENARY")));
    assert_eq!(d["title"], "Minutes - Tuesday, 21 November 2023 (constructed sample)");
    assert_eq!(d["date"], "2023-11-21");
    assert_eq!(d["files"].as_array().unwrap().len(), 2);
    assert!(requested(&fake, "plenary-session-documents/PV-9-2023-11-21", ""));

    let list = server.ok("get_plenary_session_documents", json!({"limit": 2}));
    assert_eq!(ids(&list), ["PV-9-2023-11-21", "CRE-9-2023-11-21"]);
    assert_eq!((list["hasMore"].as_bool(), list["nextOffset"].as_u64()), (Some(true), Some(2)));
    assert!(requested(&fake, "plenary-session-documents", "offset=0&limit=2"));
    let week = server.ok("get_plenary_session_documents", json!({"partSessionDate": "2023-11-20", "offset": 2}));
    assert_eq!(ids(&week), ["OJ-9-2023-11-21"]);
    assert_eq!(week["data"][0]["workType"], "AGENDA_PLENARY_DAY");
    assert!(requested(&fake, "plenary-session-documents", "part-session-date=2023-11-20&offset=2&limit=50"));

    refused(
        &mut server,
        &fake,
        &[
            ("get_plenary_session_documents", json!({"partSessionDate": "2023-02-30"}), "calendar date"),
            ("get_plenary_session_documents", json!({"partSessionDate": "20-11-2023"}), "partSessionDate"),
            ("get_plenary_session_documents", json!({"docId": "PV 9"}), "docId"),
            ("get_plenary_session_documents", json!({"docId": "PV-9-2023-11-21", "partSessionDate": "2023-11-20"}), "cannot be combined"),
        ],
    );
}

#[test]
fn get_plenary_session_document_items_by_parent_and_dates() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let items = server.ok("get_plenary_session_document_items", json!({}));
    assert_eq!(ids(&items), ["PV-9-2023-11-21-ITM-003", "CRE-9-2023-11-21-ITM-003", "CRE-9-2023-11-21-OTH-20680000"]);
    let first = &items["data"][0];
    assert_eq!(first["parentId"], "PV-9-2023-11-21");
    assert_eq!(first["subdivisionType"], "ITM");
    assert_eq!(first["title"], "Voting time (constructed sample)");
    assert_eq!((first["date"].as_str(), first["term"].as_u64()), (Some("2023-11-21"), Some(9)));
    let speech = &items["data"][2];
    assert_eq!(speech["parentId"], "CRE-9-2023-11-21-ITM-003");
    assert_eq!(speech["subdivisionType"], "OTH");
    assert_eq!((speech["number"].as_str(), speech["numbering"].as_u64()), (Some("2-068-0000"), Some(62)));
    assert!(speech.get("title").is_none());
    assert_eq!(items["endpoint"], "plenary-session-documents-items");
    assert!(requested(&fake, "plenary-session-documents-items", "offset=0&limit=50"));

    server.ok("get_plenary_session_document_items", json!({"parentId": "GMTG-PL-2023-11-20", "limit": 10}));
    assert!(requested(&fake, "plenary-session-documents-items", "parent-id=GMTG-PL-2023-11-20&offset=0&limit=10"));
    server.ok("get_plenary_session_document_items", json!({"dateFrom": "2023-11-20", "dateTo": "2023-11-23"}));
    assert!(requested(&fake, "plenary-session-documents-items", "sitting-date=2023-11-20&sitting-date-end=2023-11-23&offset=0&limit=50"));
    // A lone start date would mean that one day to the EP API: the range runs to the end of this year.
    server.ok("get_plenary_session_document_items", json!({"dateFrom": "2023-11-20"}));
    let end = format!("{}-12-31", current_year());
    assert!(requested(&fake, "plenary-session-documents-items", &format!("sitting-date=2023-11-20&sitting-date-end={end}&offset=0&limit=50")));

    refused(
        &mut server,
        &fake,
        &[
            ("get_plenary_session_document_items", json!({"dateTo": "2023-11-23"}), "dateTo needs dateFrom"),
            ("get_plenary_session_document_items", json!({"dateFrom": "2023-11-24", "dateTo": "2023-11-23"}), "after"),
            ("get_plenary_session_document_items", json!({"dateFrom": "2023-13-01"}), "calendar date"),
            ("get_plenary_session_document_items", json!({"parentId": "GMTG-PL-2023-11-20&limit=1000"}), "parentId"),
            ("get_plenary_session_document_items", json!({"docId": "PV-9-2023-11-21"}), "docId"),
        ],
    );
}

#[test]
fn get_external_documents_by_id_and_list() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let one = server.ok("get_external_documents", json!({"docId": "SP-2022-180-TA-9-2022-0053"}));
    let d = &one["data"][0];
    assert_eq!((d["id"].as_str(), d["workType"].as_str()), (Some("SP-2022-180-TA-9-2022-0053"), Some("ACT_FOLLOWUP")));
    assert_eq!(d["title"], "Commission follow-up to the European Parliament resolution TA-9-2022-0053 (constructed sample)");
    assert_eq!(d["date"], "2022-06-15");
    assert!(requested(&fake, "external-documents/SP-2022-180-TA-9-2022-0053", ""));
    let list = server.ok("get_external_documents", json!({"limit": 1}));
    assert_eq!(ids(&list), ["SP-2022-180-TA-9-2022-0053"]);
    assert_eq!(list["hasMore"], true, "a full page may have more");
    assert!(requested(&fake, "external-documents", "offset=0&limit=1"));
    let past_end = server.ok("get_external_documents", json!({"offset": 1}));
    assert_eq!((past_end["count"].as_u64(), past_end["hasMore"].as_bool()), (Some(0), Some(false)));

    refused(
        &mut server,
        &fake,
        &[
            ("get_external_documents", json!({"docId": "SP-2022-180-TA-9-2022-0053?"}), "docId"),
            ("get_external_documents", json!({"limit": 0}), "limit"),
            ("get_external_documents", json!({"workType": "ACT_FOLLOWUP"}), "workType"),
        ],
    );
}

#[test]
fn unknown_documents_are_not_found() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let cases = [
        ("get_adopted_texts", json!({"docId": "TA-9-2099-0001"}), "adopted text TA-9-2099-0001"),
        ("get_plenary_documents", json!({"docId": "A-9-2099-0001"}), "plenary document A-9-2099-0001"),
        ("get_committee_documents", json!({"docId": "AFCO-PA-000000"}), "committee document AFCO-PA-000000"),
        ("get_plenary_session_documents", json!({"docId": "PV-9-2099-01-01"}), "plenary session document PV-9-2099-01-01"),
        ("get_external_documents", json!({"docId": "SP-2099-1-TA-9-2099-0001"}), "external document SP-2099-1-TA-9-2099-0001"),
        ("get_parliamentary_questions", json!({"docId": "E-10-2099-000001"}), "question E-10-2099-000001"),
        ("get_procedure_event_by_id", json!({"processId": "2099-0001", "eventId": "2099-0001-X"}), "procedure 2099-0001"),
    ];
    for (tool, arguments, expected) in cases {
        let message = server.tool_error(tool, arguments.clone());
        assert!(message.contains(expected) && message.contains("not found"), "{tool}({arguments}): {message}");
    }
    // The fake answered 404 to each of them (the upstream's "no such document").
    assert_eq!(fake.requests().len(), 7);
}

#[test]
fn upstream_404_500_and_malformed_bodies_are_clean_errors() {
    let cases = [
        ("404", "not found"),
        ("500", "HTTP 500"),
        ("truncated", "malformed JSON"),
        ("html", "malformed JSON"),
        ("error-body", "reported an error"),
    ];
    for (fault, expected) in cases {
        let fake = Fake::start_with(&["--fault", fault]);
        let mut server = Server::start_with(&fake, Options::breaker_off());
        for (tool, arguments) in family_calls() {
            let is_list = arguments.get("docId").is_none() && tool != "get_procedure_event_by_id" && tool != "get_procedure_events";
            if fault == "404" && is_list {
                // A 404 on a list is the EP API's "nothing matched": an empty page.
                assert_eq!(server.ok(tool, arguments)["count"], 0, "{tool} under 404");
                continue;
            }
            let message = server.tool_error(tool, arguments.clone());
            assert!(message.contains(expected), "{fault}: {tool}({arguments}): {message}");
            assert!(!message.contains("internal details") && !message.contains("<html>") && !message.contains("backend failure") || fault == "error-body",
                "{fault}: {tool} leaked the body: {message}");
        }
        assert!(fake.requests().len() >= family_calls().len(), "{fault}: every call reached the fake");
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
    assert!(!fake.requests().iter().any(|r| r.contains("/meetings/")), "not the reference's unspecified routes");
    for tool in ["get_meeting_plenary_session_documents", "get_meeting_plenary_session_document_items"] {
        server.invalid(tool, json!({}));
        server.invalid(tool, json!({"sittingId": "MTG-PL-2023-11-21&limit=1000"}));
        server.invalid(tool, json!({"sittingId": "MTG-PL-2023-11-21", "limit": 101}));
    }
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
