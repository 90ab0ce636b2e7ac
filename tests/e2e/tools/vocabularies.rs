//! The `vocabularies` component: the EP's controlled vocabularies and their concepts.

use serde_json::json;

use crate::support::*;

#[test]
fn get_controlled_vocabularies_pages_the_list_and_reads_one_with_its_concepts() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let list = server.ok("get_controlled_vocabularies", json!({}));
    assert_eq!(list["count"], 5);
    assert_eq!(list["data"][1], json!({"id": "ep-document-types", "version": "20260131_1"}));
    let page = server.ok("get_controlled_vocabularies", json!({"limit": 2, "offset": 1}));
    assert_eq!(ids(&page), ["ep-document-types", "ep-procedure-types"]);
    assert_eq!((&page["hasMore"], &page["nextOffset"]), (&json!(true), &json!(3)));
    for id in ["ep-decision-methods", "def/ep-decision-methods"] {
        let one = server.ok("get_controlled_vocabularies", json!({"vocId": id, "live": true}));
        let v = &one["data"][0];
        assert_eq!(v["id"], "ep-decision-methods");
        assert_eq!(v["concepts"].as_array().unwrap().len(), 8);
        assert_eq!(v["concepts"][0]["code"], "DECISION");
        assert_eq!(v["concepts"][0]["label"], "Decision");
        assert_eq!(one["endpoint"], "controlled-vocabularies/ep-decision-methods");
    }
    // Both spellings of the id are one request: the second is served from the host's cache.
    assert_eq!(
        fake.requests(),
        [
            line("controlled-vocabularies", "offset=0&limit=50"),
            line("controlled-vocabularies", "offset=1&limit=2"),
            "GET /api/v2/controlled-vocabularies/ep-decision-methods?format=application%2Fld%2Bjson".to_string(),
        ]
    );
    assert!(server.tool_error("get_controlled_vocabularies", json!({"vocId": "ep-nothing"})).contains("not found"));
    let before = fake.requests().len();
    for args in [
        json!({"vocId": "../meps"}),
        json!({"vocId": "ep-roles/../../meps"}),
        json!({"vocId": "EP-ROLES"}),
        json!({"vocId": "ep-roles?x=1"}),
        json!({"vocId": ""}),
        json!({"limit": 0}),
        json!({"offset": -5}),
        json!({"language": "en"}),
    ] {
        server.invalid("get_controlled_vocabularies", args);
    }
    assert_eq!(fake.requests().len(), before, "an invalid call reached the EP API");
}
