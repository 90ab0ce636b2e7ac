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

/// Whether every file of `files` is under one of `dirs` (paths relative to the repository).
fn all_under(files: &[String], dirs: &[&str]) -> bool {
    files.iter().all(|f| dirs.iter().any(|d| f.starts_with(d)))
}

#[test]
fn only_upstream_and_the_command_line_know_the_upstream_url() {
    let files = files_mentioning(&["host/src"], "EP_API_URL");
    assert!(all_under(&files, &["host/src/cli/", "host/src/egress/upstream.rs"]), "{files:?}");
    assert_eq!(files_mentioning(&["host/src"], "client::legacy"), ["host/src/egress/upstream.rs"]);
}

#[test]
fn stdout_is_written_only_by_the_stdio_transport_and_cli_output() {
    let files = files_mentioning(&["host/src"], "println!");
    assert!(all_under(&files, &["host/src/cli/", "host/src/main.rs"]), "{files:?}");
    assert_eq!(files_mentioning(&["host/src"], "std::io::stdout"), ["host/src/transport/stdio.rs"]);
}

#[test]
fn only_mcp_and_transport_know_rmcp() {
    let files = files_mentioning(&["host/src"], "rmcp::");
    assert!(all_under(&files, &["host/src/mcp/", "host/src/transport/"]), "{files:?}");
}

/// The host's layers, in the order a request crosses them (ARCHITECTURE.md). A file may
/// name modules of its own folder and of the layers after its own, never one before it.
/// The files at the top of `host/src` other than `main.rs` are the ground: they name only
/// each other.
const HOST_LAYERS: [&str; 9] = ["cli", "transport", "auth", "mcp", "dispatch", "controls", "runtime", "egress", "ground"];

/// The analytics component's layers: tools assemble measures of what was read.
const ANALYTICS_LAYERS: [&str; 4] = ["tools", "measure", "read", "metrics"];

/// The top-level modules a file names through `crate::` paths (comments left out).
fn crate_names(source: &str) -> std::collections::BTreeSet<String> {
    let code: String = source.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let mut names = std::collections::BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let words: Vec<String> = match rest.strip_prefix('{') {
            Some(group) => group.split('}').next().unwrap_or("").split(',').map(|w| w.trim().split("::").next().unwrap_or("").to_string()).collect(),
            None => vec![rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("").to_string()],
        };
        names.extend(words.into_iter().filter(|w| !w.is_empty()));
    }
    names
}

/// Where the files of a crate's `src` (its root file left out) name a layer before their
/// own; the last layer is also every top-level module not named in `layers`, and may name
/// only itself, without a cycle. Also returns the `crate::` names each file uses.
fn layer_violations(src: &Path, root: &str, layers: &[&str]) -> (Vec<String>, std::collections::BTreeMap<String, std::collections::BTreeSet<String>>) {
    let layer_of = |module: &str| layers.iter().position(|l| *l == module).unwrap_or(layers.len() - 1);
    let ground = layers.len() - 1;
    let mut wrong = Vec::new();
    let mut ground_edges = Vec::new();
    let mut named = std::collections::BTreeMap::new();
    for file in rust_files(src) {
        let relative = file.strip_prefix(src).unwrap().display().to_string();
        if relative == root {
            continue;
        }
        let own = relative.split('/').next().unwrap().trim_end_matches(".rs").to_string();
        let names = crate_names(&std::fs::read_to_string(&file).unwrap());
        for name in names.iter().filter(|n| **n != own) {
            let (layer, own_layer) = (layer_of(name), layer_of(&own));
            if layer < own_layer || (layer == own_layer && own_layer != ground) {
                wrong.push(format!("{relative} names crate::{name}"));
            } else if layer == own_layer {
                ground_edges.push((own.clone(), name.clone()));
            }
        }
        named.insert(relative, names);
    }
    // No cycle among the ground files: repeatedly remove one that names no remaining one.
    let mut left: std::collections::BTreeSet<String> = ground_edges.iter().flat_map(|(a, b)| [a.clone(), b.clone()]).collect();
    while let Some(leaf) = left.iter().find(|m| !ground_edges.iter().any(|(a, b)| a == *m && left.contains(b))).cloned() {
        left.remove(&leaf);
    }
    if !left.is_empty() {
        wrong.push(format!("the ground files {left:?} name each other in a cycle"));
    }
    (wrong, named)
}

#[test]
fn host_modules_name_only_their_own_layer_and_those_after_it() {
    let (wrong, named) = layer_violations(&repo().join("host/src"), "main.rs", &HOST_LAYERS);
    assert!(wrong.is_empty(), "modules naming a layer before their own:\n{}", wrong.join("\n"));
    // The test sees what it should: the dispatcher names the runtime, and the runtime the egress.
    assert!(named["dispatch/mod.rs"].contains("runtime") && named["runtime/mod.rs"].contains("egress"));
}

#[test]
fn analyses_assemble_measures_of_what_they_read_and_nothing_reads_back_up() {
    let (wrong, named) = layer_violations(&repo().join("guest-tools/analytics/src"), "lib.rs", &ANALYTICS_LAYERS);
    assert!(wrong.is_empty(), "analytics modules naming a layer before their own:\n{}", wrong.join("\n"));
    assert!(named["tools/attendance.rs"].contains("read") && named["measure/mod.rs"].contains("read"));
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
