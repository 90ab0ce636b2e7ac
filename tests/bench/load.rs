//! The hosted listener under load: N concurrent Streamable HTTP clients (one MCP session
//! and one keep-alive connection each) calling a tool for a fixed time. Reports
//! throughput, latency percentiles, failures and the server's peak RSS.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::json;

pub struct Report {
    /// Server CPU time (user + system) per answered call, in µs.
    pub server_cpu_us_per_call: f64,
    /// The load client's own CPU time per answered call, in µs.
    pub client_cpu_us_per_call: f64,
    pub calls: usize,
    pub failures: u64,
    pub seconds: f64,
    pub latencies: Vec<Duration>,
    pub rss_mb: f64,
}

/// `epmcp serve` on a loopback port with `env`; returns the child and its address.
fn serve(bin: &std::path::Path, url: &str, env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("EP_API_URL", url)
        .env("EPMCP_LOG", "error")
        // Every client is anonymous from 127.0.0.1: one identity, so its limits are lifted here.
        .env("EPMCP_ANONYMOUS_ROLE", "researcher")
        .env("EPMCP_POLICY_EXCEPTIONS", "anonymous_analytics")
        // 10,000+ calls a second from one identity is exactly what anomaly detection blocks.
        .env("EPMCP_ANOMALY_DETECTION", "false")
        .env("EPMCP_RATE_LIMIT", "0")
        .env("EPMCP_MAX_CALLS_PER_CLIENT", "10000")
        .env("EPMCP_UPSTREAM_PER_5MIN", "100000")
        // 200 anonymous sessions from one address: over the default per-address cap.
        .env("EPMCP_MAX_SESSIONS_PER_ADDRESS", "100000")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting epmcp serve");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let addr = line.trim().trim_start_matches("http://").trim_end_matches("/mcp").to_string();
    (child, addr)
}

/// CPU time (user + system) the process has used, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
    let fields: Vec<f64> = after.split_whitespace().map(|f| f.parse().unwrap_or(0.0)).collect();
    let ticks = fields.get(11).copied().unwrap_or(0.0) + fields.get(12).copied().unwrap_or(0.0);
    ticks / 100.0 // USER_HZ
}

/// Resident memory now, in KiB.
fn rss_kib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).unwrap_or(0.0)
}

/// Memory an idle Streamable HTTP session costs the server: `sessions` sessions opened
/// (initialize and initialized) on a fresh server and left idle; KiB per session just after
/// (awake) and once idle sessions sleep, and how many were opened.
pub fn idle_session_kib(bin: &std::path::Path, url: &str, sessions: usize) -> (f64, f64, usize) {
    let limits = (sessions + 500).to_string(); // room for the warm-up sessions too
    let env = [("EPMCP_MAX_SESSIONS", limits.as_str()), ("EPMCP_MAX_SESSIONS_PER_ADDRESS", limits.as_str())];
    let (mut child, addr) = serve(bin, url, &env);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let open = |count: usize| {
        runtime.block_on(async {
            let mut opened = 0;
            for _ in 0..count / 50 {
                let batch: Vec<_> = (0..50).map(|_| tokio::spawn(open_session(addr.clone()))).collect();
                for task in batch {
                    opened += usize::from(matches!(task.await, Ok(Ok(()))));
                }
            }
            opened
        })
    };
    open(200); // warm: allocator arenas, caches and the first sessions' one-off costs
    std::thread::sleep(Duration::from_millis(300));
    let before = rss_kib(child.id());
    let opened = open(sessions);
    std::thread::sleep(Duration::from_millis(300));
    let awake = rss_kib(child.id());
    // Sessions sleep after 10 s without use (host/src/transport/sessions.rs), checked every 2 s;
    // memory their tasks free later is given back at the round after.
    std::thread::sleep(Duration::from_secs(15));
    let asleep = rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let per_session = |rss: f64| (rss - before) / opened.max(1) as f64;
    (per_session(awake), per_session(asleep), opened)
}

/// One session opened and left idle (its connection closed).
async fn open_session(addr: String) -> anyhow::Result<()> {
    let stream = tokio::net::TcpStream::connect(&addr).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "idle", "version": "0"}}});
    let (status, session, _) = post(&mut sender, &addr, None, init.to_string()).await?;
    let session = session.filter(|_| status == 200).ok_or_else(|| anyhow::anyhow!("refused: {status}"))?;
    post(&mut sender, &addr, Some(&session), json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string()).await?;
    Ok(())
}

fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).unwrap_or(0.0);
    kib / 1024.0
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// POST a JSON-RPC message; the response body (JSON or an SSE stream that ends after the
/// answer), and the session id the server gave.
async fn post(sender: &mut Sender, addr: &str, session: Option<&str>, body: String) -> anyhow::Result<(u16, Option<String>, String)> {
    let mut request = Request::post("/mcp")
        .header("host", addr)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    if let Some(id) = session {
        request = request.header("mcp-session-id", id).header("mcp-protocol-version", "2025-11-25");
    }
    sender.ready().await?;
    let response = sender.send_request(request.body(Full::new(Bytes::from(body)))?).await?;
    let status = response.status().as_u16();
    let session = response.headers().get("mcp-session-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, session, String::from_utf8_lossy(&body).into_owned()))
}

async fn client(addr: String, until: Instant, latencies: Arc<std::sync::Mutex<Vec<Duration>>>, failures: Arc<AtomicU64>) -> anyhow::Result<()> {
    let stream = tokio::net::TcpStream::connect(&addr).await?;
    stream.set_nodelay(true)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "load", "version": "0"}}});
    let (_, session, _) = post(&mut sender, &addr, None, init.to_string()).await?;
    let session = session.ok_or_else(|| anyhow::anyhow!("no session id"))?;
    post(&mut sender, &addr, Some(&session), json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string()).await?;
    let mut mine = Vec::new();
    let mut id = 1;
    while Instant::now() < until {
        let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "get_mep_details", "arguments": {"id": "1294"}}});
        id += 1;
        let started = Instant::now();
        match post(&mut sender, &addr, Some(&session), call.to_string()).await {
            Ok((200, _, body)) if body.contains("\"isError\":false") => mine.push(started.elapsed()),
            _ => {
                failures.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    latencies.lock().unwrap().extend(mine);
    Ok(())
}

/// `clients` sessions calling for `seconds` against a fresh server with `env`.
pub fn run(bin: &std::path::Path, url: &str, env: &[(&str, &str)], clients: usize, seconds: u64) -> Report {
    run_spread(bin, url, env, 1, clients, seconds)
}

/// As [`run`], against `instances` fresh servers, the clients spread over them in turn
/// (a round-robin balancer). CPU is the servers' total; RSS the largest one's.
pub fn run_spread(bin: &std::path::Path, url: &str, env: &[(&str, &str)], instances: usize, clients: usize, seconds: u64) -> Report {
    let mut servers: Vec<(Child, String)> = (0..instances).map(|_| serve(bin, url, env)).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let failures = Arc::new(AtomicU64::new(0));
    let servers_cpu = |servers: &[(Child, String)]| servers.iter().map(|(c, _)| cpu_seconds(c.id())).sum::<f64>();
    let cpu_before = servers_cpu(&servers);
    let own_before = cpu_seconds(std::process::id());
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    runtime.block_on(async {
        let tasks: Vec<_> = (0..clients)
            .map(|i| tokio::spawn(client(servers[i % instances].1.clone(), until, latencies.clone(), failures.clone())))
            .collect();
        for task in tasks {
            if !matches!(task.await, Ok(Ok(()))) {
                failures.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let seconds = started.elapsed().as_secs_f64();
    let cpu = servers_cpu(&servers) - cpu_before;
    let own = cpu_seconds(std::process::id()) - own_before;
    let rss_mb = servers.iter().map(|(c, _)| peak_rss_mb(c.id())).fold(0.0, f64::max);
    for (child, _) in &mut servers {
        let _ = child.kill();
        let _ = child.wait();
    }
    let latencies = std::mem::take(&mut *latencies.lock().unwrap());
    let server_cpu_us_per_call = cpu * 1e6 / latencies.len().max(1) as f64;
    let client_cpu_us_per_call = own * 1e6 / latencies.len().max(1) as f64;
    Report { server_cpu_us_per_call, client_cpu_us_per_call, calls: latencies.len(), failures: failures.load(Ordering::Relaxed), seconds, latencies, rss_mb }
}
