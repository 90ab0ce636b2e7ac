//! Resources, prompts and completion: declared by components, served by the host.

use serde_json::{Value, json};

use crate::support::{Fake, Server};

fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array().unwrap().iter().map(|p| p[key].as_str().unwrap().to_string()).collect()
}

#[test]
fn lists_and_renders_the_seven_prompts() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let prompts = server.request("prompts/list", json!({}))["result"]["prompts"].clone();
    let mut listed = names(&prompts, "name");
    listed.sort();
    assert_eq!(
        listed,
        [
            "coalition_analysis",
            "committee_activity_report",
            "country_delegation_analysis",
            "legislative_tracking",
            "mep_briefing",
            "political_group_comparison",
            "voting_pattern_analysis"
        ]
    );
    let briefing = prompts.as_array().unwrap().iter().find(|p| p["name"] == "mep_briefing").unwrap();
    assert_eq!(briefing["arguments"][0]["name"], "mepId");
    assert_eq!(briefing["arguments"][0]["required"], true);

    let got = server.request("prompts/get", json!({"name": "mep_briefing", "arguments": {"mepId": "124936"}}));
    let message = &got["result"]["messages"][0];
    assert_eq!(message["role"], "user");
    let text = message["content"]["text"].as_str().unwrap();
    assert!(text.contains("MEP 124936") && text.contains("get_mep_details with id 124936"), "{text}");
    assert!(!text.contains("{period}") && !text.contains("Cover the period"), "absent optional lines are dropped: {text}");
    let with_period = server.request("prompts/get", json!({"name": "mep_briefing", "arguments": {"mepId": "1", "period": "2025"}}));
    assert!(with_period["result"]["messages"][0]["content"]["text"].as_str().unwrap().contains("Cover the period 2025."));
}

#[test]
fn refuses_bad_prompt_requests() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    for (params, needle) in [
        (json!({"name": "nope"}), "nope"),
        (json!({"name": "mep_briefing"}), "mepId"),
        (json!({"name": "mep_briefing", "arguments": {"mepId": "1", "extra": "x"}}), "extra"),
        (json!({"name": "mep_briefing", "arguments": {"mepId": "x".repeat(201)}}), "200"),
        (json!({"name": "mep_briefing", "arguments": {"mepId": "a\u{1b}[31m"}}), "control"),
    ] {
        let response = server.request("prompts/get", params.clone());
        assert_eq!(response["error"]["code"], -32602, "{params}: {response}");
        assert!(response["error"]["message"].as_str().unwrap().contains(needle), "{params}: {response}");
    }
    // The server keeps serving.
    assert!(server.request("prompts/list", json!({}))["result"]["prompts"].is_array());
}

#[test]
fn completes_prompt_arguments() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let complete = |server: &mut Server, prompt: &str, argument: &str, value: &str| {
        server.request(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": prompt}, "argument": {"name": argument, "value": value}}),
        )["result"]["completion"]
            .clone()
    };
    let countries = complete(&mut server, "country_delegation_analysis", "country", "e");
    assert_eq!(countries["values"], json!(["EE", "EL", "ES"]));
    assert_eq!(countries["total"], 3);
    assert_eq!(countries["hasMore"], false);
    let groups = complete(&mut server, "political_group_comparison", "groups", "");
    assert_eq!(groups["total"], 9);
    // Values from EP data, through a tool: MEP ids found by name, committee acronyms.
    let meps = complete(&mut server, "mep_briefing", "mepId", "weber");
    assert_eq!(meps["values"], json!(["101"]), "{meps}");
    let by_id = complete(&mut server, "voting_pattern_analysis", "mepId", "10");
    assert_eq!(by_id["total"], 7, "{by_id}");
    let committees = complete(&mut server, "committee_activity_report", "committeeId", "afe");
    assert_eq!(committees["values"], json!(["AFET"]), "{committees}");
    let requests = fake.requests().len();
    complete(&mut server, "mep_briefing", "mepId", "web");
    assert_eq!(fake.requests().len(), requests, "completion data is cached");
}

#[test]
fn unknown_resources_are_clean_errors() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    assert!(server.request("resources/list", json!({}))["result"]["resources"].is_array());
    assert!(server.request("resources/templates/list", json!({}))["result"]["resourceTemplates"].is_array());
    for uri in ["ep://nothing/here", "file:///etc/passwd", "ep://meps/1?x=../../", &format!("ep://{}", "a".repeat(5000))] {
        let response = server.request("resources/read", json!({"uri": uri}));
        assert_eq!(response["error"]["code"], -32002, "{uri}: {response}");
    }
    assert!(fake.requests().is_empty(), "nothing reached the EP API");
}

/// `resources/read` → the JSON document in its one text content.
fn read(server: &mut Server, uri: &str) -> Value {
    let response = server.request("resources/read", json!({"uri": uri}));
    let contents = &response["result"]["contents"][0];
    assert_eq!(contents["uri"], uri, "{response}");
    assert_eq!(contents["mimeType"], "application/json");
    serde_json::from_str(contents["text"].as_str().unwrap()).unwrap()
}

#[test]
fn resources_are_read_through_their_tools() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let listed = server.request("resources/list", json!({}))["result"]["resources"].clone();
    let concrete = names(&listed, "uri");
    assert!(concrete.contains(&"ep://meps".to_string()) && concrete.contains(&"ep://plenary-sessions".to_string()), "{concrete:?}");
    let templates = server.request("resources/templates/list", json!({}))["result"]["resourceTemplates"].clone();
    assert!(names(&templates, "uriTemplate").contains(&"ep://meps/{mepId}".to_string()));

    assert_eq!(read(&mut server, "ep://meps/1294")["name"], "Elio DI RUPO");
    assert_eq!(read(&mut server, "ep://meps")["count"], 7);
    assert_eq!(read(&mut server, "ep://committees/1")["data"][0]["abbreviation"], "ECON");
    assert_eq!(read(&mut server, "ep://procedures/1972-0003")["data"][0]["reference"], "1972/0003(COD)");
    assert_eq!(read(&mut server, "ep://documents/A-10-0034-0034-AM-001-001")["data"][0]["workType"], "AMENDMENT_LIST");
    assert!(read(&mut server, "ep://plenary-sessions")["data"].is_array());
    let sitting = read(&mut server, "ep://plenary/MTG-PL-2014-01-13");
    assert_eq!((sitting["data"][0]["id"].as_str(), sitting["data"][0]["location"].as_str()), (Some("MTG-PL-2014-01-13"), Some("Strasbourg")));
    assert_eq!(read(&mut server, "ep://votes/MTG-PL-2014-01-16")["count"], 1);
    let requests = fake.requests();
    assert!(requests.iter().any(|r| r.starts_with("GET /api/v2/meps/1294?")), "{requests:?}");
}

#[test]
fn bad_resource_variables_are_refused_before_any_request() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    for uri in ["ep://meps/..%2F..%2Fcorporate-bodies", "ep://meps/abc", "ep://procedures/2024%2F0006%3Fx"] {
        let response = server.request("resources/read", json!({"uri": uri}));
        assert_eq!(response["error"]["code"], -32602, "{uri}: {response}");
    }
    let missing = server.request("resources/read", json!({"uri": "ep://committees/9999404"}));
    assert_eq!(missing["error"]["code"], -32002, "{missing}");
    assert_eq!(fake.requests().len(), 1, "only the well-formed lookup reached the EP API");
}

#[test]
fn completes_resource_variables_from_tool_enums() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let response = server.request(
        "completion/complete",
        json!({"ref": {"type": "ref/resource", "uri": "ep://meps/{mepId}"}, "argument": {"name": "mepId", "value": "1"}}),
    );
    // Free-text ids have no closed set: an empty, well-formed answer.
    assert_eq!(response["result"]["completion"]["values"], json!([]));
}

#[test]
fn every_prompt_renders_and_names_only_served_tools() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let tools = server.request("tools/list", json!({}))["result"]["tools"].clone();
    let served = names(&tools, "name");
    let prompts = server.request("prompts/list", json!({}))["result"]["prompts"].clone();
    for prompt in prompts.as_array().unwrap() {
        let name = prompt["name"].as_str().unwrap();
        let arguments: serde_json::Map<String, Value> = prompt["arguments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["name"].as_str().unwrap().to_string(), json!("ENVI")))
            .collect();
        let got = server.request("prompts/get", json!({"name": name, "arguments": arguments}));
        let text = got["result"]["messages"][0]["content"]["text"].as_str().unwrap_or_else(|| panic!("{name}: {got}"));
        assert!(!text.contains('{'), "{name}: unfilled placeholder in {text}");
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            let looks_like_tool = word.contains('_') && word.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            let verbs = ["get_", "search_", "analyze_", "track_", "assess_", "detect_", "compare_"];
            if looks_like_tool && verbs.iter().any(|v| word.starts_with(v)) {
                assert!(served.contains(&word.to_string()), "prompt {name} names {word}, which is not served");
            }
        }
    }
}
