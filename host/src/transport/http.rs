//! The hosted listener (`epmcp serve --listen ADDR`): MCP over Streamable HTTP at `/mcp`
//! (rmcp's service: sessions, SSE, `Host` and `Origin` checks, body limit), and
//! `/healthz`, `/readyz`, `/metrics`. Every `/mcp` request is authenticated here,
//! before rmcp sees it; the caller rides in the request's extensions to the dispatcher.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Result;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::audit::Audit;
use crate::auth::{AuthError, Authenticator};
use crate::identity::Caller;
use crate::rate::KeyedSlots;
use crate::transport::sessions::{Dormant, Refusal, SessionLimits, SessionTable, owner_of};
use crate::transport::streams::StreamSlots;
use crate::mcp::McpServer;
use crate::auth::certificate::{ClientCertificate, client_certificate};
use crate::transport::tls::TlsFiles;
use crate::transport::idle::Idle;
use crate::metrics::Metrics;
use crate::transport::observe::{self, Readiness};

pub type Body = BoxBody<Bytes, Infallible>;

/// How the listener is exposed.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub listen: SocketAddr,
    /// `Host` values accepted (DNS-rebinding defence); loopback names by default.
    pub allowed_hosts: Vec<String>,
    /// Browser `Origin`s accepted; a request with any other `Origin` is refused.
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    pub max_connections: usize,
    /// Open connections one client address may hold.
    pub max_connections_per_address: usize,
    /// Open streams (WebSocket, SSE) one client may hold (see [`super::streams`]).
    pub max_streams_per_client: usize,
    /// `None`: plain HTTP (loopback, or behind a TLS proxy with --insecure-http).
    pub tls: Option<TlsFiles>,
    /// A connection with no traffic for this long is closed.
    pub idle_timeout: Duration,
    /// The longest a WebSocket or an SSE stream lives (see [`super::lifetime`]).
    pub max_stream: Duration,
    /// How many Streamable HTTP sessions may be open (see [`super::sessions`]).
    pub session_limits: SessionLimits,
}

/// What the listener needs from the rest of the host.
pub struct Shared {
    pub server: McpServer,
    pub auth: Authenticator,
    pub metrics: Arc<Metrics>,
    pub audit: Audit,
    pub ready: Readiness,
    /// Whether the listener speaks TLS (for the URLs it names).
    pub tls: bool,
    /// See [`HttpSettings`]: checked here for `/ws` (rmcp checks `/mcp`).
    pub allowed_hosts: Vec<String>,
    pub allowed_origins: Vec<String>,
    /// See [`HttpSettings`]: a POST to `/mcp` is read whole (and checked) before rmcp.
    pub max_body_bytes: usize,
    /// See [`HttpSettings`].
    pub max_stream: Duration,
}


/// Time allowed for a client to send a request's headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Time open requests get to finish at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// Time allowed for a TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds and serves until `shutdown` is cancelled; then stops accepting and lets open
/// connections finish their requests. Returns the bound address through `bound`.
pub async fn serve(settings: HttpSettings, shared: Shared, shutdown: CancellationToken, bound: tokio::sync::oneshot::Sender<SocketAddr>) -> Result<()> {
    let tls = settings.tls.clone().map(|files| crate::transport::tls::acceptor(files, shutdown.clone())).transpose()?;
    let listener = TcpListener::bind(settings.listen).await?;
    let local = listener.local_addr()?;
    let _ = bound.send(local);
    // Without configured origins, pages served from this very listener (same origin) may call it.
    let origins = if settings.allowed_origins.is_empty() {
        same_origins(&settings.allowed_hosts, if tls.is_some() { "https" } else { "http" }, local.port())
    } else {
        settings.allowed_origins.clone()
    };
    let mut shared = shared;
    shared.allowed_origins = origins.clone();
    let sessions_token = CancellationToken::new();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(settings.allowed_hosts.clone())
        .with_allowed_origins(origins)
        .enforce_origin_validation()
        .with_max_request_body_bytes(settings.max_body_bytes)
        // Cancelled only once the calls in flight are answered (see the end of this function).
        .with_cancellation_token(sessions_token.clone());
    config.sse_keep_alive = Some(Duration::from_secs(15));
    let base = shared.server.clone();
    let manager = Arc::new(LocalSessionManager::default());
    let dormant = Arc::new(Dormant::default());
    config.session_store = Some(dormant.clone());
    let sessions = Arc::new(SessionTable::new(settings.session_limits, manager.clone(), dormant));
    if let Some(after) = settings.session_limits.sleep_after {
        tokio::spawn(put_idle_sessions_to_sleep(sessions.clone(), after, shared.metrics.clone(), shutdown.clone()));
    }
    let streams = Arc::new(StreamSlots::new(settings.max_streams_per_client, settings.max_connections));
    let mcp = StreamableHttpService::new(move || Ok(base.for_session()), manager, config);
    let shared = Arc::new(shared);
    let connections = Arc::new(Semaphore::new(settings.max_connections));
    // Open connections per client address, so that one address cannot hold every slot.
    let per_address = KeyedSlots::new(settings.max_connections_per_address);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        // Over a connection limit (all, or this address's share): refused, saying why.
        let address_slot = per_address.try_enter(peer.ip());
        let permit = connections.clone().try_acquire_owned().ok();
        let (Some(permit), Some(address_slot)) = (permit, address_slot) else {
            tracing::warn!(%peer, "connection refused: too many open connections");
            refuse_connection(stream, tls.is_some());
            continue;
        };
        // Responses are written in pieces (headers, then SSE events): without this, Nagle's
        // algorithm holds the later pieces until the client's delayed ACK, some 40 ms.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(%peer, "TCP_NODELAY: {e}");
        }
        let (shared, mcp, tls, watcher) = (shared.clone(), mcp.clone(), tls.clone(), graceful.watcher());
        let (sessions, streams) = (sessions.clone(), streams.clone());
        let in_flight = in_flight.clone();
        let idle_timeout = settings.idle_timeout;
        tokio::spawn(async move {
            let (_permit, _address_slot) = (permit, address_slot);
            let metrics = shared.metrics.clone();
            let service = |certificate: Option<Arc<ClientCertificate>>| {
                service_fn(move |request| {
                    let counted = Counted { in_flight: in_flight.clone(), sessions: sessions.clone(), streams: streams.clone() };
                    route(request, peer, certificate.clone(), shared.clone(), mcp.clone(), counted)
                })
            };
            // HTTP/1.1 (with upgrades, for /ws) and HTTP/2.
            let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT).max_buf_size(64 << 10);
            builder.http2().timer(TokioTimer::new()).max_concurrent_streams(64);
            let stream = Idle::new(stream, idle_timeout);
            let ended = match tls {
                None => watcher.watch(builder.serve_connection_with_upgrades(TokioIo::new(stream), service(None))).await,
                Some(acceptor) => match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => {
                        // The client certificate the handshake verified (mutual TLS), by its name.
                        let certificate = stream.get_ref().1.peer_certificates().and_then(|chain| chain.first()).and_then(|leaf| {
                            let certificate = client_certificate(leaf);
                            if certificate.is_none() {
                                tracing::warn!(%peer, "client certificate without a common name");
                            }
                            certificate.map(Arc::new)
                        });
                        watcher.watch(builder.serve_connection_with_upgrades(TokioIo::new(stream), service(certificate))).await
                    }
                    Ok(Err(e)) => {
                        // Without the certificate mutual TLS asks for, this is where a client is refused.
                        metrics.auth_failed("tls handshake");
                        return tracing::debug!(%peer, "TLS handshake failed: {e}");
                    }
                    Err(_) => return tracing::debug!(%peer, "TLS handshake timed out"),
                },
            };
            if let Err(e) = ended {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
    // Connections are told to close after their current request; requests in progress
    // (tool calls answered on a POST) finish first; then the MCP sessions close, which
    // ends their event streams, and with them the last connections.
    tracing::info!("shutting down: finishing open requests");
    let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
    let closed = graceful.shutdown();
    tokio::pin!(closed);
    let mut all_closed = false;
    while in_flight.load(Ordering::Acquire) > 0 && !all_closed {
        tokio::select! {
            () = &mut closed => all_closed = true,
            () = tokio::time::sleep(Duration::from_millis(20)) => {}
            () = tokio::time::sleep_until(deadline) => break,
        }
    }
    sessions_token.cancel();
    if !all_closed && tokio::time::timeout_at(deadline, &mut closed).await.is_err() {
        tracing::warn!("open connections did not finish within {} s", SHUTDOWN_GRACE.as_secs());
    }
    Ok(())
}

/// Sessions unused for `after` sleep (see [`super::sessions`]); checked five times as often.
async fn put_idle_sessions_to_sleep(sessions: Arc<SessionTable>, after: Duration, metrics: Arc<Metrics>, shutdown: CancellationToken) {
    // Closed sessions free most of their memory at once, and their tasks' over the next
    // moments: it is given back now and again at the next round.
    let mut freed_since_last_round = false;
    loop {
        tokio::select! {
            () = tokio::time::sleep(after / 5) => {}
            () = shutdown.cancelled() => return,
        }
        if std::mem::take(&mut freed_since_last_round) {
            give_back_freed_memory();
        }
        let count = sessions.sleep_idle(after).await;
        metrics.http_sessions(count.awake, count.asleep);
        if count.slept > 0 {
            tracing::debug!(slept = count.slept, "idle sessions put to sleep");
            give_back_freed_memory();
            freed_since_last_round = true;
        }
    }
}

/// glibc keeps freed memory in its arenas; the channels of sessions put to sleep are
/// tens of KiB each, so they are handed back to the system.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages of the allocator's own heaps.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// What the listener counts across connections.
struct Counted {
    /// POSTs being answered (shutdown waits for them).
    in_flight: Arc<AtomicUsize>,
    sessions: Arc<SessionTable>,
    streams: Arc<StreamSlots>,
}

async fn route(
    mut request: Request<Incoming>,
    peer: SocketAddr,
    certificate: Option<Arc<ClientCertificate>>,
    shared: Arc<Shared>,
    mut mcp: StreamableHttpService<McpServer, LocalSessionManager>,
    counted: Counted,
) -> Result<Response<Body>, Infallible> {
    let Counted { in_flight, sessions, streams } = counted;
    let path = request.uri().path();
    if matches!(path, "/mcp" | "/ws")
        && let Some((status, why)) = foreign_site(&request, &shared)
    {
        return Ok(json_response(status, serde_json::json!({"error": why}).to_string()));
    }
    match path {
        "/mcp" => {}
        "/ws" => {
            return Ok(match shared.auth.authenticate(request.headers(), peer.ip(), certificate.as_deref()) {
                Ok(caller) => match streams.open(&caller) {
                    Ok(slot) => super::ws::upgrade(request, caller, slot, shared.server.clone(), shared.max_stream),
                    Err(refusal) => refused("stream_refused", &refusal, &caller, &shared),
                },
                Err(e) => unauthorized(&e, peer, &shared, request.headers(), settings_scheme(&shared)),
            });
        }
        METADATA_PATH | METADATA_PATH_MCP => return Ok(resource_metadata(&shared)),
        _ => return Ok(observe::route(&request, &shared.metrics, &shared.ready, observe::Audience::Anyone).map(|b| b.boxed())),
    }
    match shared.auth.authenticate(request.headers(), peer.ip(), certificate.as_deref()) {
        Ok(caller) => {
            let session = request.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
            let owner = owner_of(&caller);
            let address = peer.ip().to_string();
            // A request on a session keeps it awake (or wakes it) until its response is sent.
            let in_use = match &session {
                None => None,
                Some(id) => match sessions.enter(id, &owner).await {
                    Some(in_use) => Some(in_use),
                    None => {
                        // Someone else's session (or one this listener did not open, or long
                        // idle): as if it did not exist, so the client starts a new one.
                        let record = serde_json::json!({"client": caller.id, "tenant": caller.tenant, "address": address});
                        shared.audit.security("session_hijack", record);
                        return Ok(json_response(StatusCode::NOT_FOUND, "{\"error\":\"session not found\"}".into()));
                    }
                },
            };
            if session.is_none() && request.method() == http::Method::POST {
                // A new session: within the caps, and charged like a call (a flood of
                // `initialize` is a flood of calls).
                let refusal = match sessions.admit(&caller, &address) {
                    Err(refusal) => Some(refusal),
                    Ok(()) => shared.server.admit_session(&caller).await.err().map(|(message, retry_after_secs)| Refusal {
                        message,
                        retry_after_secs,
                        server_full: false,
                    }),
                };
                if let Some(refusal) = refusal {
                    return Ok(refused("session_refused", &refusal, &caller, &shared));
                }
            }
            let opener = caller.clone(); // the caller itself goes to rmcp with the request
            let primed = negotiated_2025_11_25(request.headers());
            let ends_session = request.method() == http::Method::DELETE;
            let opens_stream = request.method() == http::Method::GET;
            let stream_slot = match opens_stream.then(|| streams.open(&opener)).transpose() {
                Ok(slot) => slot,
                Err(refusal) => return Ok(refused("stream_refused", &refusal, &opener, &shared)),
            };
            // A POST is in flight until its response has been sent (shutdown waits for it).
            let in_progress = (request.method() == http::Method::POST).then(|| InFlight::enter(&in_flight));
            request.extensions_mut().insert(caller);
            let (parts, body) = request.into_parts();
            let body = match read_body(body, shared.max_body_bytes).await {
                Ok(body) => body,
                Err(refusal) => return Ok(refusal),
            };
            if let Some(in_use) = &in_use
                && holds_more_than_initialize(&body)
            {
                in_use.keep_awake();
            }
            let request = Request::from_parts(parts, Full::new(body));
            let mut response = tower_service::Service::call(&mut mcp, request).await?;
            // Held until the body is sent or abandoned: the request in flight, the session's
            // use, and a stream's slot.
            let held = (in_progress, in_use, stream_slot);
            response = response.map(|body| {
                body.map_frame(move |frame| {
                    let _ = &held;
                    frame
                })
                .boxed()
            });
            if !primed {
                response = response.map(|body| body.map_frame(without_priming).boxed());
            }
            if opens_stream {
                // The standalone SSE stream ends at the token's expiry or the listener's lifetime.
                let (lifetime, _) = super::lifetime::remaining(&opener, shared.max_stream);
                response = response.map(|body| super::lifetime::Bounded::new(body, lifetime).boxed());
            }
            if ends_session && response.status().is_success() {
                // rmcp answers 202, which SDK clients report as a failed termination.
                *response.status_mut() = StatusCode::OK;
                if let Some(id) = &session {
                    sessions.ended(id);
                }
            }
            if session.is_none()
                && let Some(created) = response.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok())
            {
                sessions.opened(created, &opener, &address);
            }
            Ok(response)
        }
        Err(e) => Ok(unauthorized(&e, peer, &shared, request.headers(), settings_scheme(&shared))),
    }
}

/// A connection over a limit: on plain HTTP, a 503 that says why and when to retry; over
/// TLS (no handshake spent on it), closed.
fn refuse_connection(stream: tokio::net::TcpStream, tls: bool) {
    if tls {
        return;
    }
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let body = "{\"error\":\"too many open connections (from this address, or in all): retry later\"}";
        let response = format!(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut stream = stream;
        let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(response.as_bytes())).await;
        let _ = stream.shutdown().await;
    });
}

/// A session that may not be opened: 429 (this client) or 503 (the listener), with
/// `Retry-After` and the reason.
/// Whether a request sets session state that its `initialize` cannot restore (a log level,
/// a subscription), so that the session must not sleep. A false positive (the words inside
/// an argument) only keeps a session awake.
fn holds_more_than_initialize(body: &[u8]) -> bool {
    let has = |word: &[u8]| body.windows(word.len()).any(|w| w == word);
    has(b"logging/setLevel") || has(b"resources/subscribe")
}

/// A session or stream over its caps: 429, or 503 when the listener (or the anonymous
/// share) is full, saying why and when to retry; recorded as `event`.
fn refused(event: &str, refusal: &Refusal, caller: &Caller, shared: &Shared) -> Response<Body> {
    let record = serde_json::json!({"client": caller.id, "tenant": caller.tenant, "address": caller.address, "reason": refusal.message});
    shared.audit.security(event, record);
    let status = if refusal.server_full { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::TOO_MANY_REQUESTS };
    let mut response = json_response(status, serde_json::json!({"error": refusal.message}).to_string());
    response.headers_mut().insert(http::header::RETRY_AFTER, refusal.retry_after_secs.into());
    response
}

/// A request's body, read whole (as rmcp would) within the listener's limit. A JSON-RPC
/// request nested past the parser's depth limit is answered here under its own id, as on
/// stdio; rmcp would answer 415 with a plain-text body and the client would wait.
async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, Response<Body>> {
    let body = match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            let error = format!("request body larger than {limit} bytes");
            return Err(json_response(StatusCode::PAYLOAD_TOO_LARGE, serde_json::json!({"error": error}).to_string()));
        }
        Err(_) => return Err(json_response(StatusCode::BAD_REQUEST, "{\"error\":\"request body unreadable\"}".into())),
    };
    match super::gate::too_deep(&body) {
        Some(reply) => Err(json_response(StatusCode::OK, reply.to_string())),
        None => Ok(body),
    }
}

/// Whether the client negotiated 2025-11-25 or later (the `MCP-Protocol-Version` header
/// every request after `initialize` carries; without it, 2025-03-26 is assumed).
fn negotiated_2025_11_25(headers: &http::HeaderMap) -> bool {
    headers.get("mcp-protocol-version").and_then(|v| v.to_str().ok()).is_some_and(|v| v >= "2025-11-25")
}

/// SSE polling (2025-11-25) starts each stream with an event that has an id and no data;
/// clients of earlier revisions read that as a message and fail to parse it, so they get
/// no such event (an empty frame, which HTTP/1.1 does not even send).
fn without_priming(frame: hyper::body::Frame<Bytes>) -> hyper::body::Frame<Bytes> {
    match frame.data_ref() {
        Some(data) if is_priming(data) => hyper::body::Frame::data(Bytes::new()),
        _ => frame,
    }
}

/// An SSE event whose data lines are all empty.
fn is_priming(event: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(event) else { return false };
    let mut data = text.lines().filter_map(|l| l.strip_prefix("data:")).peekable();
    data.peek().is_some() && data.all(|d| d.trim().is_empty())
}

/// One request counted in a shared gauge for as long as it lives.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn enter(count: &Arc<AtomicUsize>) -> InFlight {
        count.fetch_add(1, Ordering::AcqRel);
        InFlight(count.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// `scheme://host:port` for each allowed host: the listener's own origins.
fn same_origins(hosts: &[String], scheme: &str, port: u16) -> Vec<String> {
    hosts
        .iter()
        .map(|h| {
            if h.parse::<std::net::Ipv6Addr>().is_ok() {
                format!("{scheme}://[{h}]:{port}")
            } else if h.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
                format!("{scheme}://{h}") // a host:port entry names its own port
            } else {
                format!("{scheme}://{h}:{port}")
            }
        })
        .collect()
}

/// The DNS-rebinding checks, one for `/mcp` and `/ws` alike (before rmcp's own): one
/// `Host`, agreeing with the request target's authority when that names one (absolute
/// form, HTTP/2's `:authority`); that host an allowed one, compared as DNS names are
/// (case aside, port aside); and an `Origin`, when present, exactly an allowed origin
/// (browsers send it in lower case). `Some`: the refusal and why.
fn foreign_site(request: &Request<Incoming>, shared: &Shared) -> Option<(StatusCode, &'static str)> {
    let headers = request.headers();
    let mut hosts = headers.get_all(http::header::HOST).iter();
    let host = hosts.next();
    if hosts.next().is_some() {
        return Some((StatusCode::BAD_REQUEST, "more than one Host header"));
    }
    let host: Option<http::uri::Authority> = host.and_then(|h| h.to_str().ok()).and_then(|h| h.parse().ok());
    let authority = match (host, request.uri().authority().cloned()) {
        (Some(host), Some(target)) if !host.as_str().eq_ignore_ascii_case(target.as_str()) => {
            return Some((StatusCode::BAD_REQUEST, "the request target names another authority than Host"));
        }
        (host, target) => target.or(host),
    };
    let name = authority.as_ref().map(|a| a.host().trim_start_matches('[').trim_end_matches(']')).unwrap_or_default();
    let full = authority.as_ref().map(|a| a.as_str()).unwrap_or_default();
    if !shared.allowed_hosts.is_empty() && !shared.allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(name) || h.eq_ignore_ascii_case(full)) {
        return Some((StatusCode::FORBIDDEN, "Host not allowed: the server answers only the names in --allowed-hosts (EPMCP_ALLOWED_HOSTS)"));
    }
    foreign_origin(headers, shared).then_some((StatusCode::FORBIDDEN, ORIGIN_REFUSED))
}

const ORIGIN_REFUSED: &str = "Origin not allowed: browser pages may call this server only from the origins in \
     --allowed-origins (EPMCP_ALLOWED_ORIGINS), e.g. https://app.example.org:443";

/// A browser page from another origin (DNS-rebinding defence), refused with the setting
/// that admits it. rmcp would refuse it too, without saying how to allow it.
fn foreign_origin(headers: &http::HeaderMap, shared: &Shared) -> bool {
    headers.get(http::header::ORIGIN).is_some_and(|origin| !shared.allowed_origins.iter().any(|o| origin.to_str().is_ok_and(|v| v == o)))
}

const SESSION_HEADER: &str = "mcp-session-id";

/// RFC 9728: where clients learn which authorization server issues tokens for `/mcp`.
const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";
const METADATA_PATH_MCP: &str = "/.well-known/oauth-protected-resource/mcp";

fn resource_metadata(shared: &Shared) -> Response<Body> {
    match shared.auth.resource_metadata() {
        Some(metadata) => json_response(StatusCode::OK, metadata.to_string()),
        None => json_response(StatusCode::NOT_FOUND, "{\"error\":\"this server accepts no bearer tokens\"}".into()),
    }
}

fn settings_scheme(shared: &Shared) -> &'static str {
    if shared.tls { "https" } else { "http" }
}

fn json_response(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)).boxed());
    *response.status_mut() = status;
    response.headers_mut().insert(http::header::CONTENT_TYPE, "application/json".parse().expect("a valid header value"));
    response
}

/// 401 (403 for a token without a granted scope) with `WWW-Authenticate`, counted and
/// audited. With bearer tokens configured, the challenge names the resource metadata.
fn unauthorized(error: &AuthError, peer: SocketAddr, shared: &Shared, headers: &http::HeaderMap, scheme: &str) -> Response<Body> {
    shared.metrics.auth_failed(error.reason());
    shared.audit.security("authentication_failure", serde_json::json!({"address": peer.ip().to_string(), "detail": error.reason()}));
    tracing::warn!(%peer, reason = error.reason(), "authentication failed");
    let mut response = json_response(StatusCode::UNAUTHORIZED, serde_json::json!({"error": error.to_string()}).to_string());
    let mut challenge = "Bearer realm=\"epmcp\"".to_string();
    if shared.auth.resource_metadata().is_some()
        && let Some(host) = headers.get(http::header::HOST).and_then(|h| h.to_str().ok())
    {
        challenge.push_str(&format!(", resource_metadata=\"{scheme}://{host}{METADATA_PATH}\""));
    }
    match error {
        AuthError::Missing => {}
        AuthError::Invalid(_) => challenge.push_str(", error=\"invalid_token\""),
        AuthError::InsufficientScope => {
            *response.status_mut() = StatusCode::FORBIDDEN;
            challenge.push_str(", error=\"insufficient_scope\"");
        }
    }
    if let Ok(value) = challenge.parse() {
        response.headers_mut().insert(http::header::WWW_AUTHENTICATE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_origins_of_the_allowed_hosts() {
        let hosts = ["localhost", "127.0.0.1", "::1", "mcp.example.org:8443"].map(String::from);
        assert_eq!(
            super::same_origins(&hosts, "https", 9000),
            ["https://localhost:9000", "https://127.0.0.1:9000", "https://[::1]:9000", "https://mcp.example.org:8443"]
        );
    }
}
