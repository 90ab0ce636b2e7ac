//! Clients no one here wrote, as a new user meets them: the desktop configuration run
//! verbatim, Ajv 2020 in strict mode on every schema, the MCP Inspector CLI's schema
//! lint, and the TypeScript SDK at an old, a middle and the current version over stdio and
//! Streamable HTTP (all from the npm registry, installed by `make setup-test`).

use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::support::{Fake, Hosted, Options, Server, TempDir, epmcp_bin, path};

/// The npm install of `make setup-test`, and its Node 22 first on PATH.
fn node_dir() -> (PathBuf, String) {
    let bin = path("EPMCP_CONFORMANCE_BIN", ".conformance/node_modules/.bin");
    let dir = bin.parent().unwrap().parent().unwrap().to_path_buf();
    assert!(dir.join("sdk_client.mjs").exists(), "{} lacks the test scripts: run `make setup-test`", dir.display());
    (dir, format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
}

fn node(script: &str, args: &[&str], env: &[(&str, &str)]) -> Value {
    let (dir, path_var) = node_dir();
    let out = Command::new("node").arg(dir.join(script)).args(args).env("PATH", path_var).envs(env.iter().copied()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{script}: {e}: {stdout} {}", String::from_utf8_lossy(&out.stderr)))
}

/// The tools/list answer of a stdio server with these extra arguments.
fn tools_list(fake: &Fake, args: &[&str]) -> (Value, usize) {
    let options = Options { args: args.iter().map(|a| a.to_string()).collect(), ..Options::default() };
    let mut server = Server::start_with(fake, options);
    let response = server.request("tools/list", json!({}));
    let bytes = response["result"].to_string().len();
    (response["result"].clone(), bytes)
}

#[test]
fn the_desktop_configuration_serves_the_standard_tools_with_a_clean_environment() {
    // Exactly what the README's snippet runs: the binary, by absolute path, with no
    // environment (but the fake EP API's address) and from another directory.
    let fake = Fake::start();
    let elsewhere = TempDir::new("desktop");
    let mut child = Command::new(epmcp_bin())
        .env_clear()
        .env("EP_API_URL", &fake.url)
        .current_dir(&elsewhere.0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::{BufRead, BufReader, Write};
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "desktop", "version": "1"}}});
    writeln!(stdin, "{init}\n{}\n{}", json!({"jsonrpc": "2.0", "method": "notifications/initialized"}), json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})).unwrap();
    let _ = lines.next().unwrap().unwrap();
    let listed: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let tools = listed["result"]["tools"].as_array().unwrap();
    // The default profile, `standard`: the data tools and analyses, under a 40-tool cap.
    assert_eq!(tools.len(), 38, "{} tools with the build's own key", tools.len());
    assert!(tools.iter().any(|t| t["name"] == "analyze_voting_patterns") && !tools.iter().any(|t| t["name"] == "get_meps_feed"));
    drop(stdin);
    let _ = child.wait();
}

#[test]
fn a_server_whose_components_are_all_refused_says_why_and_how_to_fix_it() {
    let fake = Fake::start();
    let elsewhere = TempDir::new("untrusted");
    let out = Command::new(epmcp_bin())
        .env_clear()
        .env("EP_API_URL", &fake.url)
        .env("EPMCP_TRUST_BUILD_KEY", "false")
        .current_dir(&elsewhere.0)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no tools to serve: all") && stderr.contains("--trusted-keys"), "{stderr}");
    let health = Command::new(epmcp_bin()).env_clear().env("EPMCP_TRUST_BUILD_KEY", "false").arg("--health").output().unwrap();
    let report: Value = serde_json::from_slice(&health.stdout).unwrap();
    assert_eq!(report["ready"], false);
    assert!(report["reason"].as_str().unwrap().contains("not a trusted key"), "{report}");
}

#[test]
fn every_schema_compiles_in_strict_ajv_2020_and_every_argument_is_described() {
    let fake = Fake::start();
    let (list, _) = tools_list(&fake, &[]);
    let dir = TempDir::new("schemas");
    let file = dir.0.join("tools.json");
    std::fs::write(&file, list.to_string()).unwrap();
    let report = node("strict_schemas.mjs", &[file.to_str().unwrap()], &[]);
    let tools = list["tools"].as_array().unwrap();
    assert_eq!(report["failures"], json!([]), "{report}");
    assert_eq!(report["compiled"], tools.len() * 2, "every tool has an input and an output schema");
    for tool in tools {
        let name = tool["name"].as_str().unwrap();
        let text = tool.to_string();
        assert!(!text.to_lowercase().contains("the reference"), "{name} mentions the reference");
        for (argument, schema) in tool["inputSchema"]["properties"].as_object().into_iter().flatten() {
            let described = schema["description"].as_str().is_some_and(|d| d.len() > 3);
            assert!(described, "{name}.{argument} has no description");
            if argument.starts_with("mepId") {
                let item = if schema["type"] == "array" { &schema["items"] } else { schema };
                assert_eq!(item["type"], "string", "{name}.{argument}: MEP ids are strings everywhere");
            }
        }
    }
}

#[test]
fn the_inspector_cli_finds_no_portability_error() {
    let fake = Fake::start();
    let (dir, path_var) = node_dir();
    let home = TempDir::new("inspector-home");
    let out = Command::new(dir.join("node_modules/.bin/mcp-inspector"))
        .args(["--cli", epmcp_bin().to_str().unwrap(), "-e", &format!("EP_API_URL={}", fake.url), "-e", "EPMCP_TOOLS=all", "--method", "tools/list", "--strict"])
        .env("PATH", path_var)
        .env("HOME", &home.0)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status.code());
    assert!(!stderr.contains("Error: tool"), "{stderr}");
    let listed: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert!(listed["tools"].as_array().unwrap().len() >= 59, "every tool's schemas are linted");
    // The call a user tries first prints no "unknown format" noise.
    let call = Command::new(dir.join("node_modules/.bin/mcp-inspector"))
        .args(["--cli", epmcp_bin().to_str().unwrap(), "-e", &format!("EP_API_URL={}", fake.url), "--method", "tools/call", "--tool-name", "get_meps", "--tool-arg", "limit=2"])
        .env("PATH", node_dir().1)
        .env("HOME", &home.0)
        .output()
        .unwrap();
    let all = format!("{}{}", String::from_utf8_lossy(&call.stdout), String::from_utf8_lossy(&call.stderr));
    assert!(call.status.success() && !all.contains("unknown format"), "{all}");
}

/// What each TypeScript SDK version makes of one session: the tool list, a call, and a
/// call with a bad argument, which the model must see as a result it can correct.
fn sdk_session(sdk: &str, target: &str, env: &[(&str, &str)]) -> Value {
    let calls = json!([
        {"name": "get_meps", "arguments": {"limit": 2}},
        {"name": "get_meps", "arguments": {"limit": 500}},
        {"name": "get_meps", "arguments": {"country": "XX", "limit": 2}},
    ]);
    node("sdk_client.mjs", &[sdk, target, &calls.to_string()], env)
}

fn assert_session(report: &Value, what: &str) {
    assert_eq!(report["listError"], Value::Null, "{what}: {report}");
    assert!(report["tools"].as_u64().unwrap() >= 59, "{what}: {report}");
    let calls = report["calls"].as_array().unwrap();
    assert_eq!((calls[0]["isError"].as_bool(), calls[0]["structured"].as_bool()), (Some(false), Some(true)), "{what}: {report}");
    assert_eq!(calls[1]["isError"], true, "{what}: a bad argument is a result the model reads: {report}");
    assert!(calls[1]["text"].as_str().unwrap().contains("limit"), "{what}: {report}");
    // Nothing the SDK could not parse (an old one chokes on an SSE event without data).
    let noise = report["noise"].as_array().unwrap();
    assert!(noise.is_empty(), "{what}: the SDK complained: {noise:?}");
}

#[test]
fn typescript_sdks_old_and_current_work_over_stdio_and_streamable_http() {
    let fake = Fake::start();
    let hosted = Hosted::start(&fake, &[("EPMCP_ANONYMOUS_ROLE", "researcher"), crate::support::ANONYMOUS_ANALYTICS]);
    let stdio_env = [("EPMCP_BIN", epmcp_bin().to_str().unwrap().to_string()), ("EP_API_URL", fake.url.clone()), ("EPMCP_TOOLS", "all".into())];
    let stdio_env: Vec<(&str, &str)> = stdio_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for sdk in ["sdk-1.17", "sdk-1.22", "sdk-1.32"] {
        assert_session(&sdk_session(sdk, "stdio", &stdio_env), &format!("{sdk} over stdio"));
        assert_session(&sdk_session(sdk, &hosted.url, &[]), &format!("{sdk} over Streamable HTTP"));
    }
}

#[test]
fn profiles_fit_a_client_tool_cap() {
    let fake = Fake::start();
    let (all, all_bytes) = tools_list(&fake, &[]);
    let (core, core_bytes) = tools_list(&fake, &["--tools", "core"]);
    let (analysis, _) = tools_list(&fake, &["--tools", "analysis"]);
    let (standard, _) = tools_list(&fake, &["--tools", "standard"]);
    let names = |list: &Value| list["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(names(&core).len(), 17, "{:?}", names(&core));
    assert_eq!(names(&standard).len(), 38, "{:?}", names(&standard));
    assert!(names(&core).iter().chain(&names(&analysis)).all(|n| names(&standard).contains(n)), "standard is core and analysis");
    assert!(names(&analysis).len() < 50 && names(&analysis).contains(&"analyze_voting_patterns".to_string()));
    assert!(core_bytes < all_bytes / 3, "core {core_bytes} B, all {all_bytes} B");
    assert!(names(&all).iter().all(|n| !n.starts_with("admin_")), "the stdio role sees no admin tools");
    // A tool outside the profile is unknown, not merely hidden.
    let options = Options { args: vec!["--tools".into(), "core".into()], ..Options::default() };
    let mut server = Server::start_with(&fake, options);
    assert!(server.refused("analyze_voting_patterns", json!({})).contains("not offered by this server's tool profile: `--tools all`"));
    assert!(server.refused("no_such_tool", json!({})).contains("unknown tool"));
    server.ok("get_meps", json!({"limit": 1}));
}
