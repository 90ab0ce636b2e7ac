//! The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned, with
//! Node 22; installed by `make setup-test`) against `epmcp serve` serving the EP `meps`
//! component and the test-only `conformance_fixtures` component, which provides the tools,
//! resources and prompts the suite calls by name. Every scenario of the suite (the active
//! ones and the pending ones) must pass, read from each scenario's `checks.json`, except
//! those in `tests/conformance/not-applicable.txt`, each listed with the reason.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

use crate::support::{Fake, Hosted, TempDir, components_with, path};

/// Scenarios that do not apply to epmcp, with why (`name: reason` lines).
fn not_applicable() -> BTreeMap<String, String> {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/not-applicable.txt");
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, reason) = l.split_once(':').expect("`scenario: reason`");
            (name.trim().to_string(), reason.trim().to_string())
        })
        .collect()
}

/// Each scenario's checks, from its `checks.json` (in `server-<scenario>-<timestamp>/`).
fn checks(results: &std::path::Path) -> BTreeMap<String, Vec<Value>> {
    let mut scenarios = BTreeMap::new();
    for entry in std::fs::read_dir(results).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("server-") else { continue };
        // The timestamp is the last six dash-separated parts: 2026-11-23T13-30-18-295Z.
        let parts: Vec<&str> = rest.split('-').collect();
        let scenario = parts[..parts.len().saturating_sub(6)].join("-");
        let json = std::fs::read_to_string(dir.join("checks.json")).unwrap_or_else(|_| "[]".into());
        let checks: Vec<Value> = serde_json::from_str(&json).unwrap();
        scenarios.entry(scenario).or_insert_with(Vec::new).extend(checks);
    }
    scenarios
}

#[test]
fn the_official_conformance_suite_passes() {
    let bin = path("EPMCP_CONFORMANCE_BIN", ".conformance/node_modules/.bin");
    let conformance = bin.join("conformance");
    assert!(conformance.exists(), "{} missing: run `make setup-test`", conformance.display());
    let fake = Fake::start();
    let components = components_with(&["meps"], &["conformance_fixtures"]);
    let server = Hosted::start_with(&fake, &components.0, &[("EPMCP_ANONYMOUS_ROLE", "researcher"), crate::support::ANONYMOUS_ANALYTICS]);
    let results = TempDir::new("conformance");
    // Node 22 from the suite's own install comes first on PATH.
    let path_var = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new(&conformance)
        .args(["server", "--url", &server.url, "--suite", "all", "-o"])
        .arg(&results.0)
        .env("PATH", path_var)
        .current_dir(&results.0)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: Vec<&str> = stdout.lines().filter(|l| l.starts_with('✓') || l.starts_with('✗') || l.starts_with("Total")).collect();
    let scenarios = checks(&results.0);
    let skipped = not_applicable();
    assert!(scenarios.len() >= 32, "expected every scenario of the suite, got {:?}\n{}", scenarios.keys(), summary.join("\n"));
    let mut failures = Vec::new();
    for (scenario, checks) in &scenarios {
        if skipped.contains_key(scenario) {
            continue;
        }
        assert!(!checks.is_empty(), "{scenario}: no checks recorded");
        for check in checks.iter().filter(|c| c["status"] == "FAILURE") {
            failures.push(format!("{scenario}/{}: {}", check["id"].as_str().unwrap_or("?"), check["errorMessage"]));
        }
    }
    assert!(failures.is_empty(), "conformance checks failed:\n{}\n\n{}", failures.join("\n"), summary.join("\n"));
    // A scenario listed as not applicable that passes whole means the list is stale.
    for (scenario, reason) in &skipped {
        let passes = scenarios.get(scenario).is_some_and(|c| !c.is_empty() && c.iter().all(|c| c["status"] != "FAILURE"));
        assert!(!passes, "{scenario} passes now: remove it from not-applicable.txt ({reason})");
    }
    if skipped.is_empty() {
        assert!(out.status.success(), "conformance exited with {}:\n{}", out.status, summary.join("\n"));
    }
}
