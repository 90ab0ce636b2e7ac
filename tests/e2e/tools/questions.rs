//! The `questions` component: parliamentary questions.

use serde_json::json;

use crate::support::*;

#[test]
fn get_parliamentary_questions_reads_the_real_question_and_lists_by_year() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let one = server.ok("get_parliamentary_questions", json!({"docId": "E-10-2024-001357"}));
    let q = &one["data"][0];
    assert_eq!(q["id"], "E-10-2024-001357");
    assert_eq!((q["type"].as_str(), q["workType"].as_str()), (Some("WRITTEN"), Some("QUESTION_WRITTEN")));
    assert_eq!(q["title"], "Suspension of the EU-Israel Association Agreement and recognition of the State of Palestine");
    assert_eq!((q["date"].as_str(), q["term"].as_u64()), (Some("2024-07-16"), Some(10)));
    assert_eq!(q["authorIds"], json!(["257083"]));
    assert_eq!(q["addressees"], json!(["CS"]));
    assert_eq!(q["status"], "ANSWERED");
    assert_eq!(
        q["answer"],
        json!({"id": "E-10-2024-001357-ASW", "date": "2025-02-26", "title": "Answer for question E-001357/24", "answeredBy": ["EU_COUNCIL"]})
    );
    assert_eq!(q["files"].as_array().unwrap().len(), 2);
    assert!(requested(&fake, "parliamentary-questions/E-10-2024-001357", ""));
    // The author id is usable with get_mep_details as is.
    assert!(one["data"][0]["authorIds"][0].as_str().unwrap().chars().all(|c| c.is_ascii_digit()));

    let written = server.ok(
        "get_parliamentary_questions",
        json!({"type": "WRITTEN", "dateFrom": "2023-01-01", "dateTo": "2024-12-31", "limit": 10}),
    );
    assert_eq!(ids(&written), ["E-10-2024-001357"]);
    let item = &written["data"][0];
    assert_eq!(item["type"], "WRITTEN");
    assert!(item.get("status").is_none() && item.get("authorIds").is_none(), "list items carry no answer or author: {item}");
    assert_eq!(written["endpoint"], "parliamentary-questions?year=2023,2024&work-type=QUESTION_WRITTEN,QUESTION_WRITTEN_PRIORITY");
    assert!(requested(
        &fake,
        "parliamentary-questions",
        "year=2023%2C2024&work-type=QUESTION_WRITTEN%2CQUESTION_WRITTEN_PRIORITY&offset=0&limit=10"
    ));
    server.ok("get_parliamentary_questions", json!({"type": "ORAL"}));
    let year = current_year();
    assert!(requested(&fake, "parliamentary-questions", &format!("year={year}&work-type=QUESTION_ORAL%2CQUESTION_TIME&offset=0&limit=50")));

    refused(
        &mut server,
        &fake,
        &[
            ("get_parliamentary_questions", json!({"author": "Oliveira"}), "author"),
            ("get_parliamentary_questions", json!({"topic": "Palestine"}), "topic"),
            ("get_parliamentary_questions", json!({"status": "ANSWERED"}), "status"),
            ("get_parliamentary_questions", json!({"status": "OPEN"}), "status"),
            ("get_parliamentary_questions", json!({"type": "BOTH"}), "type"),
            ("get_parliamentary_questions", json!({"dateFrom": "2024-03-01"}), "whole years"),
            ("get_parliamentary_questions", json!({"dateFrom": "2024-01-01", "dateTo": "2024-06-30"}), "whole years"),
            ("get_parliamentary_questions", json!({"dateTo": "2024-12-31"}), "dateTo needs dateFrom"),
            ("get_parliamentary_questions", json!({"dateFrom": "2024-02-30"}), "calendar date"),
            ("get_parliamentary_questions", json!({"docId": "E-10-2024-001357/../../meps"}), "docId"),
            ("get_parliamentary_questions", json!({"docId": "E-10-2024-001357", "type": "WRITTEN"}), "cannot be combined"),
        ],
    );
}
