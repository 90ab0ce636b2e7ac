//! Components through a real OCI registry (Debian's `docker-registry`, the CNCF
//! distribution registry, on loopback): push, pull checked as a load, pinned digests,
//! tampered layers and untrusted signers refused with nothing installed, and a pulled
//! release hot-swapped under a connected client.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{
    Fake, Hosted, Options, Server, TempDir, WAIT, audit_records, components_dir, components_with, dev_key, epmcp_bin, epmcp_cli, http, http_get,
    install_component, install_component_as, python, sha256_file, sign, test_components_dir,
};

/// `docker-registry` on a loopback port, storing into a temporary directory.
struct Registry {
    child: Child,
    addr: String,
    dir: TempDir,
}

impl Registry {
    fn start() -> Registry {
        let dir = TempDir::new("oci-registry");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n  secret: e2e\n",
            dir.0.join("data").display()
        );
        std::fs::write(dir.0.join("config.yml"), config).unwrap();
        let child = Command::new(std::env::var("EPMCP_DOCKER_REGISTRY").unwrap_or_else(|_| "docker-registry".into()))
            .arg("serve")
            .arg(dir.0.join("config.yml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry (`make setup-test` installs it)");
        let registry = Registry { child, addr, dir };
        let started = Instant::now();
        while http_get_ok(&registry.addr).is_none() {
            assert!(started.elapsed() < WAIT, "docker-registry did not answer on {}", registry.addr);
            std::thread::sleep(Duration::from_millis(20));
        }
        registry
    }

    fn reference(&self, repository: &str) -> String {
        format!("{}/{repository}", self.addr)
    }

    /// Where the registry keeps the bytes of `digest` (`sha256:…`).
    fn blob(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap();
        self.dir.0.join(format!("data/docker/registry/v2/blobs/sha256/{}/{hex}/data", &hex[..2]))
    }
}

fn http_get_ok(addr: &str) -> Option<()> {
    std::net::TcpStream::connect(addr).ok()?;
    (http_get(addr, "/v2/").0 == 200).then_some(())
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `epmcp components ARGS --plain-http` against `components` (the registry is on loopback).
fn components(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["components"];
    all.extend_from_slice(args);
    all.push("--plain-http");
    epmcp_cli(dir, &[], &all)
}

fn push(dir: &Path, reference: &str, stem: &str) -> String {
    let wasm = dir.join(format!("{stem}.wasm"));
    let (code, out, err) = components(dir, &["push", reference, wasm.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    out.lines().find_map(|l| l.strip_prefix("digest ")).unwrap_or_else(|| panic!("{out}")).to_string()
}

/// A new signing key in `keys` that no server here trusts: its private half's path.
fn stranger_key(keys: &TempDir) -> PathBuf {
    let stranger = keys.0.join("stranger");
    let (code, out, err) = epmcp_cli(&keys.0, &[], &["components", "keygen", stranger.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    stranger.with_extension("key")
}

#[test]
fn a_component_pushed_and_pulled_is_byte_for_byte_the_one_signed() {
    let registry = Registry::start();
    let reference = registry.reference("epmcp/meps:0.1.0");
    let digest = push(&components_dir(), &reference, "meps");
    assert!(digest.starts_with("sha256:") && digest.len() == 71, "{digest}");
    // No time stamp in the artifact: the same files, the same digest.
    assert_eq!(push(&components_dir(), &reference, "meps"), digest);

    let into = TempDir::new("oci-pulled");
    let (code, out, err) = components(&into.0, &["pull", &reference, "--into", into.0.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("pulled meps 0.1.0") && out.contains("signed by") && out.contains(&digest), "{out}");
    for suffix in ["wasm", "manifest.toml", "manifest.sig"] {
        let file = format!("meps.{suffix}");
        assert_eq!(std::fs::read(into.0.join(&file)).unwrap(), std::fs::read(components_dir().join(&file)).unwrap(), "{file}");
    }
    let names: Vec<String> = std::fs::read_dir(&into.0).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 3, "nothing but the component's files: {names:?}");
    let (code, out, _) = epmcp_cli(&into.0, &[], &["components", "verify"]);
    assert_eq!(code, Some(0), "{out}");

    // What the registry serves as an artifact follows the CNCF layout for WebAssembly.
    let accept = [("accept", "application/vnd.oci.image.manifest.v1+json")];
    let (status, _, manifest) = http(&registry.addr, "GET", &format!("/v2/epmcp/meps/manifests/{digest}"), &accept, "");
    assert_eq!(status, 200);
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(manifest["config"]["mediaType"], "application/vnd.wasm.config.v0+json");
    let types: Vec<&str> = manifest["layers"].as_array().unwrap().iter().map(|l| l["mediaType"].as_str().unwrap()).collect();
    assert_eq!(types, ["application/wasm", "application/vnd.epmcp.component.manifest.v1+toml", "application/vnd.epmcp.component.manifest.signature.v1"]);

    // Bad references and plain HTTP to another machine are refused before any request.
    for (reference, expected) in [("not a reference!", "not an OCI reference"), ("registry.example.org/epmcp/meps:1", "plain HTTP is only for a registry on this machine")] {
        let (code, out, err) = components(&into.0, &["pull", reference]);
        assert_ne!(code, Some(0), "{out}");
        assert!(err.contains(expected), "{reference}: {err}");
    }
}

#[test]
fn a_reference_pinned_by_digest_never_changes_underneath_the_operator() {
    let registry = Registry::start();
    let staged = TempDir::new("oci-releases");
    let reference = registry.reference("epmcp/versioned:stable");
    install_component_as(&test_components_dir(), "versioned", &staged.0, "versioned");
    let first = push(&staged.0, &reference, "versioned");
    install_component_as(&test_components_dir(), "versioned_2", &staged.0, "versioned");
    let second = push(&staged.0, &reference, "versioned");
    assert_ne!(first, second);

    let pull = |reference: &str| {
        let into = TempDir::new("oci-pinned");
        let result = components(&into.0, &["pull", reference, "--into", into.0.to_str().unwrap()]);
        (result, into)
    };
    let repository = registry.reference("epmcp/versioned");
    let ((code, out, err), _) = pull(&format!("{repository}@{first}"));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("pulled versioned 0.1.0"), "{out}");
    let ((code, out, err), _) = pull(&reference);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("pulled versioned 2.0.0"), "{out}");

    // The registry serving other bytes under the pinned digest is caught.
    let blob = registry.blob(&first);
    let original = std::fs::read(&blob).unwrap();
    let forged = String::from_utf8(original.clone()).unwrap().replace("\"0.1.0\"", "\"0.1.1\"");
    assert_ne!(forged.as_bytes(), original.as_slice());
    std::fs::write(&blob, forged).unwrap();
    let ((code, out, err), into) = pull(&format!("{repository}@{first}"));
    assert_ne!(code, Some(0), "{out}");
    assert!(err.contains(&first) && err.to_lowercase().contains("digest"), "{err}");
    assert_eq!(std::fs::read_dir(&into.0).unwrap().count(), 0, "something was installed");
}

#[test]
fn a_tampered_layer_or_an_untrusted_signer_is_refused_and_nothing_lands() {
    let registry = Registry::start();
    // A byte of the code changed in the registry's storage.
    let reference = registry.reference("epmcp/tampered:1");
    push(&components_dir(), &reference, "meps");
    let code_digest = format!("sha256:{}", sha256_file(&components_dir().join("meps.wasm")));
    let blob = registry.blob(&code_digest);
    let original = std::fs::read(&blob).unwrap();
    let mut bytes = original.clone();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&blob, bytes).unwrap();
    let into = components_with(&[], &[]);
    let (code, out, err) = components(&into.0, &["pull", &reference, "--into", into.0.to_str().unwrap()]);
    assert_ne!(code, Some(0), "{out}");
    assert!(err.contains("application/wasm layer") && err.contains(&code_digest), "{err}");
    assert_eq!(std::fs::read_dir(&into.0).unwrap().count(), 0, "something was installed");
    // (Blobs are shared by digest across repositories: the next push reuses this one.)
    std::fs::write(&blob, original).unwrap();

    // Signed, but by a key the server does not trust.
    let keys = TempDir::new("oci-keys");
    let stranger = stranger_key(&keys);
    let staged = TempDir::new("oci-stranger");
    install_component(&components_dir(), "meps", &staged.0);
    sign(&staged.0, &stranger, &["meps"]);
    let reference = registry.reference("epmcp/stranger:1");
    push(&staged.0, &reference, "meps");
    let (code, out, err) = components(&into.0, &["pull", &reference, "--into", into.0.to_str().unwrap()]);
    assert_ne!(code, Some(0), "{out}");
    assert!(err.contains("refused, nothing installed") && err.contains("not a trusted key"), "{err}");
    assert_eq!(std::fs::read_dir(&into.0).unwrap().count(), 0, "something was installed");

    // The same artifact, once its signer is trusted, installs.
    let trusted = format!("{},{}", dev_key().with_extension("pub").display(), stranger.with_extension("pub").display());
    let args = ["--trusted-keys", trusted.as_str(), "components", "pull", &reference, "--into", into.0.to_str().unwrap(), "--plain-http"];
    let (code, out, err) = epmcp_cli(&into.0, &[], &args);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(into.0.join("meps.wasm").is_file());
}

#[test]
fn a_release_pulled_into_the_directory_hot_swaps_under_a_connected_client() {
    let registry = Registry::start();
    let staged = TempDir::new("oci-release-2");
    install_component_as(&test_components_dir(), "versioned_2", &staged.0, "versioned");
    let reference = registry.reference("epmcp/versioned:2.0.0");
    push(&staged.0, &reference, "versioned");

    let fake = Fake::start();
    let served = components_with(&["meps"], &["versioned"]);
    let env = [("EPMCP_ANONYMOUS_ROLE", "researcher")];
    let mut server = Hosted::start_with(&fake, &served.0, &env);
    let dir = served.0.to_str().unwrap();
    let pull = json!([epmcp_bin(), "--components", dir, "--trusted-keys", dev_key().with_extension("pub"), "components", "pull", reference, "--plain-http"]);
    let cache = TempDir::new("oci-swap-cache");
    let report = python("oci_swap.py", &[&server.url, &pull.to_string()], &[("EPMCP_CACHE_DIR", cache.0.to_str().unwrap())]);
    assert_eq!(report["before"]["release"], "0.1.0", "{report}");
    assert_eq!(report["pull"]["code"], 0, "{report}");
    assert_eq!(report["notified"], true, "no notifications/tools/list_changed: {report}\n{}", server.stderr());
    assert_eq!(report["after"]["release"], "2.0.0", "{report}");
    assert!(report["tools"].as_array().unwrap().iter().any(|t| t == "versioned_greeting"), "{report}");
    server.stop();
}

#[test]
fn a_server_keeps_components_from_a_registry_installed_and_a_refused_release_changes_nothing() {
    let registry = Registry::start();
    let reference = registry.reference("epmcp/versioned:live");
    let releases = TempDir::new("oci-live-releases");
    install_component_as(&test_components_dir(), "versioned", &releases.0, "versioned");
    push(&releases.0, &reference, "versioned");
    // Release 1's code arrives damaged at first: that download fails, and is tried again.
    let blob = registry.blob(&format!("sha256:{}", sha256_file(&releases.0.join("versioned.wasm"))));
    let original = std::fs::read(&blob).unwrap();
    let mut damaged = original.clone();
    damaged[original.len() / 2] ^= 0x01;
    std::fs::write(&blob, damaged).unwrap();

    let fake = Fake::start();
    let served = components_with(&["meps"], &[]);
    let audit = TempDir::new("oci-live-audit");
    let env = vec![
        ("EPMCP_COMPONENTS_FROM", format!("{reference}, {}", registry.reference("epmcp/absent:1"))),
        ("EPMCP_COMPONENTS_REFRESH_SECS", "1".to_string()),
        ("EPMCP_REGISTRY_PLAIN_HTTP", "true".to_string()),
        ("EPMCP_AUDIT_DIR", audit.0.display().to_string()),
    ];
    let mut server = Server::start_with(&fake, Options { components: served.0.clone(), env, args: Vec::new() });
    // Waits (on tools/list, which costs no call) until `tool` is served, then asks the release.
    let release_once = |server: &mut Server, tool: &str| {
        let started = Instant::now();
        loop {
            let tools = server.request("tools/list", json!({}))["result"]["tools"].clone();
            if tools.as_array().unwrap().iter().any(|t| t["name"] == tool) {
                break;
            }
            assert!(started.elapsed() < WAIT, "{tool} never served:\n{}", server.stderr());
            std::thread::sleep(Duration::from_millis(100));
        }
        server.ok("versioned_release", json!({}))["release"].as_str().unwrap().to_string()
    };
    let started = Instant::now();
    while !server.stderr().lines().any(|l| l.contains("component pull refused") && l.contains("application/wasm layer")) {
        assert!(started.elapsed() < WAIT, "the damaged download was not noticed:\n{}", server.stderr());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!served.0.join("versioned.wasm").exists());
    std::fs::write(&blob, original).unwrap();
    assert_eq!(release_once(&mut server, "versioned_release"), "0.1.0");

    install_component_as(&test_components_dir(), "versioned_2", &releases.0, "versioned");
    push(&releases.0, &reference, "versioned");
    assert_eq!(release_once(&mut server, "versioned_greeting"), "2.0.0");

    // Release 3, signed by a key the server does not trust: refused, release 2 serves on.
    let keys = TempDir::new("oci-live-keys");
    sign(&releases.0, &stranger_key(&keys), &["versioned"]);
    push(&releases.0, &reference, "versioned");
    let started = Instant::now();
    while !server.stderr().lines().any(|l| l.contains("component pull refused") && l.contains("not a trusted key")) {
        assert!(started.elapsed() < WAIT, "the stranger's release was not refused:\n{}", server.stderr());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(release_once(&mut server, "versioned_greeting"), "2.0.0");
    assert_eq!(std::fs::read(served.0.join("versioned.manifest.sig")).unwrap(), std::fs::read(test_components_dir().join("versioned_2.manifest.sig")).unwrap());
    server.close();
    let (_, records) = audit_records(&audit.0);
    let pulled = records.iter().filter(|r| r["event"] == "component_pulled" || r["kind"] == "component_pulled").count();
    assert_eq!(pulled, 2, "{records:?}");
    let refused: Vec<&str> = records.iter().filter(|r| r["event"] == "component_pull_refused").map(|r| r["reason"].as_str().unwrap()).collect();
    assert!(refused.iter().any(|r| r.contains("not a trusted key")), "{refused:?}");
    // A reference that cannot be read is said once, not at every look.
    assert_eq!(refused.iter().filter(|r| r.contains("epmcp/absent")).count(), 1, "{refused:?}");
}
