//! The `stats` component: yearly record counts walked live.

use serde_json::{Value, json};

use crate::support::*;

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
