//! The `client` interface of `wit/tool.wit`: what a component may ask of the MCP client
//! during a call (log, progress, sampling, elicitation). The transport side is a
//! [`ClientLink`] (implemented in `mcp` over rmcp's peer); this side bounds what a
//! component can do with it: counts and sizes per call, a timeout per client request,
//! form-mode elicitation only, and an audit record for every request to the user.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::bindings::epmcp::tool::client::{Host, LogLevel};
use super::store::State;
use crate::audit::Audit;
use crate::egress::cache::Provenance;

/// Log notifications one call may send; the rest are dropped.
const MAX_LOGS: u32 = 100;
/// Progress notifications one call may send; the rest are dropped.
const MAX_PROGRESS: u32 = 1000;
/// Sampling and elicitation requests one call may make.
const MAX_REQUESTS: u32 = 4;
/// Longer log and progress messages are cut.
const MAX_MESSAGE_CHARS: usize = 4096;
/// A sampling or elicitation request larger than this is refused.
const MAX_REQUEST_BYTES: usize = 64 * 1024;
/// How long a client may take to answer a sampling or elicitation request (a person
/// may be answering). The call's own deadline is paused meanwhile.
pub const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The MCP client of one call, as the transport provides it.
pub trait ClientLink: Send + Sync {
    /// Sends `notifications/message` if the client's level admits it.
    fn log(&self, level: LogLevel, logger: &str, message: String) -> BoxFuture<'static, ()>;
    /// Sends `notifications/progress` if the request carried a progress token.
    fn progress(&self, progress: f64, total: Option<f64>, message: Option<String>) -> BoxFuture<'static, ()>;
    /// `sampling/createMessage` with these params; the result as JSON.
    fn sample(&self, params: Value) -> BoxFuture<'static, Result<Value, String>>;
    /// `elicitation/create` (form mode) with these params; the result as JSON.
    fn elicit(&self, params: Value) -> BoxFuture<'static, Result<Value, String>>;
}

/// The MCP client a call may talk to, if the transport has one.
pub type Link = Option<Arc<dyn ClientLink>>;

/// Time the call spent waiting on its client, which its wall-clock deadline does not count.
#[derive(Default)]
pub struct Paused {
    state: Mutex<(Duration, Option<Instant>)>,
}

impl Paused {
    fn begin(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1 = Some(Instant::now());
    }

    fn end(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(since) = state.1.take() {
            state.0 += since.elapsed();
        }
    }

    /// Total time paused, including a wait in progress.
    pub fn total(&self) -> Duration {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.0 + state.1.map_or(Duration::ZERO, |since| since.elapsed())
    }
}

/// Per-call state of the client interface.
pub struct CallClient {
    link: Link,
    tool: Arc<str>,
    audit: Audit,
    /// Told when the result depends on the client's answers (never reused).
    provenance: Arc<Provenance>,
    pub paused: Arc<Paused>,
    logs: u32,
    progress: u32,
    requests: u32,
}

impl CallClient {
    pub fn new(link: Link, tool: Arc<str>, audit: Audit, provenance: Arc<Provenance>) -> CallClient {
        CallClient { link, tool, audit, provenance, paused: Arc::default(), logs: 0, progress: 0, requests: 0 }
    }

    /// Checks and sends one sampling or elicitation request, pausing the call's deadline.
    async fn request(&mut self, kind: &'static str, request: String) -> Result<String, String> {
        self.provenance.uncacheable();
        let outcome = self.try_request(kind, request).await;
        let result = match &outcome {
            Ok(_) => "answered".to_string(),
            Err(reason) => reason.chars().take(200).collect(),
        };
        self.audit.record("client_request", json!({"tool": &*self.tool, "request": kind, "outcome": result}));
        outcome
    }

    async fn try_request(&mut self, kind: &'static str, request: String) -> Result<String, String> {
        let link = self.link.clone().ok_or_else(|| format!("no MCP client to ask for {kind} on this call"))?;
        if self.requests >= MAX_REQUESTS {
            return Err(format!("at most {MAX_REQUESTS} client requests per call"));
        }
        self.requests += 1;
        if request.len() > MAX_REQUEST_BYTES {
            return Err(format!("the {kind} request is larger than {MAX_REQUEST_BYTES} bytes"));
        }
        let params: Value = serde_json::from_str(&request).map_err(|e| format!("the {kind} request is not JSON: {e}"))?;
        if !params.is_object() {
            return Err(format!("the {kind} request must be a JSON object"));
        }
        let answer = match kind {
            "sampling" => link.sample(params),
            _ => link.elicit(params),
        };
        self.paused.begin();
        let answer = tokio::time::timeout(CLIENT_REQUEST_TIMEOUT, answer).await;
        self.paused.end();
        match answer {
            Err(_) => Err(format!("the client did not answer the {kind} request within {} s", CLIENT_REQUEST_TIMEOUT.as_secs())),
            Ok(answer) => answer.map(|value| value.to_string()),
        }
    }
}

fn cut(message: String) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS { message } else { message.chars().take(MAX_MESSAGE_CHARS).collect() }
}

impl Host for State {
    async fn log(&mut self, level: LogLevel, message: String) {
        let client = &mut self.client;
        let Some(link) = &client.link else { return };
        if client.logs >= MAX_LOGS {
            return;
        }
        client.logs += 1;
        link.log(level, &client.tool, cut(message)).await;
    }

    async fn progress(&mut self, progress: f64, total: Option<f64>, message: Option<String>) {
        let client = &mut self.client;
        let Some(link) = &client.link else { return };
        if client.progress >= MAX_PROGRESS || !progress.is_finite() || total.is_some_and(|t| !t.is_finite()) {
            return;
        }
        client.progress += 1;
        link.progress(progress, total, message.map(cut)).await;
    }

    async fn sample(&mut self, request: String) -> Result<String, String> {
        self.client.request("sampling", request).await
    }

    async fn elicit(&mut self, request: String) -> Result<String, String> {
        self.client.request("elicitation", request).await
    }
}
