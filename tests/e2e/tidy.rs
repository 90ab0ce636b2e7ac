//! Invariants from ARCHITECTURE.md, checked on the source tree.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

fn files_mentioning(dirs: &[&str], needle: &str) -> Vec<String> {
    let root = repo();
    let mut hits: Vec<String> = dirs
        .iter()
        .flat_map(|d| rust_files(&root.join(d)))
        .filter(|f| std::fs::read_to_string(f).unwrap().contains(needle))
        .map(|f| f.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    hits.sort();
    hits
}

#[test]
fn only_the_guest_http_module_touches_wasi_http() {
    assert_eq!(
        files_mentioning(&["guest-client", "guest-tools"], "wasip2::"),
        ["guest-client/src/http.rs", "guest-client/src/lib.rs"]
    );
}

#[test]
fn only_upstream_and_config_know_the_upstream_url() {
    assert_eq!(files_mentioning(&["host/src"], "EP_API_URL"), ["host/src/config.rs", "host/src/upstream.rs"]);
    assert_eq!(files_mentioning(&["host/src"], "client::legacy"), ["host/src/upstream.rs"]);
}

#[test]
fn stdout_is_written_only_by_the_stdio_transport_and_cli_output() {
    assert_eq!(files_mentioning(&["host/src"], "println!"), ["host/src/main.rs", "host/src/operator.rs"]);
    assert_eq!(files_mentioning(&["host/src"], "std::io::stdout"), ["host/src/transport/stdio.rs"]);
}

#[test]
fn only_mcp_and_transport_know_rmcp() {
    assert_eq!(
        files_mentioning(&["host/src"], "rmcp::"),
        [
            "host/src/error.rs",
            "host/src/mcp.rs",
            "host/src/session.rs",
            "host/src/transport/http.rs",
            "host/src/transport/sessions.rs",
            "host/src/transport/stdio.rs",
            "host/src/transport/ws.rs"
        ]
    );
}

#[test]
fn the_readme_tool_table_lists_exactly_the_served_tools() {
    let fake = crate::support::Fake::start();
    let mut server = crate::support::Server::start(&fake);
    let tools = server.request("tools/list", serde_json::json!({}))["result"]["tools"].clone();
    let mut served: Vec<String> = tools.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect();
    served.sort();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    // The table of the "## Tools" section (other tables, e.g. of policies, name other things).
    let section = readme.split("\n## Tools\n").nth(1).and_then(|rest| rest.split("\n## ").next()).expect("a ## Tools section");
    let mut documented: Vec<String> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(name, _)| name.to_string()))
        .filter(|name| name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .collect();
    documented.sort();
    assert_eq!(documented, served, "README.md's tool table and tools/list differ");
}
