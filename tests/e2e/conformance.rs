//! The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned, with
//! Node 22; installed by `make setup-test`) against `epmcp serve`. Scenarios that need the
//! suite's own fixture tools are listed in `tests/conformance/expected-failures.yml`;
//! every other scenario must pass.

use std::process::Command;

use crate::support::{Fake, Hosted, TempDir, path};

#[test]
fn the_official_conformance_suite_passes() {
    let bin = path("EPMCP_CONFORMANCE_BIN", ".conformance/node_modules/.bin");
    let conformance = bin.join("conformance");
    assert!(conformance.exists(), "{} missing: run `make setup-test`", conformance.display());
    let fake = Fake::start();
    let server = Hosted::start(&fake, &[("EPMCP_ANONYMOUS_ROLE", "researcher")]);
    let baseline = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/expected-failures.yml");
    let results = TempDir::new("conformance");
    // Node 22 from the suite's own install comes first on PATH.
    let path_var = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new(&conformance)
        .args(["server", "--url", &server.url, "--expected-failures"])
        .arg(&baseline)
        .arg("-o")
        .arg(&results.0)
        .env("PATH", path_var)
        .current_dir(&results.0)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: Vec<&str> = stdout.lines().filter(|l| l.starts_with('✓') || l.starts_with('✗') || l.starts_with("Total")).collect();
    assert!(out.status.success(), "conformance failed:\n{}\n{}", summary.join("\n"), String::from_utf8_lossy(&out.stderr));
    for scenario in ["server-initialize", "ping", "tools-list", "completion-complete", "server-sse-multiple-streams", "dns-rebinding-protection"] {
        assert!(summary.iter().any(|l| l.starts_with(&format!("✓ {scenario}:"))), "{scenario} did not pass:\n{}", summary.join("\n"));
    }
}
