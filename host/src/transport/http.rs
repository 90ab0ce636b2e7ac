//! The hosted listener (`epmcp serve --listen ADDR`): MCP over Streamable HTTP at `/mcp`
//! (rmcp's service: sessions, SSE, `Host` and `Origin` checks, body limit), and
//! `/healthz`, `/readyz`, `/metrics`. Every `/mcp` request is authenticated here,
//! before rmcp sees it; the caller rides in the request's extensions to the dispatcher.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::audit::Audit;
use crate::auth::{AuthError, Authenticator};
use crate::mcp::McpServer;
use crate::tls::TlsFiles;
use crate::metrics::Metrics;
use crate::transport::observe::{self, Readiness};

type Body = BoxBody<Bytes, Infallible>;

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
    /// `None`: plain HTTP (loopback, or behind a TLS proxy with --insecure-http).
    pub tls: Option<TlsFiles>,
}

/// What the listener needs from the rest of the host.
pub struct Shared {
    pub server: McpServer,
    pub auth: Authenticator,
    pub metrics: Arc<Metrics>,
    pub audit: Audit,
    pub ready: Readiness,
}

/// Time allowed for a client to send a request's headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for a TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds and serves until `shutdown` is cancelled; then stops accepting and lets open
/// connections finish their requests. Returns the bound address through `bound`.
pub async fn serve(settings: HttpSettings, shared: Shared, shutdown: CancellationToken, bound: tokio::sync::oneshot::Sender<SocketAddr>) -> Result<()> {
    let tls = settings.tls.clone().map(|files| crate::tls::acceptor(files, shutdown.clone())).transpose()?;
    let listener = TcpListener::bind(settings.listen).await?;
    let _ = bound.send(listener.local_addr()?);
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(settings.allowed_hosts.clone())
        .with_allowed_origins(settings.allowed_origins.clone())
        .enforce_origin_validation()
        .with_max_request_body_bytes(settings.max_body_bytes)
        .with_cancellation_token(shutdown.child_token());
    config.sse_keep_alive = Some(Duration::from_secs(15));
    let base = shared.server.clone();
    let mcp = StreamableHttpService::new(move || Ok(base.clone()), Arc::new(LocalSessionManager::default()), config);
    let shared = Arc::new(shared);
    let connections = Arc::new(Semaphore::new(settings.max_connections));
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
        // Over the connection limit: the connection is closed at once.
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "connection refused: too many open connections");
            continue;
        };
        let (shared, mcp, tls, watcher) = (shared.clone(), mcp.clone(), tls.clone(), graceful.watcher());
        tokio::spawn(async move {
            let _permit = permit;
            let service = service_fn(move |request| route(request, peer, shared.clone(), mcp.clone()));
            let builder = {
                let mut b = hyper::server::conn::http1::Builder::new();
                b.timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT).max_buf_size(64 << 10);
                b
            };
            let ended = match tls {
                None => watcher.watch(builder.serve_connection(TokioIo::new(stream), service)).await,
                Some(acceptor) => match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => watcher.watch(builder.serve_connection(TokioIo::new(stream), service)).await,
                    Ok(Err(e)) => return tracing::debug!(%peer, "TLS handshake failed: {e}"),
                    Err(_) => return tracing::debug!(%peer, "TLS handshake timed out"),
                },
            };
            if let Err(e) = ended {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
    tracing::info!("shutting down: finishing open requests");
    if tokio::time::timeout(Duration::from_secs(30), graceful.shutdown()).await.is_err() {
        tracing::warn!("open connections did not finish within 30 s");
    }
    Ok(())
}

async fn route(
    mut request: Request<Incoming>,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut mcp: StreamableHttpService<McpServer, LocalSessionManager>,
) -> Result<Response<Body>, Infallible> {
    if request.uri().path() != "/mcp" {
        return Ok(observe::route(&request, &shared.metrics, shared.ready).map(|b| b.boxed()));
    }
    match shared.auth.authenticate(request.headers(), peer.ip()) {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            tower_service::Service::call(&mut mcp, request).await
        }
        Err(e) => Ok(unauthorized(&e, peer, &shared)),
    }
}

/// 401 with `WWW-Authenticate`, counted and audited.
fn unauthorized(error: &AuthError, peer: SocketAddr, shared: &Shared) -> Response<Body> {
    shared.metrics.auth_failed(error.reason());
    shared.audit.security("authentication_failure", serde_json::json!({"address": peer.ip().to_string(), "detail": error.reason()}));
    tracing::warn!(%peer, reason = error.reason(), "authentication failed");
    let body = serde_json::json!({"error": error.to_string()}).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)).boxed());
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    let challenge = match error {
        AuthError::Missing => "Bearer realm=\"epmcp\"".to_string(),
        AuthError::Invalid(_) => "Bearer realm=\"epmcp\", error=\"invalid_token\"".to_string(),
    };
    let headers = response.headers_mut();
    headers.insert(http::header::WWW_AUTHENTICATE, challenge.parse().expect("a valid header value"));
    headers.insert(http::header::CONTENT_TYPE, "application/json".parse().expect("a valid header value"));
    response
}
