//! The observability listener (`--metrics-listen ADDR`, loopback only): `GET /metrics`
//! (Prometheus text), `/healthz` (alive) and `/readyz` (components loaded). It carries
//! no MCP and no secrets; the hosted MCP listener with TLS and identities is separate.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::metrics::Metrics;

/// What `/readyz` reports.
#[derive(Clone)]
pub struct Readiness {
    /// Components and tools being served now (they change as components are swapped).
    counts: Arc<dyn Fn() -> (usize, usize) + Send + Sync>,
    /// Whether Redis answers, when instances share state (the instance is ready either way).
    redis_up: Option<Arc<dyn Fn() -> bool + Send + Sync>>,
}

impl Readiness {
    pub fn new(counts: impl Fn() -> (usize, usize) + Send + Sync + 'static) -> Readiness {
        Readiness { counts: Arc::new(counts), redis_up: None }
    }

    pub fn with_redis(mut self, up: impl Fn() -> bool + Send + Sync + 'static) -> Readiness {
        self.redis_up = Some(Arc::new(up));
        self
    }

    /// `(components, tools)`.
    pub fn counts(&self) -> (usize, usize) {
        (self.counts)()
    }
}

pub fn reply(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert("content-type", content_type.parse().expect("a valid content type"));
    response
}

/// Who a route answers: the operator (the loopback metrics listener: everything) or anyone
/// who reaches the MCP listener before authentication (liveness and readiness, no detail:
/// metrics name tenants and their usage).
#[derive(Clone, Copy, PartialEq)]
pub enum Audience {
    Operator,
    Anyone,
}

/// `/metrics`, `/healthz`, `/readyz`; anything else 404. The hosted listener serves
/// `/healthz` and `/readyz` beside `/mcp`, for load balancers, without detail.
pub fn route(request: &Request<Incoming>, metrics: &Metrics, ready: &Readiness, audience: Audience) -> Response<Full<Bytes>> {
    if request.method() != hyper::Method::GET {
        return reply(StatusCode::METHOD_NOT_ALLOWED, "text/plain", "GET only\n".into());
    }
    match (request.uri().path(), audience) {
        ("/metrics", Audience::Operator) => reply(StatusCode::OK, "application/openmetrics-text; version=1.0.0; charset=utf-8", metrics.encode()),
        ("/metrics", Audience::Anyone) => reply(StatusCode::NOT_FOUND, "text/plain", "not found: metrics are served on --metrics-listen\n".into()),
        ("/healthz", _) => reply(StatusCode::OK, "application/json", "{\"status\":\"alive\"}\n".into()),
        ("/readyz", _) => {
            let (components, tools) = ready.counts();
            let status = if tools > 0 { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
            let mut body = serde_json::json!({"ready": tools > 0});
            if audience == Audience::Operator {
                body["components"] = components.into();
                body["tools"] = tools.into();
                if let Some(up) = &ready.redis_up {
                    body["redis"] = if up() { "up".into() } else { "unavailable: serving with this instance's own cache and limits".into() };
                }
            }
            reply(status, "application/json", format!("{body}\n"))
        }
        _ => reply(StatusCode::NOT_FOUND, "text/plain", "not found\n".into()),
    }
}

/// Binds `addr` (loopback only) and serves until the process ends; returns the bound address.
pub async fn serve(addr: SocketAddr, metrics: Arc<Metrics>, ready: Readiness) -> anyhow::Result<SocketAddr> {
    anyhow::ensure!(addr.ip().is_loopback(), "--metrics-listen {addr}: only loopback addresses (no TLS or identity here)");
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            let (metrics, ready) = (metrics.clone(), ready.clone());
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let response = route(&request, &metrics, &ready, Audience::Operator);
                    async move { Ok::<_, Infallible>(response) }
                });
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Ok(bound)
}

/// `epmcp --health` against a running server: its `/readyz` answer, within 3 s. A TLS
/// listener is asked over TLS, trusting only its configured certificate.
pub async fn probe(addr: SocketAddr, tls: Option<&crate::transport::tls::TlsFiles>) -> (bool, serde_json::Value) {
    let connector = match tls.map(crate::transport::tls::pinned_connector).transpose() {
        Ok(connector) => connector,
        Err(e) => return (false, serde_json::json!({"ready": false, "reason": format!("{e:#}")})),
    };
    let ask = async {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        match connector {
            None => readyz(TokioIo::new(stream), addr).await,
            Some(connector) => {
                let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
                readyz(TokioIo::new(connector.connect(name, stream).await?), addr).await
            }
        }
    };
    match tokio::time::timeout(std::time::Duration::from_secs(3), ask).await {
        Ok(Ok((status, body))) => {
            let report = serde_json::from_slice(&body).unwrap_or_else(|_| serde_json::json!({"ready": false}));
            (status == StatusCode::OK, report)
        }
        Ok(Err(e)) => (false, serde_json::json!({"ready": false, "reason": format!("{addr}: {e}")})),
        Err(_) => (false, serde_json::json!({"ready": false, "reason": format!("{addr}: no answer within 3 s")})),
    }
}

async fn readyz<IO>(io: IO, addr: SocketAddr) -> anyhow::Result<(StatusCode, Bytes)>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    use http_body_util::{BodyExt, Empty};
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
    tokio::spawn(connection);
    let request = Request::get("/readyz").header("host", addr.to_string()).body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    Ok((status, response.into_body().collect().await?.to_bytes()))
}
