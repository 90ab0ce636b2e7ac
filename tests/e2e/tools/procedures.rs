//! The `procedures` component: procedures and their events.

use serde_json::json;

use crate::support::*;

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
fn procedure_events_list_and_one_by_reference() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let events = server.ok("get_procedure_events", json!({"processId": "1972/0003(COD)"}));
    // Oldest first, although the fixture lists the newest first.
    assert_eq!(ids(&events), ["1972-0003-ANPRO-1972-11-06", "1972-0003-DEC-DCPL-1991-07-10"]);
    let first = &events["data"][0];
    assert_eq!(first["kind"], "Activity");
    assert_eq!((first["date"].as_str(), first["activityType"].as_str()), (Some("1972-11-06"), Some("REFERRAL")));
    assert_eq!(first["stage"], "RDG1");
    assert_eq!(events["data"][1]["kind"], "Decision");
    assert_eq!(events["endpoint"], "procedures/1972-0003/events");
    assert!(requested(&fake, "procedures/1972-0003/events", "offset=0&limit=500"));
    let second = server.ok("get_procedure_events", json!({"processId": "1972-0003", "limit": 1, "offset": 1}));
    assert_eq!(ids(&second), ["1972-0003-DEC-DCPL-1991-07-10"]);
    assert_eq!((second["hasMore"].as_bool(), second["offset"].as_u64()), (Some(false), Some(1)));
    let missing = server.tool_error("get_procedure_events", json!({"processId": "2099-0001"}));
    assert!(missing.contains("no events found") && missing.contains("2099-0001"), "{missing}");

    let one = server.ok(
        "get_procedure_event_by_id",
        json!({"processId": "1972-0003(COD)", "eventId": "1972-0003-DEC-DCPL-1991-07-10"}),
    );
    assert_eq!(
        one,
        json!({
            "processId": "1972-0003", "id": "1972-0003-DEC-DCPL-1991-07-10", "kind": "Decision", "date": "1991-07-10",
            "activityType": "PLENARY_AMEND_PROPOSAL", "stage": "RDG1", "source": one["source"]
        })
    );
    assert!(one["source"].as_str().unwrap().contains("CC BY 4.0"));
    assert!(requested(&fake, "procedures/1972-0003/events/1972-0003-DEC-DCPL-1991-07-10", ""));
    let missing = server.tool_error("get_procedure_event_by_id", json!({"processId": "1972-0003", "eventId": "1972-0003-XYZ"}));
    assert!(missing.contains("not found") && missing.contains("1972-0003-XYZ"), "{missing}");

    // get_procedures takes the same references, two-letter types included; its events carry kinds now.
    let p = server.ok("get_procedures", json!({"processId": "1972/0003(CN)"}));
    assert_eq!(p["data"][0]["events"][1]["kind"], "Decision");
    assert!(requested(&fake, "procedures/1972-0003", ""));

    refused(
        &mut server,
        &fake,
        &[
            ("get_procedure_events", json!({}), "processId"),
            ("get_procedure_events", json!({"processId": "1972-0003/../../meps"}), "processId"),
            ("get_procedure_events", json!({"processId": "1972-0003", "limit": 500}), "limit"),
            ("get_procedure_event_by_id", json!({"processId": "1972-0003"}), "eventId"),
            ("get_procedure_event_by_id", json!({"eventId": "1972-0003-DEC-DCPL-1991-07-10"}), "processId"),
            ("get_procedure_event_by_id", json!({"processId": "1972-0003", "eventId": "x/../../y"}), "eventId"),
            ("get_procedure_event_by_id", json!({"processId": "1972-0003", "eventId": "1972-0003-DEC?x"}), "eventId"),
            ("get_procedures", json!({"processId": "1972/0003(CODE)"}), "processId"),
        ],
    );
}
