//! Test support: the loopback fake EP API, the real `epmcp` binary over stdio, and
//! a minimal JSON-RPC client with bounded waits.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any single response may take before a test fails.
pub const WAIT: Duration = Duration::from_secs(20);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A path from the environment (set by `make test`), or its default under `target/`.
pub fn path(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| repo().join(default))
}

pub fn epmcp_bin() -> PathBuf {
    path("EPMCP_BIN", "target/release/epmcp")
}

pub fn components_dir() -> PathBuf {
    path("EPMCP_COMPONENTS_DIR", "target/release/components")
}

pub fn test_components_dir() -> PathBuf {
    path("EPMCP_TEST_COMPONENTS", "target/test-components")
}

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("epmcp-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The loopback fake of the EP API (`tests/fake`), with its request log.
pub struct Fake {
    child: Child,
    pub url: String,
    log: PathBuf,
    _dir: TempDir,
}

impl Fake {
    pub fn start() -> Fake {
        Fake::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Fake {
        let dir = TempDir::new("fake");
        let log = dir.0.join("requests.log");
        let mut child = Command::new(path("EPMCP_FAKE", "target/release/fake-ep-api"))
            .arg("--fixtures")
            .arg(path("EPMCP_FIXTURES", "tests/fixtures/ep-api"))
            .arg("--log")
            .arg(&log)
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting fake-ep-api (run `make build` first)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert!(line.starts_with("http://127.0.0.1:"), "fake printed {line:?}");
        Fake { child, url: line.trim().to_string(), log, _dir: dir }
    }

    /// Request lines (`GET /api/v2/...`) the fake received, in order.
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log).unwrap_or_default().lines().map(str::to_string).collect()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `epmcp` with a clean environment: PATH, the EP API URL, the components, the test cwasm cache.
fn epmcp_command(ep_api_url: &str, components: &Path) -> Command {
    let mut command = Command::new(epmcp_bin());
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("EP_API_URL", ep_api_url)
        .env("EPMCP_COMPONENTS", components)
        .env("EPMCP_TRUSTED_KEYS", dev_public_key())
        .env("EPMCP_CACHE_DIR", repo().join("target/test-cwasm"));
    command
}

/// A running `epmcp` on stdio, initialised.
pub struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    next_id: i64,
    pub stderr: PathBuf,
    pub initialize: Value,
    /// Responses read while waiting for another one, by id.
    early: std::collections::HashMap<String, Value>,
    /// Notifications (and server requests) read while waiting for responses.
    notifications: Vec<Value>,
    _dir: TempDir,
}

pub struct Options<'a> {
    pub components: PathBuf,
    pub env: Vec<(&'a str, String)>,
    pub args: Vec<String>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options { components: components_dir(), env: Vec::new(), args: Vec::new() }
    }
}

impl Server {
    pub fn start(fake: &Fake) -> Server {
        Server::start_with(fake, Options::default())
    }

    pub fn start_with(fake: &Fake, options: Options) -> Server {
        let mut server = Server::spawn(&fake.url, options);
        let init = server.request(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "0"}}),
        );
        server.initialize = init["result"].clone();
        assert!(server.initialize.is_object(), "initialize failed: {init}");
        server.notify("notifications/initialized", json!({}));
        server
    }

    /// Starts the binary without the handshake.
    pub fn spawn(ep_api_url: &str, options: Options) -> Server {
        let dir = TempDir::new("server");
        let stderr = dir.0.join("stderr.log");
        let mut command = epmcp_command(ep_api_url, &options.components);
        command
            .args(&options.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap());
        for (k, v) in &options.env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("starting epmcp (run `make build` first)");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Server { child, stdin, lines, next_id: 0, stderr, initialize: Value::Null, early: Default::default(), notifications: Vec::new(), _dir: dir }
    }

    pub fn send_raw(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Next stdout line as JSON; every stdout line must be JSON-RPC.
    pub fn read(&mut self) -> Value {
        let line = self.lines.recv_timeout(WAIT).expect("no output from epmcp in time");
        let value: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("non-JSON on stdout ({e}): {line}"));
        assert_eq!(value["jsonrpc"], "2.0", "not JSON-RPC: {line}");
        value
    }

    /// Waits for the response with this id, skipping notifications; responses to other
    /// requests that arrive first are kept for their own `response` call.
    pub fn response(&mut self, id: &Value) -> Value {
        if let Some(message) = self.early.remove(&id.to_string()) {
            return message;
        }
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            let message = self.read();
            if message.get("result").is_none() && message.get("error").is_none() {
                self.notifications.push(message); // a notification or a server request
                continue;
            }
            if &message["id"] == id {
                return message;
            }
            self.early.insert(message["id"].to_string(), message);
        }
        panic!("no response to id {id}");
    }

    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = json!(self.next_id);
        self.next_id += 1;
        self.send_raw(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string());
        self.response(&id)
    }

    /// The notifications read so far (while waiting for responses), taken.
    pub fn drain_notifications(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.notifications)
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send_raw(&json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string());
    }

    /// tools/call; returns the whole JSON-RPC response.
    pub fn call(&mut self, tool: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": arguments}))
    }

    /// tools/call that must succeed; returns `structuredContent` after checking that
    /// the text block carries the same JSON.
    pub fn ok(&mut self, tool: &str, arguments: Value) -> Value {
        let response = self.call(tool, arguments.clone());
        let result = &response["result"];
        assert_eq!(result["isError"], false, "{tool}({arguments}) failed: {response}");
        let structured = result["structuredContent"].clone();
        let text: Value = serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(text, structured, "text block differs from structuredContent");
        structured
    }

    /// tools/call that must end in an `isError` result; returns its text.
    pub fn tool_error(&mut self, tool: &str, arguments: Value) -> String {
        let response = self.call(tool, arguments.clone());
        assert_eq!(response["result"]["isError"], true, "{tool}({arguments}) should fail: {response}");
        response["result"]["content"][0]["text"].as_str().unwrap().to_string()
    }

    /// tools/call that must be refused with JSON-RPC -32602; returns the message.
    pub fn invalid(&mut self, tool: &str, arguments: Value) -> String {
        let response = self.call(tool, arguments.clone());
        assert_eq!(response["error"]["code"], -32602, "{tool}({arguments}) should be -32602: {response}");
        response["error"]["message"].as_str().unwrap().to_string()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Closes stdin and returns how long the process took to exit.
    pub fn close(&mut self) -> Duration {
        let started = Instant::now();
        drop(self.stdin.take());
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "epmcp exited with {status}");
                return started.elapsed();
            }
            assert!(started.elapsed() < WAIT, "epmcp did not exit after stdin closed");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stdout lines still unread (after close), each checked to be JSON.
    pub fn drain(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            match self.lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => out.push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("non-JSON on stdout ({e}): {line}"))),
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => return out,
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A components directory holding the given production and test components (each with
/// its signed manifest).
pub fn components_with(production: &[&str], test: &[&str]) -> TempDir {
    let dir = TempDir::new("components");
    for name in production {
        install_component(&components_dir(), name, &dir.0);
    }
    for name in test {
        install_component(&test_components_dir(), name, &dir.0);
    }
    dir
}

/// Copies a component's `.wasm`, manifest and signature from `from` into `to`.
pub fn install_component(from: &Path, name: &str, to: &Path) {
    for suffix in ["wasm", "manifest.toml", "manifest.sig"] {
        let file = format!("{name}.{suffix}");
        std::fs::copy(from.join(&file), to.join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
}

/// Runs `epmcp ARGS` to completion on the components of `components` (clean environment
/// plus `env`): exit code, stdout, stderr.
pub fn epmcp_cli(components: &Path, env: &[(&str, &str)], args: &[&str]) -> (Option<i32>, String, String) {
    let out = epmcp_command("https://data.europarl.europa.eu/api/v2/", components).envs(env.iter().copied()).args(args).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The public key `make build` made and signed the components with.
pub fn dev_public_key() -> PathBuf {
    path("EPMCP_TRUSTED_KEYS", "target/keys/dev.pub")
}

/// The `id` of every item of a list result.
pub fn ids(list: &Value) -> Vec<&str> {
    list["data"].as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap()).collect()
}

/// `epmcp serve --listen 127.0.0.1:0`: the hosted listener, stopped (SIGTERM) on drop.
pub struct Hosted {
    child: Child,
    /// `http://127.0.0.1:PORT/mcp`
    pub url: String,
    /// `127.0.0.1:PORT`
    pub addr: String,
    pub stderr: PathBuf,
    _dir: TempDir,
}

impl Hosted {
    pub fn start(fake: &Fake, env: &[(&str, &str)]) -> Hosted {
        Hosted::start_with(fake, &components_dir(), env)
    }

    /// The listener serving the components of `components`.
    pub fn start_with(fake: &Fake, components: &Path, env: &[(&str, &str)]) -> Hosted {
        let dir = TempDir::new("hosted");
        let stderr = dir.0.join("stderr.log");
        let mut command = epmcp_command(&fake.url, components);
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap());
        let mut child = command.spawn().expect("starting epmcp serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().to_string();
        let addr = url.trim_start_matches("http://").trim_start_matches("https://").trim_end_matches("/mcp").to_string();
        assert!(addr.starts_with("127.0.0.1:"), "no URL from epmcp serve: {line:?} {}", std::fs::read_to_string(&stderr).unwrap_or_default());
        Hosted { child, url, addr, stderr, _dir: dir }
    }

    /// SIGTERM, then the exit status within [`WAIT`].
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < WAIT, "epmcp serve did not stop after SIGTERM");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Hosted {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on a fresh connection: (status, lower-cased headers, body).
pub fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, Vec<(String, String)>, String) {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    let _ = stream.write_all(request.as_bytes());
    // A server that hangs up (e.g. a TLS port spoken to in plain text) leaves status 0.
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
    (status, headers, body.to_string())
}

/// This year, as the tools compute it (civil year from the wall clock, UTC).
pub fn current_year() -> u32 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let days = (secs / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    (yoe + era * 400 + if mp >= 10 { 1 } else { 0 }) as u32
}

/// Runs `tests/python/SCRIPT ARGS…` (with env) and parses the JSON it prints.
pub fn python(script: &str, args: &[&str], env: &[(&str, &str)]) -> Value {
    let python = path("EPMCP_PYTHON", ".venv/bin/python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python").join(script);
    let out = Command::new(&python).arg(&script).args(args).envs(env.iter().copied()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{} failed:\n{stdout}\n{}", script.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&stdout).unwrap()
}

/// The audit log file in `dir` and its records.
pub fn audit_records(dir: &Path) -> (PathBuf, Vec<Value>) {
    let file = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).find(|p| p.extension().is_some_and(|e| e == "jsonl")).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    (file, text.lines().map(|l| serde_json::from_str(l).unwrap()).collect())
}
