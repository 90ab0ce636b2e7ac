//! MCP over stdio: handshake, versions, methods, errors, ids, shutdown, stdout hygiene.

use serde_json::json;

use crate::support::{Fake, Options, Server};

fn init(version: &str) -> serde_json::Value {
    json!({"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "e2e", "version": "0"}})
}

#[test]
fn negotiates_every_supported_version() {
    let fake = Fake::start();
    for version in ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] {
        let mut server = Server::spawn(&fake.url, Options::default());
        let response = server.request("initialize", init(version));
        assert_eq!(response["result"]["protocolVersion"], version);
        assert_eq!(response["result"]["serverInfo"]["name"], "epmcp");
        assert!(response["result"]["capabilities"]["tools"].is_object());
    }
    // An unknown version gets the newest one we speak.
    let mut server = Server::spawn(&fake.url, Options::default());
    let response = server.request("initialize", init("1999-01-01"));
    assert_eq!(response["result"]["protocolVersion"], "2025-11-25");
}

#[test]
fn lists_tools_with_input_and_output_schemas() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let tools = server.request("tools/list", json!({}))["result"]["tools"].clone();
    let names: Vec<&str> = tools.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    // The complete list is checked against the reference by the parity test.
    for name in ["get_committee_info", "get_current_meps", "get_mep_details", "get_meps", "get_plenary_sessions"] {
        assert!(names.contains(&name), "{name} missing");
    }
    for tool in tools.as_array().unwrap() {
        assert_eq!(tool["inputSchema"]["type"], "object", "{}", tool["name"]);
        assert_eq!(tool["outputSchema"]["type"], "object", "{}", tool["name"]);
        assert_eq!(tool["annotations"]["readOnlyHint"], true);
        assert!(tool["description"].as_str().unwrap().len() > 40);
    }
    let get_meps = tools.as_array().unwrap().iter().find(|t| t["name"] == "get_meps").unwrap();
    assert_eq!(get_meps["inputSchema"]["properties"]["limit"]["maximum"], 100);
    assert_eq!(get_meps["inputSchema"]["properties"]["limit"]["default"], 50);
    assert_eq!(get_meps["inputSchema"]["properties"]["country"]["pattern"], "^[A-Z]{2}$");
}

#[test]
fn answers_unknown_methods_bad_params_and_garbage() {
    let fake = Fake::start();
    let mut server = Server::spawn(&fake.url, Options::default());
    // Before initialize: auto-negotiating clients probe with server/discover.
    server.send_raw(r#"{"jsonrpc":"2.0","id":"server-discover-probe-1","method":"server/discover","params":{}}"#);
    let r = server.response(&json!("server-discover-probe-1"));
    assert_eq!(r["error"]["code"], -32601);
    server.send_raw(r#"{"jsonrpc":"2.0","id":"p","method":"ping"}"#);
    assert_eq!(server.response(&json!("p"))["result"], json!({}));
    let init = server.request("initialize", init("2025-11-25"));
    assert!(init["result"].is_object());
    server.notify("notifications/initialized", json!({}));

    assert_eq!(server.request("resources/wat", json!({}))["error"]["code"], -32601);
    assert_eq!(server.request("tools/call", json!({}))["error"]["code"], -32602);
    assert_eq!(server.request("tools/call", json!({"name": "no_such_tool", "arguments": {}}))["error"]["code"], -32602);
    server.send_raw("this is not json");
    assert_eq!(server.read()["error"]["code"], -32700);
    assert_eq!(server.request("logging/setLevel", json!({"level": "debug"}))["result"], json!({}));
    assert_eq!(server.request("ping", json!({}))["result"], json!({}));
}

#[test]
fn echoes_zero_and_string_ids() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    server.send_raw(r#"{"jsonrpc":"2.0","id":0,"method":"ping"}"#);
    assert_eq!(server.response(&json!(0))["id"], 0);
    server.send_raw(r#"{"jsonrpc":"2.0","id":"abc-1","method":"tools/list"}"#);
    assert!(server.response(&json!("abc-1"))["result"]["tools"].is_array());
}

#[test]
fn exits_promptly_when_stdin_closes_and_prints_only_json() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    server.ok("get_current_meps", json!({"limit": 2}));
    let took = server.close();
    assert!(took.as_millis() < 2000, "took {took:?} to exit");
    for message in server.drain() {
        assert_eq!(message["jsonrpc"], "2.0");
    }
    assert!(server.stderr().contains("serving MCP on stdio"), "logs belong on stderr");
}

#[test]
fn refuses_bad_configuration_with_a_clear_message() {
    let out = std::process::Command::new(crate::support::epmcp_bin())
        .env("EP_API_URL", "http://example.com/api/v2/")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("plain http is allowed only to a loopback address"), "{stderr}");
}

#[test]
fn the_text_block_is_the_whole_result_in_every_revision() {
    // Many clients give the model only the text: a 100-item page must reach it whole.
    let fake = Fake::start();
    let call = json!({"name": "get_committee_info", "arguments": {"showCurrent": true}});
    for version in ["2025-11-25", "2024-11-05"] {
        let mut server = Server::spawn(&fake.url, Options::default());
        server.request("initialize", init(version));
        server.notify("notifications/initialized", json!({}));
        let result = server.request("tools/call", call.clone())["result"].clone();
        let text: serde_json::Value = serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(text["count"], 58, "{version}");
        assert_eq!(text["data"].as_array().unwrap().len(), 58, "{version}");
        if version == "2025-11-25" {
            assert_eq!(text, result["structuredContent"]);
        }
    }
}
