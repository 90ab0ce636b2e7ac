//! `make bench`: cold start to the initialize response, tools/list and tools/call
//! latency against the loopback fake (0 ms delay), host overhead per call (end-to-end
//! minus the upstream time the host's egress gateway logged for that same call), and
//! the server's peak RSS.
//! Targets: cold start ≤ 50 ms, host overhead p50 ≤ 0.3 ms, peak RSS ≤ 60 MB with every
//! component loaded (≤ 40 MB was the one-component foundation's), a component
//! swap ≤ 500 ms including its compilation.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod languages;
mod load;

fn path(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(default))
}

struct Server {
    child: Child,
    /// `None` once closed (the server then exits, flushing its logs).
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    id: u64,
}

impl Server {
    /// With `upstream_log`, the server logs each upstream request's duration there.
    fn spawn(url: &str, upstream_log: Option<&PathBuf>) -> Server {
        Server::spawn_with(url, upstream_log, &[])
    }

    fn spawn_with(url: &str, upstream_log: Option<&PathBuf>, env: &[(&str, &str)]) -> Server {
        let (filter, stderr) = match upstream_log {
            Some(file) => ("error,epmcp::egress=debug", Stdio::from(std::fs::File::create(file).expect("log file"))),
            None => ("error", Stdio::null()),
        };
        let mut child = Command::new(path("EPMCP_BIN", "target/release/epmcp"))
            .env("EP_API_URL", url)
            .env("EPMCP_LOG", filter)
            // The limiters stay on (their cost is part of the overhead) but never refuse here.
            .env("EPMCP_RATE_LIMIT", "1000000")
            .env("EPMCP_UPSTREAM_PER_5MIN", "100000")
            // Every tool (the swap and the hosted runs use some outside the default profile).
            .env("EPMCP_TOOLS", "all")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("starting epmcp");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Server { child, stdin: Some(stdin), stdout, id: 0 }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.id += 1;
        let id = self.id;
        writeln!(self.stdin(), "{}", json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).unwrap();
        self.stdin().flush().unwrap();
        loop {
            let mut line = String::new();
            assert!(self.stdout.read_line(&mut line).unwrap() > 0, "epmcp closed stdout");
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["id"] == json!(id) {
                return v;
            }
        }
    }

    /// A tools/call as one pre-built line; the answer line unparsed (see [`Server::raw`]).
    fn call_raw(&mut self, params: &str) -> String {
        self.raw("tools/call", params)
    }

    /// A request as one pre-built line; the answer line unparsed (matched by its id prefix),
    /// so the client's own JSON work stays out of the timings: they measure the server.
    fn raw(&mut self, method: &str, params: &str) -> String {
        self.id += 1;
        let id = self.id;
        let line = format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"{method}\",\"params\":{params}}}\n");
        self.stdin().write_all(line.as_bytes()).unwrap();
        self.stdin().flush().unwrap();
        let prefix = format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},");
        loop {
            let mut answer = String::new();
            assert!(self.stdout.read_line(&mut answer).unwrap() > 0, "epmcp closed stdout");
            if answer.starts_with(&prefix) {
                return answer;
            }
        }
    }

    fn stdin(&mut self) -> &mut ChildStdin {
        self.stdin.as_mut().expect("stdin is open")
    }

    /// Closes stdin and waits for the server to exit (it flushes its logs first).
    fn finish(mut self) {
        self.stdin = None;
        let started = Instant::now();
        while self.child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn initialize(&mut self) -> Value {
        let r = self.request(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}),
        );
        writeln!(self.stdin(), r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#).unwrap();
        r
    }

    fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `compare_political_groups` over March 2024 (the fixtures' sittings) against a fake that
/// waits 50 ms before every answer: the first call (nothing cached), then the same call
/// again (cache warm).
fn analytics_timings() -> (Duration, Vec<Duration>) {
    let (mut fake, url) = start_fake(&["--delay-ms", "50"]);
    let mut server = Server::spawn(&url, None);
    server.initialize();
    let call = r#"{"name":"compare_political_groups","arguments":{"groupIds":["EPP","S&D","ECR"],"dateFrom":"2024-03-01","dateTo":"2024-03-31"}}"#;
    let started = Instant::now();
    assert!(server.call_raw(call).contains("\"isError\":false"));
    let cold = started.elapsed();
    let warm = time(20, || assert!(server.call_raw(call).contains("\"isError\":false")));
    drop(server);
    let _ = fake.kill();
    let _ = fake.wait();
    (cold, warm)
}

/// A Parliament-year of roll calls: 720 MEPs in nine groups, 50 sitting days of 40 roll
/// calls each (2,000), MEP i voting for in roll call k when (i + k) % 3 = 0, against when it
/// is 1, absent otherwise. `network_analysis` over the year (every pair of 720 ballots)
/// against it: (time, the server's peak RSS in MB). It must fit in half the guest's 64 MiB cap.
fn year_timing() -> (Duration, f64) {
    let dir = std::env::temp_dir().join(format!("epmcp-bench-year-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, data: Value| std::fs::write(dir.join(name), json!({"data": data}).to_string()).unwrap();
    let groups = ["EPP", "S&D", "PfE", "ECR", "Renew", "Greens/EFA", "The Left", "ESN", "NI"];
    write("meps-show-current.json", (0..720).map(|i| json!({"id": format!("person/{}", 100_000 + i), "identifier": (100_000 + i).to_string(),
        "label": format!("MEP {i} (generated)"), "api:political-group": groups[i % 9], "api:country-of-representation": "BE"})).collect());
    // Four sitting days a week, every fourth week from 8 January 2024.
    let days: Vec<String> = (0..50).map(|n| { let day = 8 + (n / 4) * 28 + n % 4; let (m, d) = month_day(day); format!("2024-{m:02}-{d:02}") }).collect();
    write("meetings.json", days.iter().map(|d| json!({"id": format!("eli/dl/event/MTG-PL-{d}"), "activity_id": format!("MTG-PL-{d}"), "activity_date": d})).collect());
    for d in &days {
        let decisions: Vec<Value> = (0..40).map(|k| {
            let voters = |r: usize| (0..720).filter(|i| (i + k) % 3 == r).map(|i| format!("person/{}", 100_000 + i)).collect::<Vec<_>>();
            json!({"id": format!("eli/dl/event/MTG-PL-{d}-DEC-{k:06}"), "activity_id": format!("MTG-PL-{d}-DEC-{k:06}"), "activity_date": d,
                   "had_voter_favor": voters(0), "had_voter_against": voters(1)})
        }).collect();
        write(&format!("meetings-{{sitting-id}}-decisions.MTG-PL-{d}.json"), Value::Array(decisions));
    }
    let (mut fake, url) = start_fake_in(&dir, &[]);
    // Half the host's 64 MiB cap: the year must fit with room to spare (it needed over 48
    // MiB while every sitting's JSON was held at once).
    let mut server = Server::spawn_with(&url, None, &[("EPMCP_CACHE_ENTRIES", "0"), ("EPMCP_MEMORY_MIB", "32")]);
    server.initialize();
    let call = r#"{"name":"network_analysis","arguments":{"analysisType":"voting","minSimilarity":0.9,"dateFrom":"2024-01-01","dateTo":"2024-12-31"}}"#;
    let started = Instant::now();
    let answer = server.call_raw(call);
    let elapsed = started.elapsed();
    assert!(answer.contains("\"isError\":false") && answer.contains("\"rollCalls\":2000"), "{}", &answer[..answer.len().min(400)]);
    let rss_mb = server.peak_rss_kib() as f64 / 1024.0;
    drop(server);
    let _ = fake.kill();
    let _ = fake.wait();
    let _ = std::fs::remove_dir_all(&dir);
    (elapsed, rss_mb)
}

/// One instance in memory against three sharing a Redis, both with every call taking a
/// token from its client's bucket (in Redis: one Lua script per call) and results reused.
fn scale_out(bin: &Path, url: &str, seconds: u64) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("epmcp-bench-redis-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let Ok(mut redis) = Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::null())
        .spawn()
    else {
        println!("scale-out: skipped (no redis-server; `make setup-test` installs it)");
        return;
    };
    std::thread::sleep(Duration::from_millis(300));
    let redis_url = format!("redis://127.0.0.1:{port}/0");
    let limited = [("EPMCP_RATE_LIMIT", "1000000"), ("EPMCP_RATE_LIMIT_WINDOW_SECS", "60")];
    let shared: Vec<(&str, &str)> = limited.iter().copied().chain([("EPMCP_REDIS_URL", redis_url.as_str())]).collect();
    println!();
    println!("scale-out: 200 sessions, results reused, a rate-limit token per call (all on the same 2 cores)");
    let mut rows = Vec::new();
    for (label, env, instances) in [("1 instance, in memory", &limited[..], 1), ("3 instances + Redis", &shared[..], 3)] {
        let mut r = load::run_spread(bin, url, env, instances, 200, seconds);
        let rate = r.calls as f64 / r.seconds;
        let (p50, p99) = (percentile(&mut r.latencies, 0.5), percentile(&mut r.latencies, 0.99));
        println!("{label:<30} {rate:>9.0} calls/s  p50 {p50:>6.2} ms  p99 {p99:>6.2} ms  failed {}", r.failures);
        rows.push((rate, p50, r.calls));
    }
    // The shared path was taken: one script run in Redis per call, not a local fallback.
    let scripts = redis_info(port, "cmdstat_evalsha:calls=").or_else(|| redis_info(port, "cmdstat_eval:calls="));
    println!("{:<30} {:>9}    (calls answered by the 3 instances: {})", "  rate-limit scripts in Redis", scripts.unwrap_or(0), rows[1].2);
    let _ = redis.kill();
    let _ = redis.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let ((one, one_p50, _), (three, three_p50, _)) = (rows[0], rows[1]);
    println!("{:<30} {:>9.0} %  (target ≥ 70 %; the same cores, so total against total)", "  throughput kept", three / one * 100.0);
    println!("{:<30} {:>9.2} ms (target ≤ 0.5 ms)", "  p50 added", three_p50 - one_p50);
}

/// A counter from Redis's `INFO commandstats` (`prefix` up to the number).
fn redis_info(port: u16, prefix: &str) -> Option<u64> {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.write_all(b"*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n").ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let mut buf = vec![0u8; 65536];
    let n = stream.read(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf[..n]);
    let at = text.find(prefix)? + prefix.len();
    text[at..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// (month, day) of day `n` (1-based) of 2024.
fn month_day(mut n: usize) -> (usize, usize) {
    let lengths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 1;
    for length in lengths {
        if n <= length {
            break;
        }
        n -= length;
        month += 1;
    }
    (month, n)
}

/// Copies a component's three files into `dir` under `name` the way an operator should:
/// beside, then renamed into place.
fn drop_component(from: &Path, stem: &str, dir: &Path, name: &str) {
    for suffix in ["manifest.sig", "manifest.toml", "wasm"] {
        let part = dir.join(format!(".{name}.{suffix}.part"));
        std::fs::copy(from.join(format!("{stem}.{suffix}")), &part).unwrap();
        std::fs::rename(&part, dir.join(format!("{name}.{suffix}"))).unwrap();
    }
}

/// Swap latency, from the files in place to the new code answering a call, with a cache
/// that does not hold the new component (so it is verified, compiled and described):
/// release 2 of the `versioned` test component replacing release 1, and `plenary` (a
/// typical production component) added. Five fresh servers each.
fn swap_latencies(url: &str) -> (Vec<Duration>, Vec<Duration>) {
    let production = path("EPMCP_COMPONENTS_DIR", "target/release/components");
    let test = path("EPMCP_TEST_COMPONENTS", "target/test-components");
    let (mut replace, mut add) = (Vec::new(), Vec::new());
    for run in 0..5 {
        let root = std::env::temp_dir().join(format!("epmcp-bench-swap-{}-{run}", std::process::id()));
        let (dir, cache) = (root.join("components"), root.join("cache"));
        std::fs::create_dir_all(&dir).unwrap();
        drop_component(&production, "meps", &dir, "meps");
        drop_component(&test, "versioned", &dir, "versioned");
        let env = [("EPMCP_COMPONENTS", dir.to_str().unwrap()), ("EPMCP_CACHE_DIR", cache.to_str().unwrap())];
        let mut server = Server::spawn_with(url, None, &env);
        server.initialize();
        let answered_by = |server: &mut Server, call: &str, needle: &str| {
            let started = Instant::now();
            while !server.call_raw(call).contains(needle) {
                assert!(started.elapsed() < Duration::from_secs(30), "no swap within 30 s");
                std::thread::sleep(Duration::from_millis(1));
            }
            started.elapsed()
        };
        let release = r#"{"name":"versioned_release","arguments":{}}"#;
        answered_by(&mut server, release, "0.1.0");
        drop_component(&test, "versioned_2", &dir, "versioned");
        replace.push(answered_by(&mut server, release, "2.0.0"));
        drop_component(&production, "plenary", &dir, "plenary");
        add.push(answered_by(&mut server, r#"{"name":"get_plenary_sessions","arguments":{"limit":1}}"#, "\"isError\":false"));
        drop(server);
        let _ = std::fs::remove_dir_all(&root);
    }
    (replace, add)
}

/// `upstream_us=N` of every upstream request the gateway logged, in order.
fn upstream_times(log: &PathBuf) -> Vec<Duration> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split("upstream_us=").nth(1))
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .map(Duration::from_micros)
        .collect()
}

/// `responseMs` of every `upstream` record of the audit log in `dir`, in order.
fn audited_upstream_times(dir: &PathBuf) -> Vec<Duration> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| std::fs::read_to_string(f).unwrap_or_default().lines().map(str::to_string).collect::<Vec<_>>())
        .filter_map(|line| serde_json::from_str::<Value>(&line).ok())
        .filter(|record| record["kind"] == "upstream")
        .filter_map(|record| record["responseMs"].as_f64())
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .collect()
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

fn time<F: FnMut()>(n: usize, mut f: F) -> Vec<Duration> {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect()
}

/// A server with `env` answering 1000 cache-miss calls: (tools listed, tools/list times,
/// call times, the upstream time of each call as the host logged it, peak RSS in MB).
/// With `audit`, the upstream times come from the audit log's `upstream` records (written
/// anyway with the controls on); without, from the gateway's debug log.
fn misses(url: &str, env: &[(&str, &str)], audit: Option<&PathBuf>) -> (usize, Vec<Duration>, Vec<Duration>, Vec<Duration>, f64) {
    let log = std::env::temp_dir().join(format!("epmcp-bench-{}.log", std::process::id()));
    let audit_env = audit.map(|dir| ("EPMCP_AUDIT_DIR", dir.to_str().unwrap()));
    let env: Vec<(&str, &str)> = env.iter().copied().chain(audit_env).collect();
    let mut server = Server::spawn_with(url, if audit.is_some() { None } else { Some(&log) }, &env);
    server.initialize();
    let tool_count = server.request("tools/list", json!({}))["result"]["tools"].as_array().map_or(0, Vec::len);
    let list = time(300, || {
        assert!(server.raw("tools/list", "{}").contains("\"result\":{\"tools\":["));
    });
    let args = json!({"name": "get_mep_details", "arguments": {"id": "1294"}});
    for _ in 0..50 {
        server.request("tools/call", args.clone()); // warm the connection pool
    }
    let raw = args.to_string();
    let call = time(1000, || {
        assert!(server.call_raw(&raw).contains("\"isError\":false"));
    });
    let rss_mb = server.peak_rss_kib() as f64 / 1024.0;
    server.finish(); // flushes the logs
    let upstream = match audit {
        Some(dir) => audited_upstream_times(dir),
        None => upstream_times(&log),
    }
    .split_off(50); // the same 1000 calls, after warm-up
    let _ = std::fs::remove_file(&log);
    assert_eq!(upstream.len(), call.len(), "one upstream request per call");
    (tool_count, list, call, upstream, rss_mb)
}

/// The loopback fake EP API with the bundled samples (and `extra` options); its URL.
fn start_fake(extra: &[&str]) -> (Child, String) {
    start_fake_in(&path("EPMCP_FIXTURES", "tests/fixtures/ep-api"), extra)
}

/// The loopback fake EP API serving the fixtures in `dir`; its URL.
fn start_fake_in(dir: &Path, extra: &[&str]) -> (Child, String) {
    let mut fake = Command::new(path("EPMCP_FAKE", "target/release/fake-ep-api"))
        .args(extra)
        .arg("--fixtures")
        .arg(dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting fake-ep-api");
    let mut line = String::new();
    BufReader::new(fake.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (fake, line.trim().to_string())
}

fn main() {
    let (mut fake, url) = start_fake(&[]);
    // One measurement alone, while working on it: EPMCP_BENCH_ONLY=idle-sessions, year or languages.
    if std::env::var("EPMCP_BENCH_ONLY").is_ok_and(|only| only == "idle-sessions") {
        let bin = path("EPMCP_BIN", "target/release/epmcp");
        let (awake, asleep, opened) = load::idle_session_kib(&bin, &url, 2000);
        println!("memory per idle session: {awake:.1} KiB awake, {asleep:.1} KiB asleep ({opened} sessions)");
        let _ = fake.kill();
        return;
    }
    if std::env::var("EPMCP_BENCH_ONLY").is_ok_and(|only| only == "year") {
        let (year, rss) = year_timing();
        println!("co-voting network of a generated year: {:.1} ms, peak RSS {rss:.1} MB", year.as_secs_f64() * 1000.0);
        let _ = fake.kill();
        return;
    }
    if std::env::var("EPMCP_BENCH_ONLY").is_ok_and(|only| only == "languages") {
        languages::print(&mut languages::measure(&url));
        let _ = fake.kill();
        return;
    }

    // Cold start: process spawn → initialize response (components loaded from .cwasm).
    // (Up to the response: the kill and the exit that follow are not part of starting.)
    let mut cold: Vec<Duration> = (0..15)
        .map(|_| {
            let started = Instant::now();
            let mut s = Server::spawn(&url, None);
            assert!(s.initialize()["result"].is_object());
            let elapsed = started.elapsed();
            drop(s);
            elapsed
        })
        .collect();

    // Every call a miss (cache off), so each call has its own upstream request to subtract.
    // Controls on: limiters (never refusing), audit log, metrics listener.
    let audit_dir = std::env::temp_dir().join(format!("epmcp-bench-audit-{}", std::process::id()));
    let on = [("EPMCP_CACHE_ENTRIES", "0"), ("EPMCP_METRICS_LISTEN", "127.0.0.1:0")];
    let (tool_count, mut list, mut call, mut upstream, rss_mb) = misses(&url, &on, Some(&audit_dir));
    let _ = std::fs::remove_dir_all(&audit_dir);
    let mut overheads: Vec<Duration> = call.iter().zip(&upstream).map(|(c, u)| c.saturating_sub(*u)).collect();
    // Controls off: no call limiter, no audit, no metrics listener (the upstream budget stays: it is the API's rule).
    let (_, _, bare_call, bare_upstream, _) = misses(&url, &[("EPMCP_CACHE_ENTRIES", "0"), ("EPMCP_RATE_LIMIT", "0")], None);
    let mut bare: Vec<Duration> = bare_call.iter().zip(&bare_upstream).map(|(c, u)| c.saturating_sub(*u)).collect();
    // Cache hits: the same call again with the cache on (default).
    let args = json!({"name": "get_mep_details", "arguments": {"id": "1294"}});
    let mut cached = Server::spawn(&url, None);
    cached.initialize();
    cached.request("tools/call", args.clone());
    let raw = args.to_string();
    let mut hits = time(1000, || {
        assert!(cached.call_raw(&raw).contains("\"isError\":false"));
    });

    // What a model reads on every turn: tools/list in bytes, for each profile.
    let sizes: Vec<(&str, usize, usize)> = ["standard", "all", "analysis", "core"]
        .into_iter()
        .map(|profile| {
            let mut s = Server::spawn_with(&url, None, &[("EPMCP_TOOLS", profile)]);
            s.initialize();
            let list = s.request("tools/list", json!({}));
            let tools = list["result"]["tools"].as_array().map_or(0, Vec::len);
            (profile, tools, list["result"].to_string().len())
        })
        .collect();

    let (mut replace, mut add) = swap_latencies(&url);
    let (analysis_cold, mut analysis_warm) = analytics_timings();
    let (year, year_rss_mb) = year_timing();
    let mut per_language = languages::measure(&url);

    let cold_p50 = percentile(&mut cold, 0.5);
    let (call_p50, call_p95) = (percentile(&mut call, 0.5), percentile(&mut call, 0.95));
    let (up_p50, up_p95) = (percentile(&mut upstream, 0.5), percentile(&mut upstream, 0.95));
    let (overhead, overhead_p95) = (percentile(&mut overheads, 0.5), percentile(&mut overheads, 0.95));
    println!("epmcp bench (loopback fake, 0 ms delay)");
    println!("{:<44} {:>10} {:>10} {:>12}", "measure", "p50 ms", "p95 ms", "target");
    println!("all components loaded: {tool_count} tools");
    println!("{:<44} {:>10.2} {:>10.2} {:>12}", "cold start → initialize response (15 runs)", cold_p50, percentile(&mut cold, 0.95), "≤ 50 ms");
    println!("{:<44} {:>10} {:>10} {:>12}", "  (every component verified, from the cache)", "", "", "≤ 100 ms");
    println!("{:<44} {:>10.3} {:>10.3} {:>12}", "tools/list (300)", percentile(&mut list, 0.5), percentile(&mut list, 0.95), "≤ 2 ms");
    for (profile, tools, bytes) in &sizes {
        let (target, note) = match *profile { "standard" => ("≤ 60 KB", ", default"), "core" => ("≤ 25 KB", ""), _ => ("", "") };
        println!("{:<44} {:>10} {:>10} {:>12}", format!("tools/list bytes, {profile} ({tools} tools{note})"), bytes, "", target);
    }
    println!("{:<44} {:>10} {:>10} {:>12}", "  the reference server's (no output schemas)", 45_000, "", "");
    println!("{:<44} {:>10.3} {:>10.3} {:>12}", "tools/call get_mep_details (1000)", call_p50, call_p95, "");
    println!("{:<44} {:>10.3} {:>10.3} {:>12}", "  of which upstream (logged by the host)", up_p50, up_p95, "");
    println!("{:<44} {:>10.3} {:>10.3} {:>12}", "host overhead per call (call − its upstream)", overhead, overhead_p95, "≤ 0.3 ms");
    let bare_p50 = percentile(&mut bare, 0.5);
    println!("{:<44} {:>10.3} {:>10.3} {:>12}", "  the same with the controls off", bare_p50, percentile(&mut bare, 0.95), "");
    println!("{:<44} {:>10.3} {:>10} {:>12}", "  cost of the controls (difference of p50s)", overhead - bare_p50, "", "");
    println!("{:<44} {:>10.3} {:>10.3} {:>12}", "tools/call, cache hit (1000)", percentile(&mut hits, 0.5), percentile(&mut hits, 0.95), "≤ 0.2 ms");
    println!("{:<44} {:>10.1} {:>10.1} {:>12}", "swap: release 2 in place → answering (5)", percentile(&mut replace, 0.5), percentile(&mut replace, 0.95), "≤ 500 ms");
    println!("{:<44} {:>10.1} {:>10.1} {:>12}", "swap: plenary added → answering (5)", percentile(&mut add, 0.5), percentile(&mut add, 0.95), "≤ 500 ms");
    println!("{:<44} {:>10.1} {:>10} {:>12}", "peak RSS, all components loaded (MB)", rss_mb, "", "≤ 60 MB");
    println!("{:<44} {:>10.1} {:>10} {:>12}", "analysis of a month, 50 ms upstream (first)", analysis_cold.as_secs_f64() * 1000.0, "", "≤ 5000 ms");
    println!("{:<44} {:>10.1} {:>10.1} {:>12}", "  the same call repeated, cache warm (20)", percentile(&mut analysis_warm, 0.5), percentile(&mut analysis_warm, 0.95), "≤ 100 ms");
    println!("{:<44} {:>10.1} {:>10} {:>12}", "co-voting network of a generated year (ms)", year.as_secs_f64() * 1000.0, "", "32 MiB cap");
    println!("{:<44} {:>10.1} {:>10} {:>12}", "  2,000 roll calls × 720 MEPs; peak RSS (MB)", year_rss_mb, "", "");
    languages::print(&mut per_language);

    // The hosted listener under load (EPMCP_BENCH_LOAD_SECS, default 20; 0 skips).
    let seconds: u64 = std::env::var("EPMCP_BENCH_LOAD_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    if seconds > 0 {
        let bin = path("EPMCP_BIN", "target/release/epmcp");
        println!();
        println!("epmcp serve under load: 200 Streamable HTTP sessions for {seconds} s each (client and server share the 2 cores)");
        println!(
            "{:<30} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9} {:>14} {:>14} {:>8}",
            "", "calls/s", "p50 ms", "p95 ms", "p99 ms", "failed", "RSS MB", "server µs/call", "client µs/call", "target"
        );
        for (label, env, target) in [
            ("cache warm (results reused)", vec![], "≥ 5000/s"),
            ("cache off (every call upstream)", vec![("EPMCP_CACHE_ENTRIES", "0")], ""),
        ] {
            let mut r = load::run(&bin, &url, &env, 200, seconds);
            let rate = r.calls as f64 / r.seconds;
            let (p50, p95, p99) = if r.latencies.is_empty() {
                (f64::NAN, f64::NAN, f64::NAN)
            } else {
                (percentile(&mut r.latencies, 0.5), percentile(&mut r.latencies, 0.95), percentile(&mut r.latencies, 0.99))
            };
            println!(
                "{label:<30} {rate:>9.0} {p50:>8.2} {p95:>8.2} {p99:>8.2} {:>8} {:>9.1} {:>14.0} {:>14.0} {target:>8}",
                r.failures, r.rss_mb, r.server_cpu_us_per_call, r.client_cpu_us_per_call
            );
        }
        let (awake, asleep, opened) = load::idle_session_kib(&bin, &url, 2000);
        println!("{:<30} {:>9.1} KiB each ({opened} anonymous sessions, 15 s idle: asleep; target ≤ 20 KB)", "memory per idle session", asleep);
        println!("{:<30} {:>9.1} KiB each (the same, 0.3 s after opening: awake)", "", awake);
        scale_out(&bin, &url, seconds);
    }
    let _ = fake.kill();
    let _ = fake.wait();
}
