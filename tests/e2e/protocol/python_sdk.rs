//! A real third-party client: the official Python MCP SDK (venv made by `make setup`).

use std::process::Command;

use serde_json::Value;

use crate::support::{Fake, components_dir, epmcp_bin, path};

#[test]
fn python_sdk_lists_tools_calls_two_reads_a_resource_and_gets_a_prompt() {
    let fake = Fake::start();
    let python = path("EPMCP_PYTHON", ".venv/bin/python");
    assert!(python.exists(), "{} missing: run `make test` (it creates the venv)", python.display());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/sdk_client.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(epmcp_bin())
        .env("EP_API_URL", &fake.url)
        .env("EPMCP_COMPONENTS", components_dir())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "sdk client failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let tools: Vec<&str> = report["tools"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    // The default profile (`standard`): the data tools and the analyses.
    assert!(tools.contains(&"get_mep_details") && tools.contains(&"analyze_voting_patterns"), "{tools:?}");
    assert_eq!(tools.len(), 38, "{tools:?}");
    assert_eq!(report["details"]["name"], "Elio DI RUPO");
    assert_eq!(report["current"]["count"], 2);
    assert_eq!(report["invalid"]["isError"], true, "{report}");
    assert!(report["templates"].as_array().unwrap().contains(&Value::from("ep://meps/{mepId}")), "{report}");
    assert_eq!(report["resource"]["name"], "Elio DI RUPO");
    assert_eq!(report["prompts"].as_array().unwrap().len(), 7);
    assert!(report["prompt"].as_str().unwrap().contains("MEP 1294"), "{report}");
    // Every analytics tool answers through the SDK with a result its outputSchema accepts;
    // the figures are those worked by hand in docs/METHODS.md.
    let analytics = &report["analytics"];
    let not_of_roll_calls = ["generate_report", "analyze_committee_activity", "monitor_legislative_pipeline", "track_legislation"];
    for (name, result) in analytics.as_object().unwrap() {
        assert_eq!(result["isError"], false, "{name}: {result}");
        if !not_of_roll_calls.contains(&name.as_str()) {
            assert_eq!(result["structured"]["coverage"]["rollCalls"], 4, "{name}: {result}");
        }
    }
    assert_eq!(analytics["generate_report"]["structured"]["sections"][0]["result"]["coverage"]["rollCalls"], 4);
    assert_eq!(analytics["analyze_committee_activity"]["structured"]["documents"]["total"], 1);
    assert_eq!(analytics.as_object().unwrap().len(), 18, "the reference's 18 analysis tools");
    assert_eq!(analytics["analyze_legislative_effectiveness"]["structured"]["voting"]["prevailingSideRate"], 0.75);
    assert_eq!(analytics["monitor_legislative_pipeline"]["structured"]["procedures"][0]["processId"], "1972-0003");
    assert_eq!(analytics["network_analysis"]["structured"]["edges"].as_array().unwrap().len(), 5);
    assert_eq!(analytics["compare_political_groups"]["structured"]["groups"][0]["cohesion"], 0.75);
    assert_eq!(analytics["track_mep_attendance"]["structured"]["averageAttendanceRate"], 0.9643, "107 counted within his mandate");
    assert_eq!(analytics["generate_political_landscape"]["structured"]["effectiveNumberOfGroups"], 4.4545);
    // Progress: one notification per batch of EP answers read, counting up, each saying so.
    for (name, call) in report["progress"].as_object().unwrap() {
        assert_eq!(call["isError"], false, "{name}: {call}");
        let seen = call["notifications"].as_array().unwrap();
        assert!(seen.len() >= 2, "{name}: {call}");
        let counts: Vec<f64> = seen.iter().map(|n| n["progress"].as_f64().unwrap()).collect();
        assert!(counts.windows(2).all(|w| w[0] < w[1]), "{name}: progress must increase: {counts:?}");
        assert!(seen.iter().all(|n| n["message"].as_str().unwrap().ends_with("EP API answers read")), "{name}: {call}");
    }
}
