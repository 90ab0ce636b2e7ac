//! One tool per language, reading the same EP vocabulary: the Rust `vocabularies`
//! component and the JavaScript `concepts` one (componentize-js). Each is served alone:
//! its size, the host's compile time for it, the cold start with it and its first call,
//! and calls with the cache off (each one upstream request, whose logged time is
//! subtracted to give what the component and host add).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{Server, path, percentile, time, upstream_times};

pub struct Figures {
    pub label: &'static str,
    pub bytes: u64,
    pub compile: Duration,
    pub cold: Vec<Duration>,
    pub first_call: Vec<Duration>,
    pub calls: Vec<Duration>,
    pub overheads: Vec<Duration>,
}

const CASES: &[(&str, &str, &str, &str)] = &[
    ("Rust: get_controlled_vocabularies", "vocabularies", "get_controlled_vocabularies", r#"{"vocId": "ep-decision-methods"}"#),
    ("JavaScript: search_vocabulary_concepts", "concepts", "search_vocabulary_concepts", r#"{"vocabulary": "ep-decision-methods", "text": "vote"}"#),
];

pub fn measure(url: &str) -> Vec<Figures> {
    CASES.iter().map(|&(label, stem, tool, arguments)| one(url, label, stem, tool, arguments)).collect()
}

fn one(url: &str, label: &'static str, stem: &str, tool: &str, arguments: &str) -> Figures {
    let root = std::env::temp_dir().join(format!("epmcp-bench-lang-{stem}-{}", std::process::id()));
    let (dir, cache) = (root.join("components"), root.join("cache"));
    std::fs::create_dir_all(&dir).unwrap();
    let from = path("EPMCP_COMPONENTS_DIR", "target/release/components");
    for suffix in ["wasm", "manifest.toml", "manifest.sig"] {
        std::fs::copy(from.join(format!("{stem}.{suffix}")), dir.join(format!("{stem}.{suffix}"))).unwrap();
    }
    let bytes = std::fs::metadata(dir.join(format!("{stem}.wasm"))).unwrap().len();
    let compile = precompile(&dir, &cache);
    let env = [("EPMCP_COMPONENTS", dir.to_str().unwrap()), ("EPMCP_CACHE_DIR", cache.to_str().unwrap())];
    let call = format!(r#"{{"name":"{tool}","arguments":{arguments}}}"#);
    let (mut cold, mut first_call) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let started = Instant::now();
        let mut server = Server::spawn_with(url, None, &env);
        assert!(server.initialize()["result"].is_object());
        cold.push(started.elapsed());
        let started = Instant::now();
        assert!(server.call_raw(&call).contains("\"isError\":false"), "{tool} failed");
        first_call.push(started.elapsed());
    }
    let log = root.join("upstream.log");
    let env = [env[0], env[1], ("EPMCP_CACHE_ENTRIES", "0")];
    let mut server = Server::spawn_with(url, Some(&log), &env);
    server.initialize();
    for _ in 0..20 {
        server.call_raw(&call); // warm the connection pool
    }
    let calls = time(300, || {
        assert!(server.call_raw(&call).contains("\"isError\":false"));
    });
    server.finish();
    let upstream = upstream_times(&log).split_off(20);
    assert_eq!(upstream.len(), calls.len(), "one upstream request per call");
    let overheads = calls.iter().zip(&upstream).map(|(c, u)| c.saturating_sub(*u)).collect();
    let _ = std::fs::remove_dir_all(&root);
    Figures { label, bytes, compile, cold, first_call, calls, overheads }
}

/// `epmcp components precompile` into an empty cache: the host compiling the component.
fn precompile(dir: &Path, cache: &Path) -> Duration {
    let started = Instant::now();
    let status = Command::new(path("EPMCP_BIN", "target/release/epmcp"))
        .args(["--components", dir.to_str().unwrap(), "--cache-dir", cache.to_str().unwrap(), "components", "precompile"])
        .env("EPMCP_LOG", "error")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "precompile failed");
    started.elapsed()
}

pub fn print(figures: &mut [Figures]) {
    println!();
    println!("a component per language, served alone, reading the same vocabulary (p50; p95 in brackets)");
    println!("{:<40} {:>8} {:>10} {:>10} {:>12} {:>14} {:>16}", "", "MB", "compile s", "cold ms", "1st call ms", "call ms", "overhead ms");
    for f in figures.iter_mut() {
        let (c50, c95) = (percentile(&mut f.calls, 0.5), percentile(&mut f.calls, 0.95));
        let (o50, o95) = (percentile(&mut f.overheads, 0.5), percentile(&mut f.overheads, 0.95));
        println!(
            "{:<40} {:>8.2} {:>10.2} {:>10.1} {:>12.1} {:>14} {:>16}",
            f.label,
            f.bytes as f64 / 1e6,
            f.compile.as_secs_f64(),
            percentile(&mut f.cold, 0.5),
            percentile(&mut f.first_call, 0.5),
            format!("{c50:.2} ({c95:.2})"),
            format!("{o50:.2} ({o95:.2})"),
        );
    }
}
