//! The `speeches` component.

use serde_json::json;

use crate::support::*;

#[test]
fn get_speeches_by_day_and_mep_and_one_by_id_and_refuses_bad_arguments() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let speeches = server.ok("get_speeches", json!({"dateFrom": "2022-04-05", "dateTo": "2022-04-05", "mepId": "MEP-1294"}));
    let s = &speeches["data"][0];
    assert_eq!(s["id"], "MTG-PL-2022-04-05-OTH-20680000");
    assert_eq!(s["recordedIn"], json!(["CRE-9-2022-04-05-OTH-20680000"]));
    assert!(s["label"].as_str().unwrap().starts_with("EU Protection of children"));
    assert!(fake.requests().iter().any(|r| r.contains("/speeches?") && r.contains("sitting-date=2022-04-05&sitting-date-end=2022-04-05&person-id=1294")));
    let before = fake.requests().len();
    let one = server.ok("get_speeches", json!({"speechId": "MTG-PL-2022-04-05-OTH-20680000"}));
    assert_eq!((one["count"].clone(), one["data"][0]["id"].clone()), (json!(1), json!("MTG-PL-2022-04-05-OTH-20680000")));
    assert_eq!(fake.requests()[before..], ["GET /api/v2/speeches/MTG-PL-2022-04-05-OTH-20680000?format=application%2Fld%2Bjson"]);
    for args in [
        json!({"dateTo": "2022-04-05"}),
        json!({"speechId": "../x"}),
        json!({"speechId": "MTG-PL-2022-04-05-OTH-1", "mepId": "1"}),
        json!({"dateFrom": "2022-04-06", "dateTo": "2022-04-05"}),
        json!({"mepId": "Smith"}),
        json!({"text": "children"}),
    ] {
        server.invalid("get_speeches", args);
    }
}
