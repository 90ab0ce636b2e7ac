//! The `events` component.

use serde_json::json;

use crate::support::*;

#[test]
fn get_events_pages_finds_one_by_id_filters_by_type_and_refuses_bad_arguments() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let events = server.ok("get_events", json!({"limit": 2}));
    assert_eq!(ids(&events), ["MTG-PL-2014-01-13", "MTG-PL-2014-01-16-VOT-ITM-344715-3"]);
    assert_eq!(events["nextOffset"], 2);
    assert_eq!(events["data"][0]["activityType"], "PLENARY_SITTING");
    let one = server.ok("get_events", json!({"eventId": "MTG-PL-2014-01-13"}));
    assert_eq!(one["data"][0]["label"], "Monday, 13 January 2014");
    assert_eq!(
        fake.requests(),
        [
            "GET /api/v2/events?format=application%2Fld%2Bjson&offset=0&limit=2",
            "GET /api/v2/events/MTG-PL-2014-01-13?format=application%2Fld%2Bjson",
        ]
    );
    server.ok("get_events", json!({"activityType": "PLENARY_DEBATE"}));
    assert!(fake.requests().iter().any(|r| r.contains("/events?") && r.contains("activity-type=PLENARY_DEBATE")));
    assert!(server.tool_error("get_events", json!({"eventId": "MTG-PL-1999-01-01"})).contains("not found"));
    for args in [
        json!({"eventId": "../meps"}),
        json!({"eventId": "MTG-PL-2014-01-13", "activityType": "PLENARY_DEBATE"}),
        json!({"activityType": "plenary debate"}),
        json!({"limit": 0}),
        json!({"dateFrom": "2014-01-01"}),
    ] {
        server.invalid("get_events", args);
    }
}
