//! Parity with the reference server: every tool (same name, parameter names, types,
//! required-ness, defaults, enum values), resource template and prompt it exposes, read
//! from `tests/parity/reference.json` (extracted from TOOLS.md).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{Fake, Server};

/// Reference tools not served yet, each with the issue that brings it. The test fails
/// when one of these appears, so the list only shrinks.
const PENDING: &[(&str, &str)] = &[];

/// Where epmcp departs from the reference on purpose (`tool.param`, why).
const DEPARTURES: &[(&str, &str)] = &[
    ("get_latest_votes.includeIndividualVotes", "counts only by default: hundreds of person ids per vote are asked for, not sent unasked"),
    ("get_latest_votes.limit", "20 votes by default keeps an unfiltered call small enough for a model's context"),
    ("comparative_intelligence.mepIds", "MEP ids are strings in every tool (`124936`, `MEP-124936`, `person/124936`)"),
    ("network_analysis.mepId", "MEP ids are strings in every tool"),
];

fn reference() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("parity/reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The JSON Schema of one property, through `$ref` and `anyOf [T, null]`.
fn resolve<'a>(schema: &'a Value, mut property: &'a Value) -> &'a Value {
    for _ in 0..4 {
        if let Some(r) = property.get("$ref").and_then(Value::as_str) {
            property = schema.pointer(r.trim_start_matches('#')).unwrap_or(&Value::Null);
        } else if let Some(any) = property.get("anyOf").and_then(Value::as_array) {
            property = any.iter().find(|v| v.get("type") != Some(&json!("null"))).unwrap_or(&Value::Null);
        } else {
            break;
        }
    }
    property
}

fn types(property: &Value) -> BTreeSet<String> {
    match &property["type"] {
        Value::String(t) => [t.clone()].into(),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").map(str::to_string).collect(),
        _ => BTreeSet::new(),
    }
}

/// Differences between a reference parameter and our schema for it.
fn compare(tool: &str, schema: &Value, param: &Value) -> Vec<String> {
    let name = param["name"].as_str().unwrap();
    let Some(raw) = schema["properties"].get(name) else {
        return vec![format!("{tool}.{name}: missing")];
    };
    let ours = resolve(schema, raw);
    let mut problems = Vec::new();
    let want = param["type"].as_str().unwrap();
    let (base, array) = match want.strip_suffix("[]") {
        Some(item) => (item, true),
        None => (want, false),
    };
    let (got, item) = if array { (types(ours), types(resolve(schema, &ours["items"]))) } else { (types(ours), types(ours)) };
    let base_ok = |t: &BTreeSet<String>| t.contains(base) || (base == "number" && t.contains("integer"));
    let matches = if array { got.contains("array") && base_ok(&item) } else { base_ok(&got) };
    if !matches {
        problems.push(format!("{tool}.{name}: type {want}, ours {got:?}"));
    }
    let required = schema["required"].as_array().is_some_and(|r| r.contains(&json!(name)));
    if required != param["required"].as_bool().unwrap() {
        problems.push(format!("{tool}.{name}: required {}, ours {required}", param["required"]));
    }
    if let Some(default) = param.get("default") {
        let ours_default = raw.get("default").or(ours.get("default"));
        if ours_default != Some(default) {
            problems.push(format!("{tool}.{name}: default {default}, ours {ours_default:?}"));
        }
    }
    if let Some(values) = param.get("enum").and_then(Value::as_array) {
        // An array's allowed values are its items' enum.
        let values_of = if array { resolve(schema, &ours["items"]) } else { ours };
        let ours_enum = values_of.get("enum").and_then(Value::as_array).cloned().unwrap_or_default();
        let missing: Vec<&Value> = values.iter().filter(|v| !ours_enum.contains(v)).collect();
        if !missing.is_empty() {
            problems.push(format!("{tool}.{name}: enum lacks {missing:?}"));
        }
    }
    problems
}

#[test]
fn every_reference_tool_resource_and_prompt_is_served_alike() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let reference = reference();
    let tools = server.request("tools/list", json!({}))["result"]["tools"].clone();
    let find = |name: &str| tools.as_array().unwrap().iter().find(|t| t["name"] == name).cloned();

    let mut problems = Vec::new();
    for tool in reference["tools"].as_array().unwrap() {
        let name = tool["name"].as_str().unwrap();
        let pending = PENDING.iter().any(|(p, _)| *p == name);
        match (find(name), pending) {
            (None, true) => {}
            (Some(_), true) => problems.push(format!("{name} is served now: remove it from PENDING")),
            (None, false) => problems.push(format!("{name}: tool missing")),
            (Some(ours), false) => {
                for param in tool["params"].as_array().unwrap() {
                    let key = format!("{name}.{}", param["name"].as_str().unwrap());
                    let departs = DEPARTURES.iter().any(|(d, _)| *d == key);
                    let found = compare(name, &ours["inputSchema"], param);
                    if departs && found.is_empty() {
                        problems.push(format!("{key} is like the reference again: remove it from DEPARTURES"));
                    } else if !departs {
                        problems.extend(found);
                    }
                }
            }
        }
    }

    let templates = server.request("resources/templates/list", json!({}))["result"]["resourceTemplates"].clone();
    let concrete = server.request("resources/list", json!({}))["result"]["resources"].clone();
    let served: BTreeSet<&str> = templates
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["uriTemplate"].as_str())
        .chain(concrete.as_array().unwrap().iter().filter_map(|r| r["uri"].as_str()))
        .collect();
    for resource in reference["resourceTemplates"].as_array().unwrap() {
        let uri = resource["uriTemplate"].as_str().unwrap();
        if !served.contains(uri) {
            problems.push(format!("resource {uri}: missing"));
        }
    }

    let prompts = server.request("prompts/list", json!({}))["result"]["prompts"].clone();
    for prompt in reference["prompts"].as_array().unwrap() {
        let name = prompt["name"].as_str().unwrap();
        let Some(ours) = prompts.as_array().unwrap().iter().find(|p| p["name"] == name) else {
            problems.push(format!("prompt {name}: missing"));
            continue;
        };
        for argument in prompt["arguments"].as_array().unwrap() {
            let found = ours["arguments"].as_array().unwrap().iter().find(|a| a["name"] == argument["name"]);
            match found {
                None => problems.push(format!("prompt {name}.{}: missing", argument["name"])),
                Some(a) if a["required"] != argument["required"] => {
                    problems.push(format!("prompt {name}.{}: required differs", argument["name"]))
                }
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{} parity problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_reference_list_is_complete() {
    let reference = reference();
    assert_eq!(reference["tools"].as_array().unwrap().len(), 63);
    assert_eq!(reference["resourceTemplates"].as_array().unwrap().len(), 9);
    assert_eq!(reference["prompts"].as_array().unwrap().len(), 7);
}

/// Every EP API endpoint is reachable: some tool's egress prefix covers its path.
#[test]
fn every_endpoint_of_the_api_is_reached_by_a_tool() {
    let listing = std::process::Command::new(crate::support::epmcp_bin())
        .arg("components")
        .env("EPMCP_COMPONENTS", crate::support::components_dir())
        .env("EPMCP_LOG", "error")
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    let prefixes: Vec<Vec<&str>> = listing
        .lines()
        .filter_map(|l| l.split_once("egress: ").map(|(_, p)| p))
        .flat_map(|p| p.split(", "))
        .filter(|p| !p.is_empty())
        .map(|p| p.split('/').collect())
        .collect();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("parity/endpoints.txt");
    let endpoints = std::fs::read_to_string(path).unwrap();
    let mut unreached = Vec::new();
    for endpoint in endpoints.lines().filter(|l| l.starts_with('/')) {
        let segments: Vec<&str> = endpoint.trim_start_matches('/').split('/').collect();
        let covered = prefixes.iter().any(|prefix| {
            prefix.len() <= segments.len() && prefix.iter().zip(&segments).all(|(p, s)| p == s || s.starts_with('{'))
        });
        if !covered {
            unreached.push(endpoint);
        }
    }
    assert_eq!(endpoints.lines().filter(|l| l.starts_with('/')).count(), 55);
    assert!(unreached.is_empty(), "endpoints no tool may reach: {unreached:?}");
}
