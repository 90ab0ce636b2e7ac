//! Tool components as an operator handles them: only signed or pinned components load,
//! their manifests bound what they may do, the operator commands report what the server
//! will serve, and a component dropped into, replaced in or removed from the directory
//! takes effect while clients stay connected.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{
    Fake, Hosted, Options, Server, TempDir, audit_records, components_dir, components_with, dev_key, epmcp_cli, install_component, path,
    python, sha256_file, sign, test_components_dir,
};

fn tool_names(server: &mut Server) -> Vec<String> {
    let tools = server.request("tools/list", json!({}))["result"]["tools"].clone();
    tools.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect()
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{}: no '{from}' in\n{text}", file.display());
    std::fs::write(file, text.replace(from, to)).unwrap();
}

#[test]
fn only_signed_or_pinned_components_load() {
    let fake = Fake::start();
    let dir = components_with(&["meps", "committees", "procedures", "documents", "speeches"], &[]);
    let d = &dir.0;
    // No manifest at all.
    std::fs::copy(components_dir().join("events.wasm"), d.join("events.wasm")).unwrap();
    // Code changed after signing: the manifest names other bytes.
    let mut code = std::fs::read(d.join("committees.wasm")).unwrap();
    code.push(0);
    std::fs::write(d.join("committees.wasm"), code).unwrap();
    // Policy changed after signing: the signature no longer verifies.
    edit(&d.join("procedures.manifest.toml"), "egress = [", "egress = [\"meps\", ");
    // Signed, but by a key the host does not trust.
    let keys = TempDir::new("keys");
    let (code, out, err) = epmcp_cli(d, &[], &["components", "keygen", keys.0.join("other").to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    sign(d, &keys.0.join("other.key"), &["documents"]);
    // Not signed, but its manifest pinned by digest.
    std::fs::remove_file(d.join("speeches.manifest.sig")).unwrap();
    let pin = format!("sha256:{}", sha256_file(&d.join("speeches.manifest.toml")));

    let options = Options { components: d.clone(), env: vec![("EPMCP_PINNED_MANIFESTS", pin.clone())], args: Vec::new() };
    let mut server = Server::start_with(&fake, options);
    let names = tool_names(&mut server);
    for served in ["get_mep_details", "get_speeches"] {
        assert!(names.iter().any(|n| n == served), "{served} missing: {names:?}");
    }
    for refused in ["get_events", "get_committee_info", "get_procedures", "get_adopted_texts"] {
        assert!(!names.iter().any(|n| n == refused), "{refused} served: {names:?}");
    }
    let stderr = server.stderr();
    for reason in [
        "events.wasm", "no manifest",
        "committees.wasm", "its manifest names",
        "procedures.wasm", "does not verify",
        "documents.wasm", "not a trusted key",
    ] {
        assert!(stderr.contains(reason), "no '{reason}' in\n{stderr}");
    }
    assert_eq!(server.ok("get_mep_details", json!({"id": "1294"}))["name"], "Elio DI RUPO");
    assert!(fake.requests().iter().all(|r| r.starts_with("GET /api/v2/meps/")), "{:?}", fake.requests());

    // The operator sees the same verdicts before starting a server.
    let pinned = [("EPMCP_PINNED_MANIFESTS", pin.as_str())];
    let (code, out, _) = epmcp_cli(d, &pinned, &["components", "verify"]);
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(out.matches("REFUSED").count(), 4, "{out}");
    assert!(out.contains("ok       meps 0.1.0 (signed by ") && out.contains("ok       speeches 0.1.0 (pinned by digest)"), "{out}");
    // The development flag admits the unsigned component, never a broken signature.
    let (_, out, _) = epmcp_cli(d, &[("EPMCP_ALLOW_UNSIGNED", "true")], &["components", "verify"]);
    assert!(out.contains("ok       events 0.1.0 (unverified (--allow-unsigned))"), "{out}");
    assert!(out.contains("REFUSED  procedures.wasm") && out.contains("REFUSED  committees.wasm"), "{out}");
}


#[test]
fn a_manifest_bounds_what_its_component_may_do() {
    let fake = Fake::start();
    let dir = components_with(&["meps"], &["hostile"]);
    let manifest = dir.0.join("hostile.manifest.toml");
    std::fs::write(&manifest, std::fs::read_to_string(&manifest).unwrap() + "memory_mib = 16\ndeadline_ms = 500\nmax_output_kib = 64\n").unwrap();
    sign(&dir.0, &dev_key(), &["hostile"]);
    // A second copy of meps under another file name: its tools are taken.
    for suffix in ["wasm", "manifest.toml", "manifest.sig"] {
        std::fs::copy(dir.0.join(format!("meps.{suffix}")), dir.0.join(format!("meps_again.{suffix}"))).unwrap();
    }
    let options = Options { components: dir.0.clone(), env: vec![("EPMCP_CALL_TIMEOUT_MS", "5000".into())], args: Vec::new() };
    let mut server = Server::start_with(&fake, options);

    let started = Instant::now();
    let spin = server.tool_error("hostile_spin", json!({}));
    assert!(spin.contains("deadline of 500 ms"), "{spin}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    let memory = server.tool_error("hostile_allocate", json!({"mebibytes": 32}));
    assert!(memory.contains("memory limit of 16 MiB"), "{memory}");
    assert_eq!(server.ok("hostile_huge_output", json!({"kibibytes": 4}))["text"].as_str().unwrap().len(), 4 << 10);
    let output = server.tool_error("hostile_huge_output", json!({"kibibytes": 256}));
    assert!(output.contains("output limit of 64 KiB"), "{output}");
    assert_eq!(server.ok("get_mep_details", json!({"id": "1294"}))["name"], "Elio DI RUPO");
    let stderr = server.stderr();
    assert!(stderr.contains("meps_again.wasm") && stderr.contains("already provided by another component"), "{stderr}");

    // Manifests that ask for more than the host gives, or less than the code needs, are refused.
    let greedy = components_with(&[], &["hostile"]);
    let manifest = greedy.0.join("hostile.manifest.toml");
    std::fs::write(&manifest, std::fs::read_to_string(&manifest).unwrap() + "memory_mib = 128\n").unwrap();
    sign(&greedy.0, &dev_key(), &["hostile"]);
    let (code, out, _) = epmcp_cli(&greedy.0, &[], &["components", "verify"]);
    assert_eq!(code, Some(2));
    assert!(out.contains("a memory cap of 128 MiB is above the host's 64 MiB"), "{out}");
    edit(&manifest, "memory_mib = 128\n", "");
    edit(&manifest, "egress = [\"meps\"]", "egress = [\"corporate-bodies\"]");
    sign(&greedy.0, &dev_key(), &["hostile"]);
    let (_, out, _) = epmcp_cli(&greedy.0, &[], &["components", "verify"]);
    assert!(out.contains("declares egress to 'meps', outside its manifest's prefixes"), "{out}");
}

#[test]
fn operator_commands_show_what_the_server_will_serve() {
    let dir = components_with(&["meps"], &["hostile_fs"]);
    let (code, out, _) = epmcp_cli(&dir.0, &[], &["components", "list"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("meps 0.1.0  sha256:") && out.contains("get_political_groups") && out.contains("egress: meps/show-current"), "{out}");
    assert!(out.contains("REFUSED  hostile_fs.wasm") && out.contains("wasi:filesystem"), "{out}");
    let (code, out, _) = epmcp_cli(&dir.0, &[], &["components", "inspect", "meps"]);
    assert_eq!(code, Some(0), "{out}");
    let pin = format!("sha256:{}", sha256_file(&dir.0.join("meps.manifest.toml")));
    assert!(out.contains(&format!("({pin}: pin this")), "{out}");
    assert!(out.contains("limits     deadline 30000 ms, memory 64 MiB, output 8192 KiB"), "{out}");
    assert!(out.contains("resource   ep://meps/{mepId} (tool get_mep_details)"), "{out}");
    let (code, _, err) = epmcp_cli(&dir.0, &[], &["components", "inspect", "nothing"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no component 'nothing'"), "{err}");
    let (code, out, _) = epmcp_cli(&dir.0, &[], &["components", "precompile"]);
    assert_eq!(code, Some(2), "a refused component fails the precompile step: {out}");
    assert!(out.contains("meps 0.1.0") && out.contains("REFUSED  hostile_fs.wasm"), "{out}");
}

/// The demonstration: a client stays connected over Streamable HTTP while release 2 of a
/// component is dropped into the directory, a tampered copy is refused, and the component
/// is removed; the client is told each time its tool list changes.
#[test]
fn a_new_release_dropped_into_the_directory_serves_connected_clients() {
    let fake = Fake::start();
    let components = components_with(&["meps"], &["versioned"]);
    let audit = TempDir::new("swap-audit");
    let env = [("EPMCP_AUDIT_DIR", audit.0.to_str().unwrap()), ("EPMCP_ANONYMOUS_ROLE", "researcher"), crate::support::ANONYMOUS_ANALYTICS];
    let mut server = Hosted::start_with(&fake, &components.0, &env);
    let staged = test_components_dir();
    let report = python("hot_swap.py", &[&server.url, components.0.to_str().unwrap(), staged.to_str().unwrap()], &[]);

    assert_eq!(report["before"]["release"], "0.1.0", "{report}");
    assert!(report["toolsBefore"].as_array().unwrap().iter().all(|t| t != "versioned_greeting"), "{report}");
    assert_eq!(report["notified"], true, "no notifications/tools/list_changed: {report}\n{}", server.stderr());
    assert_eq!(report["after"]["release"], "2.0.0", "{report}");
    assert!(report["toolsAfter"].as_array().unwrap().iter().any(|t| t == "versioned_greeting"), "{report}");
    assert_eq!(report["greeting"]["greeting"], "new in release 2", "{report}");
    assert_eq!(report["inFlight"]["release"], "0.1.0", "the call in flight finishes on its release: {report}");
    assert_eq!(report["inFlightEndedAfterSwap"], true, "{report}");
    assert_eq!(report["afterTampered"]["release"], "2.0.0", "{report}");
    assert_eq!(report["changesAfterTampered"], 1, "a refused copy changes nothing: {report}");
    assert_eq!(report["listChangedCapability"], true, "{report}");
    assert_eq!(report["notifiedRemoved"], true, "{report}");
    assert!(report["toolsRemoved"].as_array().unwrap().iter().all(|t| !t.as_str().unwrap().starts_with("versioned")), "{report}");
    assert!(report["callRemoved"].as_str().unwrap().contains("unknown tool 'versioned_release'"), "{report}");
    assert_eq!(report["meps"], "Elio DI RUPO", "{report}");

    server.stop();
    let (_, records) = audit_records(&audit.0);
    let changes: Vec<(&str, &str)> = records
        .iter()
        .filter(|r| r["kind"] == "component" && r["component"] == "versioned")
        .map(|r| (r["action"].as_str().unwrap(), r["version"].as_str().unwrap()))
        .collect();
    assert_eq!(changes, [("loaded", "0.1.0"), ("replaced", "2.0.0"), ("removed", "2.0.0")], "{records:?}");
    let refused = records.iter().find(|r| r["kind"] == "security" && r["event"] == "component_refused").expect("refusal audited");
    assert!(refused["reason"].as_str().unwrap().contains("its manifest names"), "{refused}");
}

/// The same on stdio (one thread serves the client and compiles the new release).
#[test]
fn components_swap_under_a_stdio_client() {
    let fake = Fake::start();
    let components = components_with(&["meps"], &[]);
    let mut server = Server::start_with(&fake, Options { components: components.0.clone(), ..Options::default() });
    assert!(!tool_names(&mut server).iter().any(|n| n == "hostile_fetch"));
    install_component(&test_components_dir(), "hostile", &components.0);
    let started = Instant::now();
    while !tool_names(&mut server).iter().any(|n| n == "hostile_fetch") {
        assert!(started.elapsed() < Duration::from_secs(20), "the new component never appeared:\n{}", server.stderr());
        std::thread::sleep(Duration::from_millis(50));
    }
    let fetched = server.ok("hostile_fetch", json!({"scheme": "https", "authority": "data.europarl.europa.eu", "path": "/api/v2/meps/1294"}));
    assert_eq!(fetched["status"], 200);
    let notified = server.drain_notifications();
    assert!(notified.iter().any(|n| n["method"] == "notifications/tools/list_changed"), "{notified:?}");
    let _: Value = server.ok("get_mep_details", json!({"id": "1294"}));
}

/// The crate `epmcp components new` makes is a component an outside team can build, test,
/// sign and have served with the guarantees of ours. `make build-test` makes one
/// (`target/template/demo-tool`), runs its own test natively and builds it for
/// wasm32-wasip2; here the same command must make the same crate, and its build must verify
/// once signed and answer the official Python SDK against the fake EP API (its egress is
/// its manifest's, its result checked against its schema).
#[test]
fn a_component_made_by_components_new_builds_verifies_and_serves_its_tool() {
    let work = TempDir::new("new-component");
    let guest_client = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-client");
    let home = std::env::var("HOME").unwrap_or_default();
    let (code, out, err) = epmcp_cli(&work.0, &[("HOME", home.as_str())], &["components", "new", "demo-tool", "--into", work.0.to_str().unwrap(), "--guest-client", guest_client.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    let built = path("EPMCP_TEMPLATE", "target/template/demo-tool");
    for file in ["Cargo.toml", "src/lib.rs", "README.md", ".cargo/config.toml"] {
        let made = std::fs::read_to_string(work.0.join("demo-tool").join(file)).unwrap();
        let tested = std::fs::read_to_string(built.join(file)).unwrap_or_else(|e| panic!("{file} of {}: {e} (run `make build-test`)", built.display()));
        assert_eq!(made, tested, "{file}: `make build-test` built another crate than `components new` makes");
    }
    let wasm = path("EPMCP_TEMPLATE_TARGET", "target/template-component").join("wasm32-wasip2/release/demo_tool.wasm");
    // No path of this machine in it: the crate's cargo configuration remaps them.
    let bytes = String::from_utf8_lossy(&std::fs::read(&wasm).unwrap()).into_owned();
    let checkout = guest_client.canonicalize().unwrap().parent().unwrap().display().to_string();
    assert!(!bytes.contains(&checkout) && bytes.contains("/epmcp/guest-client/"), "the component names {checkout}");
    let components = TempDir::new("new-component-served");
    std::fs::copy(&wasm, components.0.join("demo_tool.wasm")).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()));
    sign(&components.0, &dev_key(), &["demo_tool"]);
    let (code, out, err) = epmcp_cli(&components.0, &[], &["components", "verify"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("demo-tool"), "{out}");
    let manifest = std::fs::read_to_string(components.0.join("demo_tool.manifest.toml")).unwrap();
    assert!(manifest.contains("egress = [\"controlled-vocabularies\"]"), "{manifest}");

    let fake = Fake::start();
    let report = python(
        "stdio_call.py",
        &[crate::support::epmcp_bin().to_str().unwrap(), "demo_tool_concepts", r#"{"vocabulary": "ep-decision-methods"}"#],
        // A profile plus the new component's own tools: what an operator adding one writes.
        &[("EP_API_URL", fake.url.as_str()), ("EPMCP_COMPONENTS", components.0.to_str().unwrap()), ("EPMCP_TOOLS", "standard demo_tool_*")],
    );
    assert_eq!(report["tools"].as_array().unwrap().iter().filter(|t| t.as_str() == Some("demo_tool_concepts")).count(), 1, "{report}");
    assert_eq!(report["isError"], false, "{report}");
    let concepts = report["structured"]["data"].as_array().unwrap();
    assert_eq!(concepts.len(), 8, "{report}");
    assert_eq!(concepts[0]["code"], "DECISION");
    assert!(fake.requests().iter().all(|r| r.starts_with("GET /api/v2/controlled-vocabularies/ep-decision-methods?")), "{:?}", fake.requests());
}

/// wit/CHANGELOG.md: a component of another version of the contract is refused by name
/// (this one is built against the WIT with only its version changed to 0.2.0).
#[test]
fn a_component_built_for_another_contract_version_is_refused_by_name() {
    let dir = components_with(&["meps"], &["contract_0_2"]);
    let (code, out, err) = epmcp_cli(&dir.0, &[], &["components", "verify"]);
    assert_ne!(code, Some(0), "{out}");
    assert!(out.contains("ok       meps 0.1.0"), "{out}");
    let line = out.lines().find(|l| l.starts_with("REFUSED  contract_0_2.wasm")).unwrap_or_else(|| panic!("{out}{err}"));
    assert!(line.contains("is built for epmcp:tool/tools@0.2.0; this host serves epmcp:tool/tools@0.1.0"), "{line}");
}
