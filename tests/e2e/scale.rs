//! Scale-out through a real Redis: three `epmcp serve` instances sharing one Redis act as
//! one server for the cache, single-flight and rate limits (the fake's request log is the
//! proof), and carry on alone when Redis goes away. And traces: the spans of a call reach
//! an OTLP/HTTP collector with their parents.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Fake, Hosted, TempDir, WAIT, http, upstream_requests};

/// `redis-server` on a loopback port, in a temporary directory, persisting nothing.
struct Redis {
    child: Option<Child>,
    port: u16,
    dir: TempDir,
    /// More options (TLS, a password).
    extra: Vec<String>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Redis {
    fn start() -> Redis {
        Redis::start_with(Vec::new(), TempDir::new("redis"))
    }

    fn start_with(extra: Vec<String>, dir: TempDir) -> Redis {
        let mut redis = Redis { child: None, port: free_port(), dir, extra };
        redis.run();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Starts the server (again, on the same port) and waits for its PONG.
    fn run(&mut self) {
        let child = Command::new(std::env::var("EPMCP_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into()))
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string(), "--save", "", "--appendonly", "no"])
            .args(["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"])
            .args(&self.extra)
            .arg("--dir")
            .arg(&self.dir.0)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (`make setup-test` installs it)");
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < WAIT {
            let answer = self.command(&["PING"]);
            if answer.starts_with("+PONG") || answer.starts_with("-NOAUTH") {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not answer on port {}", self.port);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// One command (arguments may hold spaces); its raw RESP answer ("" when nothing answers).
    fn command(&self, args: &[&str]) -> String {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return String::new() };
        stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        let _ = stream.write_all(request.as_bytes());
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An MCP session over Streamable HTTP on one instance, by hand.
struct Session {
    addr: String,
    id: String,
}

const JSON: (&str, &str) = ("Content-Type", "application/json");
const ACCEPT: (&str, &str) = ("Accept", "application/json, text/event-stream");

impl Session {
    fn open(server: &Hosted) -> Session {
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "scale", "version": "0"}}});
        let (status, headers, body) = http(&server.addr, "POST", "/mcp", &[JSON, ACCEPT], &init.to_string());
        assert_eq!(status, 200, "{body}");
        let id = headers.iter().find(|(k, _)| k == "mcp-session-id").map(|(_, v)| v.clone()).expect("a session id");
        let session = Session { addr: server.addr.clone(), id };
        session.post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        session
    }

    fn post(&self, message: &Value) -> String {
        self.post_with(message, &[])
    }

    fn post_with(&self, message: &Value, extra: &[(&str, &str)]) -> String {
        let mut headers = vec![JSON, ACCEPT, ("Mcp-Session-Id", self.id.as_str()), ("Mcp-Protocol-Version", "2025-11-25")];
        headers.extend_from_slice(extra);
        http(&self.addr, "POST", "/mcp", &headers, &message.to_string()).2
    }

    /// A tools/call; the answer's text (SSE or JSON, unparsed).
    fn call(&self, tool: &str, arguments: Value) -> String {
        self.post(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}))
    }
}

fn ok(answer: &str) -> bool {
    answer.contains(r#""isError":false"#)
}

/// Three instances on one Redis (and `env`).
fn three(fake: &Fake, redis: &Redis, env: &[(&str, &str)]) -> Vec<Hosted> {
    (0..3).map(|_| three_one(fake, redis, env)).collect()
}

/// One of the instances sharing `redis`.
fn three_one(fake: &Fake, redis: &Redis, env: &[(&str, &str)]) -> Hosted {
    let url = redis.url();
    let mut env: Vec<(&str, &str)> = env.to_vec();
    env.extend([("EPMCP_REDIS_URL", url.as_str()), ("EPMCP_ANONYMOUS_ROLE", "researcher"), crate::support::ANONYMOUS_ANALYTICS]);
    Hosted::start(fake, &env)
}

#[test]
fn three_instances_share_one_cache_and_one_fetch() {
    let redis = Redis::start();
    // Each EP answer takes 300 ms, so the three concurrent misses below overlap.
    let fake = Fake::start_with(&["--delay-ms", "300"]);
    let servers = three(&fake, &redis, &[]);
    let sessions: Vec<Session> = servers.iter().map(Session::open).collect();
    // Cached through A, a hit through B and C: one upstream request in all.
    assert!(ok(&sessions[0].call("get_mep_details", json!({"id": "1294"}))));
    assert!(ok(&sessions[1].call("get_mep_details", json!({"id": "1294"}))));
    assert!(ok(&sessions[2].call("get_mep_details", json!({"id": "MEP-1294"}))));
    assert_eq!(upstream_requests(&fake, "/meps/1294?"), 1);
    assert!(redis.command(&["KEYS", "epmcp:cache:*"]).contains("meps/1294"), "the shared entry is in Redis");
    // The same miss on all three at once: one instance fetches, the others wait for it.
    std::thread::scope(|scope| {
        let calls: Vec<_> = sessions.iter().map(|s| scope.spawn(move || s.call("get_mep_details", json!({"id": "101"})))).collect();
        for call in calls {
            assert!(ok(&call.join().unwrap()));
        }
    });
    assert_eq!(upstream_requests(&fake, "/meps/101?"), 1, "concurrent identical misses across instances: one request");
    // The official Python SDK, one session per instance in turn: one upstream request too.
    let urls: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();
    let answers = crate::support::python("round_robin.py", &[&["get_mep_details", r#"{"id": "107"}"#][..], &urls[..]].concat(), &[]);
    assert_eq!(answers.as_array().map(Vec::len), Some(3), "{answers}");
    assert!(answers.as_array().unwrap().iter().all(|a| a["isError"] == false && a["name"].as_str().is_some_and(|n| n.contains("NIELSEN"))), "{answers}");
    assert_eq!(upstream_requests(&fake, "/meps/107?"), 1, "three SDK sessions on three instances: one request");
    let keys = redis.command(&["KEYS", "epmcp:cache:*meps/101?*"]);
    let key = keys.lines().find(|l| l.starts_with("epmcp:cache:")).unwrap_or_else(|| panic!("no shared entry for 101: {keys}"));
    let ttl: i64 = redis.command(&["PTTL", key]).trim().trim_start_matches(':').parse().unwrap_or(-1);
    assert!(ttl > 0 && ttl <= 900_000, "entries keep the cache TTL in Redis: {ttl}");
}

#[test]
fn one_identitys_limit_holds_across_instances() {
    let redis = Redis::start();
    let fake = Fake::start();
    // 6 per 200 s: a token every 33,333.3 ms, a fraction the script must round for Redis.
    let servers = three(&fake, &redis, &[("EPMCP_RATE_LIMIT", "6"), ("EPMCP_RATE_LIMIT_WINDOW_SECS", "200")]);
    // The same client (its address, anonymous) opens a session on each (an `initialize` is
    // charged like a call), then calls round-robin over the three: 3 calls left in all.
    let sessions: Vec<Session> = servers.iter().map(Session::open).collect();
    for i in 0..3 {
        assert!(ok(&sessions[i % 3].call("get_mep_details", json!({"id": "1294"}))), "call {i}");
    }
    let refused = sessions[1].call("get_mep_details", json!({"id": "1294"}));
    assert!(refused.contains("rate limit") && refused.contains("retry"), "{refused}");
    assert!(redis.command(&["KEYS", "epmcp:rate:*"]).contains("epmcp:rate:call:researcher:"), "the bucket is in Redis");
    for server in &servers {
        assert!(!server.stderr().contains("redis unavailable"), "the shared bucket was used, not a fallback: {}", server.stderr());
    }
}

#[test]
fn the_ep_apis_budget_is_one_for_all_instances() {
    let redis = Redis::start();
    let fake = Fake::start();
    let servers = three(&fake, &redis, &[("EPMCP_UPSTREAM_PER_5MIN", "2")]);
    let sessions: Vec<Session> = servers.iter().map(Session::open).collect();
    assert!(ok(&sessions[0].call("get_mep_details", json!({"id": "1294"}))));
    assert!(ok(&sessions[1].call("get_mep_details", json!({"id": "101"}))));
    let refused = sessions[2].call("get_mep_details", json!({"id": "102"}));
    assert!(refused.contains("request budget") && refused.contains("retry after"), "a third instance may not spend a third budget: {refused}");
    assert!(ok(&sessions[2].call("get_mep_details", json!({"id": "101"}))), "a shared cache hit spends nothing");
    assert_eq!(upstream_requests(&fake, "/meps/"), 2);
}

#[test]
fn redis_over_mutual_tls_with_a_password_and_wrong_credentials_fall_back() {
    // A throw-away CA; Redis's certificate for 127.0.0.1 and the instances' client
    // certificate, signed by it. Redis requires a client certificate and a password.
    let dir = TempDir::new("redis-tls");
    let ca = crate::support::TestCa::new(&dir.0, "redis");
    let (cert, key) = ca.issue("redis", &["127.0.0.1"], false);
    let (client_cert, client_key) = ca.issue("epmcp-instance", &[], true);
    let ca_pem = ca.pem.to_str().unwrap().to_string();
    let tls_port = free_port();
    let extra = ["--tls-port", &tls_port.to_string(), "--tls-cert-file", &cert, "--tls-key-file", &key, "--tls-ca-cert-file", &ca_pem,
        "--tls-auth-clients", "yes", "--requirepass", "s3cret"];
    let _redis = Redis::start_with(extra.iter().map(|s| s.to_string()).collect(), TempDir::new("redis"));
    let fake = Fake::start();
    let url = format!("rediss://:s3cret@127.0.0.1:{tls_port}/0");
    let base = [("EPMCP_REDIS_CA", ca_pem.as_str()), ("EPMCP_ANONYMOUS_ROLE", "researcher"), crate::support::ANONYMOUS_ANALYTICS];
    let mut env = base.to_vec();
    env.extend([("EPMCP_REDIS_URL", url.as_str()), ("EPMCP_REDIS_CLIENT_CERT", client_cert.as_str()), ("EPMCP_REDIS_CLIENT_KEY", client_key.as_str())]);
    let (a, b) = (Hosted::start(&fake, &env), Hosted::start(&fake, &env));
    assert!(ok(&Session::open(&a).call("get_mep_details", json!({"id": "1294"}))));
    assert!(ok(&Session::open(&b).call("get_mep_details", json!({"id": "1294"}))));
    assert_eq!(upstream_requests(&fake, "/meps/1294?"), 1, "shared over mutual TLS");
    for server in [&a, &b] {
        assert!(!server.stderr().contains("redis unavailable"), "{}", server.stderr());
    }
    // Without the client certificate, or with a wrong password, Redis refuses the
    // instance: it serves on its own, and says so.
    let wrong = format!("rediss://:wrong@127.0.0.1:{tls_port}/0");
    let without_certificate = [base.as_slice(), &[("EPMCP_REDIS_URL", url.as_str())]].concat();
    let mut wrong_password = env.clone();
    wrong_password.retain(|(k, _)| *k != "EPMCP_REDIS_URL");
    wrong_password.push(("EPMCP_REDIS_URL", wrong.as_str()));
    for (case, env, id) in [("no client certificate", without_certificate, "101"), ("wrong password", wrong_password, "102")] {
        let c = Hosted::start(&fake, &env);
        assert!(ok(&Session::open(&c).call("get_mep_details", json!({"id": id}))), "{case}");
        assert!(c.stderr().contains("redis unavailable"), "{case}: {}", c.stderr());
    }
}

#[test]
fn instances_carry_on_without_redis_and_share_again_when_it_returns() {
    let mut redis = Redis::start();
    let fake = Fake::start();
    // Each instance's operator view (readiness detail, metrics) is on its metrics listener.
    let observed: Vec<String> = (0..3).map(|_| format!("127.0.0.1:{}", std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port())).collect();
    let servers: Vec<Hosted> = observed.iter().map(|addr| three_one(&fake, &redis, &[("EPMCP_METRICS_LISTEN", addr)])).collect();
    let sessions: Vec<Session> = servers.iter().map(Session::open).collect();
    assert!(ok(&sessions[0].call("get_mep_details", json!({"id": "1294"}))));

    redis.stop();
    // Every call still answers, each instance on its own cache and limits.
    for (i, id) in ["101", "102", "103"].iter().enumerate() {
        assert!(ok(&sessions[i].call("get_mep_details", json!({"id": id}))), "instance {i} without Redis");
    }
    let ready = http(&observed[0], "GET", "/readyz", &[], "");
    assert_eq!(ready.0, 200, "still ready: it degrades, it does not fail");
    assert!(ready.2.contains("unavailable: serving with this instance's own cache and limits"), "{}", ready.2);
    assert_eq!(http(&servers[0].addr, "GET", "/readyz", &[], "").2.trim(), r#"{"ready":true}"#, "no detail for anyone on the MCP listener");
    let metrics = http(&observed[1], "GET", "/metrics", &[], "").2;
    assert!(metrics.contains("redis_up 0") && metrics.contains("redis_fallbacks_total{op="), "{metrics}");

    redis.run();
    std::thread::sleep(Duration::from_millis(1100)); // past the back-off
    assert!(ok(&sessions[0].call("get_mep_details", json!({"id": "104"}))));
    assert!(ok(&sessions[1].call("get_mep_details", json!({"id": "104"}))));
    assert_eq!(upstream_requests(&fake, "/meps/104?"), 1, "shared again once Redis is back");
    let ready = http(&observed[1], "GET", "/readyz", &[], "").2;
    assert!(ready.contains(r#""redis":"up""#), "{ready}");
    assert!(servers[2].stderr().contains("redis unavailable") && servers[0].stderr().contains("redis reachable again"), "{}", servers[0].stderr());
}

/// A loopback OTLP/HTTP collector: every JSON body POSTed to it, kept.
fn collector() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(50) {
            let Ok(mut stream) = stream else { continue };
            let kept = kept.clone();
            std::thread::spawn(move || {
                stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                let mut buf = Vec::new();
                let mut chunk = [0u8; 65536];
                // Requests on a kept-alive connection, one after another.
                loop {
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match stream.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    let length: usize = head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
                    while buf.len() < end + 4 + length {
                        match stream.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let body: Vec<u8> = buf.drain(..end + 4 + length).skip(end + 4).collect();
                    if let Ok(value) = serde_json::from_slice(&body) {
                        kept.lock().unwrap().push(value);
                    }
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
                }
            });
        }
    });
    (url, bodies)
}

/// Every span the collector received.
fn spans(bodies: &[Value]) -> Vec<Value> {
    let mut all = Vec::new();
    for body in bodies {
        for resource in body["resourceSpans"].as_array().into_iter().flatten() {
            for scope in resource["scopeSpans"].as_array().into_iter().flatten() {
                all.extend(scope["spans"].as_array().into_iter().flatten().cloned());
            }
        }
    }
    all
}

#[test]
fn a_calls_spans_reach_the_collector_under_the_clients_trace() {
    let (endpoint, bodies) = collector();
    let fake = Fake::start();
    let server = Hosted::start(&fake, &[("EPMCP_OTLP_ENDPOINT", &endpoint), ("EPMCP_ANONYMOUS_ROLE", "researcher"), crate::support::ANONYMOUS_ANALYTICS]);
    let session = Session::open(&server);
    // The client's own trace (W3C trace context): the call's span is its child.
    let (trace, parent) = ("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
    let traceparent = format!("00-{trace}-{parent}-01");
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "get_mep_details", "arguments": {"id": "1294"}}});
    assert!(ok(&session.post_with(&call, &[("traceparent", &traceparent)])));
    let started = Instant::now();
    let named = |spans: &[Value], name: &str| spans.iter().find(|s| s["name"] == name).cloned();
    let mut all = Vec::new();
    while started.elapsed() < WAIT {
        all = spans(&bodies.lock().unwrap());
        if ["tools/call", "validate", "component", "upstream"].iter().all(|n| named(&all, n).is_some()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let get = |name: &str| named(&all, name).unwrap_or_else(|| panic!("no {name} span in {all:?}"));
    let (call, validate, component, upstream) = (get("tools/call"), get("validate"), get("component"), get("upstream"));
    assert_eq!((call["traceId"].as_str(), call["parentSpanId"].as_str()), (Some(trace), Some(parent)), "{call}");
    for child in [&validate, &component] {
        assert_eq!(child["parentSpanId"], call["spanId"], "{child}");
    }
    assert_eq!(upstream["parentSpanId"], component["spanId"], "the upstream request is the component's: {upstream}");
    assert!(all.iter().filter(|s| s["traceId"] == trace).count() >= 4);
    let attributes = upstream["attributes"].to_string();
    assert!(attributes.contains("cache_hit") && attributes.contains("\"endpoint\"") && attributes.contains("meps/1294"), "{attributes}");
}

#[test]
fn tenants_stay_apart_in_redis_and_a_block_on_one_instance_holds_on_all() {
    use crate::support::{session, tenant_key};
    let redis = Redis::start();
    let fake = Fake::start();
    let dir = TempDir::new("scale-tenants");
    let tenants = dir.0.join("tenants.toml");
    std::fs::write(&tenants, "[acme]\n[beta]\n").unwrap();
    let (acme, acme_entry) = tenant_key("researcher", "acme");
    let (beta, beta_entry) = tenant_key("researcher", "beta");
    let (operator, operator_entry) = tenant_key("admin", "default");
    let keys = [acme_entry, beta_entry, operator_entry].join(",");
    let url = redis.url();
    let env = [("EPMCP_REDIS_URL", url.as_str()), ("EPMCP_TENANTS", tenants.to_str().unwrap()), ("EPMCP_API_KEYS", keys.as_str())];
    let (one, two) = (Hosted::start(&fake, &env), Hosted::start(&fake, &env));
    let valid = json!(["get_mep_details", {"id": "1294"}]);
    let served = |report: &Value| report["calls"][0]["result"]["name"] == "Elio DI RUPO";

    // acme's response is shared by acme's callers on both instances, never with beta's.
    assert!(served(&session(&one.url, &acme, json!([valid]))));
    assert!(served(&session(&two.url, &beta, json!([valid]))));
    assert!(served(&session(&two.url, &acme, json!([valid]))));
    assert_eq!(upstream_requests(&fake, "/meps/1294?"), 2, "one read per tenant");
    let keys = redis.command(&["KEYS", "epmcp:cache:*"]);
    assert!(keys.contains("epmcp:cache:acme:") && keys.contains("epmcp:cache:beta:"), "{keys}");
    // Usage is summed over the instances (each adds its own every 2 s).
    std::thread::sleep(Duration::from_millis(2500));
    let report = session(&one.url, &operator, json!([["admin_tenants", {}]]));
    let acme_view = report["calls"][0]["result"]["tenants"].as_array().unwrap().iter().find(|t| t["name"] == "acme").unwrap().clone();
    assert_eq!(acme_view["usage"]["calls"], 1, "this instance's: {acme_view}");
    assert_eq!(acme_view["usageAllInstances"]["calls"], 2, "both instances': {acme_view}");
    assert_eq!(acme_view["usageAllInstances"]["upstreamRequests"], 1, "{acme_view}");

    // Blocked on one: refused on the other within a second or so.
    let burst = session(&one.url, &acme, json!([["get_mep_details", {"id": "../x"}, 30]]));
    assert!(burst["calls"].as_array().unwrap().iter().any(|a| a["error"].as_str().is_some_and(|e| e.contains("blocked"))), "{burst}");
    assert!(redis.command(&["KEYS", "epmcp:anomaly:action:*"]).contains("identity:acme:key:"), "the block is in Redis");
    std::thread::sleep(Duration::from_millis(1500));
    let elsewhere = session(&two.url, &acme, json!([valid]));
    assert!(elsewhere["calls"][0]["error"].as_str().is_some_and(|e| e.contains("this client is blocked")), "{elsewhere}");
    assert!(served(&session(&two.url, &beta, json!([valid]))), "beta is untouched");

    // Lifted through one instance: served again through the other.
    let listed = session(&two.url, &operator, json!([["admin_anomalies", {}]]));
    let subject = listed["calls"][0]["result"]["responses"][0]["subject"].as_str().unwrap().to_string();
    let lift = session(&two.url, &operator, json!([["admin_lift_block", {"subject": subject}]]));
    assert_eq!(lift["calls"][0]["result"]["lifted"], true, "{lift}");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(served(&session(&one.url, &acme, json!([valid]))), "the lift reached the other instance");
}
