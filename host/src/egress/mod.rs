//! The egress gateway: the only way out of a component. A guest request leaves the
//! host only if it is a GET to `https://data.europarl.europa.eu:443/api/v2/…`, without
//! user information, inside the path prefixes the calling tool declared. Redirects are
//! never followed. Allowed requests go to [`Upstream`], which alone knows the real address.

pub mod breaker;
pub mod budget;
pub mod cache;
pub mod upstream;

use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::WasiHttpHooks;

use breaker::Breaker;
use cache::{Cached, NotCached, Provenance, ResponseCache};
use budget::Budget;
use crate::metrics::{Metrics, Usage};
use crate::audit::Audit;
use upstream::{Upstream, UpstreamError};

/// The only host a tool may address.
pub const EP_HOST: &str = "data.europarl.europa.eu";
/// Every EP API path starts here.
pub const EP_PATH_ROOT: &str = "/api/v2/";

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("method {0} is not allowed (GET only)")]
    Method(String),
    #[error("scheme '{0}' is not allowed (https only)")]
    Scheme(String),
    #[error("user information in the authority is not allowed")]
    Userinfo,
    #[error("host '{0}' is not the EP API")]
    Host(String),
    #[error("port {0} is not allowed (443 only)")]
    Port(u16),
    #[error("path '{0}' is not under /api/v2/")]
    Root(String),
    #[error("path '{0}' contains a dot segment, an empty segment or an encoded separator")]
    Traversal(String),
    #[error("path '{0}' is outside the tool's declared prefixes")]
    Prefix(String),
}

impl Denied {
    /// A short stable label for logs and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Denied::Method(_) => "method",
            Denied::Scheme(_) => "scheme",
            Denied::Userinfo => "userinfo",
            Denied::Host(_) => "host",
            Denied::Port(_) => "port",
            Denied::Root(_) => "root",
            Denied::Traversal(_) => "traversal",
            Denied::Prefix(_) => "prefix",
        }
    }
}

/// Checks a guest request against the policy. On success returns the path and query
/// relative to `/api/v2/` (e.g. `meps/1294?format=…`), ready for [`Upstream`].
pub fn check(method: &http::Method, uri: &http::Uri, prefixes: &[String]) -> Result<String, Denied> {
    if method != http::Method::GET {
        return Err(Denied::Method(method.to_string()));
    }
    match uri.scheme_str() {
        Some("https") => {}
        other => return Err(Denied::Scheme(other.unwrap_or("").to_string())),
    }
    let authority = uri.authority().ok_or_else(|| Denied::Host(String::new()))?;
    if authority.as_str().contains('@') {
        return Err(Denied::Userinfo);
    }
    if !authority.host().eq_ignore_ascii_case(EP_HOST) {
        return Err(Denied::Host(authority.host().to_string()));
    }
    if let Some(port) = authority.port_u16() {
        if port != 443 {
            return Err(Denied::Port(port));
        }
    } else if authority.as_str().ends_with(':') {
        return Err(Denied::Port(0));
    }
    let path = uri.path();
    let rest = path.strip_prefix(EP_PATH_ROOT).ok_or_else(|| Denied::Root(path.to_string()))?;
    let segments: Vec<&str> = rest.split('/').collect();
    if segments.iter().any(|s| unsafe_segment(s)) {
        return Err(Denied::Traversal(path.to_string()));
    }
    let inside = prefixes.iter().any(|prefix| {
        let want: Vec<&str> = prefix.split('/').collect();
        segments.len() >= want.len() && want.iter().zip(&segments).all(|(w, s)| w == s)
    });
    if !inside {
        return Err(Denied::Prefix(path.to_string()));
    }
    Ok(match uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_string(),
    })
}

/// A segment the upstream (or a proxy before it) could read as something other than one
/// plain path segment. A segment is written only with unreserved characters and `%XX`
/// escapes, and what the escapes decode to is judged too: nothing made of dots alone
/// (`..`, `...`), no separator (`/`, `\\`), no path parameter (`;`, which servers strip
/// with what follows, so `..;` reads as `..`), no whitespace or control character (which
/// servers trim), no `?` or `#`, and no second layer of escapes.
fn unsafe_segment(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let written_plainly = bytes.iter().enumerate().all(|(i, &b)| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || b == b'%' && bytes.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    let decoded = percent_decode(segment);
    !written_plainly
        || decoded.chars().all(|c| c == '.') // also the empty segment
        || decoded.chars().any(|c| matches!(c, '/' | '\\' | ';' | '?' | '#') || c.is_whitespace() || c.is_control())
        || decoded.contains('%') && percent_decode(&decoded) != decoded
}

/// Lossy percent-decoding, only to judge segments (never to build URLs).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What every call's EP requests share: the one client to the EP API, the API's request
/// budget per endpoint, the circuit breaker and the metrics.
pub struct Egress {
    upstream: Arc<Upstream>,
    budget: Budget,
    /// `None`: no circuit breaker.
    breaker: Option<Breaker>,
    metrics: Arc<Metrics>,
}

impl Egress {
    pub fn new(upstream: Arc<Upstream>, budget: Budget, breaker: Option<Breaker>, metrics: Arc<Metrics>) -> Egress {
        Egress { upstream, budget, breaker, metrics }
    }

    /// The circuit breaker's state (`closed`, `open`, `half_open`), if there is one.
    pub fn breaker_state(&self) -> Option<&'static str> {
        self.breaker.as_ref().map(Breaker::state)
    }
}

/// Whose requests they are: a tenant's response cache, its share of the budget, its audit
/// stream and its usage. Nothing one scope does is seen in, or spends the limits of, another.
pub struct Scope {
    pub name: String,
    /// `None` with the cache off.
    pub cache: Option<Arc<ResponseCache>>,
    /// `None` when its share is the whole budget.
    pub share: Option<Budget>,
    pub audit: Audit,
    pub usage: Usage,
}

/// The per-call gateway: the tool's declared prefixes, what all calls share, and the
/// caller's scope.
pub struct Gateway {
    pub tool: Arc<str>,
    pub prefixes: Arc<[String]>,
    pub egress: Arc<Egress>,
    pub scope: Arc<Scope>,
    /// Freshness of what this call read, for reuse of its result.
    pub provenance: Arc<Provenance>,
}

/// What one guest request needs to go upstream, owned (the request runs as a task of its own).
struct Outbound {
    egress: Arc<Egress>,
    scope: Arc<Scope>,
    tool: Arc<str>,
}

impl Outbound {
    /// One upstream request, logged with its duration (`make bench` subtracts it per call).
    async fn fetch(&self, path: &str, accept: Option<http::HeaderValue>) -> Result<http::Response<bytes::Bytes>, UpstreamError> {
        let (scope, tool, egress) = (&self.scope, &*self.tool, &self.egress);
        // An open breaker answers at once, before any budget is spent.
        let permit = egress.breaker.as_ref().map(Breaker::admit).transpose().map_err(UpstreamError::Unavailable)?;
        // Only requests that go out spend the endpoint's budget (cache hits never get here):
        // first the tenant's share, so a tenant past it spends nothing of the others'.
        if let Some(share) = &scope.share {
            share.acquire(path).await.map_err(|retry| UpstreamError::Budget(retry.secs()))?;
        }
        egress.budget.acquire(path).await.map_err(|retry| UpstreamError::Budget(retry.secs()))?;
        let started = std::time::Instant::now();
        let response = egress.upstream.get(path, accept).await;
        scope.usage.upstream_requests.inc();
        if let Ok(r) = &response {
            scope.usage.upstream_bytes.inc_by(r.body().len() as u64);
        }
        if let Some(permit) = permit {
            // The API's health: it failed to answer, or answered with a server error. A 4xx,
            // a redirect or an oversized body is an answer.
            let failed = match &response {
                Ok(r) => r.status().is_server_error(),
                Err(e) => matches!(e, UpstreamError::Timeout | UpstreamError::Connect(_) | UpstreamError::Protocol(_)),
            };
            if failed { permit.failed() } else { permit.succeeded() }
        }
        let upstream_us = started.elapsed().as_micros() as u64;
        let status = response.as_ref().map(|r| r.status().as_u16()).unwrap_or(0);
        tracing::debug!(tool, path, status, upstream_us, "upstream");
        let endpoint = path.split(['/', '?']).next().unwrap_or_default();
        egress.metrics.upstream(endpoint, status, upstream_us as f64 / 1000.0);
        response
    }
}

fn denied_by_upstream(tool: &str, path: &str, e: &UpstreamError) -> HttpError {
    tracing::warn!(tool, path, "upstream failed: {e}");
    match e {
        UpstreamError::Timeout => HttpError::HttpResponseTimeout,
        UpstreamError::Connect(_) => HttpError::ConnectionRefused,
        UpstreamError::TooLarge(limit) => HttpError::HttpResponseBodySize(Some(*limit as u64)),
        UpstreamError::Redirect(status) => {
            HttpError::InternalError(Some(format!("the EP API answered with a redirect (HTTP {status}), which is not followed")))
        }
        UpstreamError::Protocol(m) => HttpError::InternalError(Some(format!("upstream protocol error: {m}"))),
        UpstreamError::Budget(secs) => HttpError::InternalError(Some(format!(
            "this server's request budget for that EP API endpoint is used up; retry after {secs} s"
        ))),
        UpstreamError::Unavailable(secs) => HttpError::InternalError(Some(format!(
            "EP API unavailable: its recent requests failed, so this server is not calling it for now; retry after {secs} s"
        ))),
    }
}

type HttpError = wasmtime_wasi_http::Error;
type Body = wasmtime_wasi_http::WasiBody;
type IoFuture = Box<dyn Future<Output = Result<(), HttpError>> + Send>;

impl WasiHttpHooks for Gateway {
    // Let every scheme reach `send_request`, so each refusal is judged, logged and counted here.
    fn is_supported_scheme(&mut self, _scheme: &http::uri::Scheme) -> bool {
        true
    }

    fn send_request(
        &mut self,
        request: http::Request<Body>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: IoFuture,
    ) -> Box<dyn Future<Output = Result<(http::Response<Body>, IoFuture), HttpError>> + Send> {
        let decision = check(request.method(), request.uri(), &self.prefixes);
        let outbound = Outbound { egress: self.egress.clone(), scope: self.scope.clone(), tool: self.tool.clone() };
        let provenance = self.provenance.clone();
        let accept = request.headers().get(http::header::ACCEPT).cloned();
        let uri = request.uri().clone();
        // The request runs as a task of its own: its span is made here, under the call's.
        let span = tracing::info_span!("upstream", endpoint = tracing::field::Empty, cache_hit = tracing::field::Empty);
        let traced = span.clone();
        Box::new(tracing::Instrument::instrument(async move {
            let (tool, scope, metrics) = (&outbound.tool, &outbound.scope, &outbound.egress.metrics);
            let audit = &scope.audit;
            let path = match decision {
                Ok(path) => path,
                Err(denied) => {
                    provenance.denied();
                    metrics.egress_denied(tool, denied.reason());
                    audit.security("egress_denial", serde_json::json!({"tool": &**tool, "reason": denied.reason()}));
                    tracing::warn!(tool = %tool, uri = %uri, reason = denied.reason(), "egress denied: {denied}");
                    return Err(HttpError::HttpRequestDenied);
                }
            };
            let started = std::time::Instant::now();
            let (response, cache_hit) = match &scope.cache {
                None => {
                    provenance.uncacheable();
                    let fetched = outbound.fetch(&path, accept).await;
                    (fetched.map_err(|e| denied_by_upstream(tool, &path, &e)), false)
                }
                Some(cache) => {
                    let key = cache::key(&path, accept.as_ref());
                    let fetched = cache.get_or_fetch(key, outbound.fetch(&path, accept)).await;
                    let hit = matches!(fetched, Ok((_, true)));
                    if hit { metrics.cache_hits.inc() } else { metrics.cache_misses.inc() };
                    metrics.cache_size(&scope.name, cache.size());
                    match fetched {
                        Ok((cached, hit)) => {
                            provenance.read(&cached);
                            (Ok(cached.to_response()), hit)
                        }
                        Err(not_cached) => {
                            provenance.uncacheable();
                            match &*not_cached {
                                NotCached::Response(response) => (Ok(Cached::to_response(response)), false),
                                NotCached::Failed(e) => (Err(denied_by_upstream(tool, &path, e)), false),
                            }
                        }
                    }
                }
            };
            let (endpoint, query) = path.split_once('?').unwrap_or((&path, ""));
            traced.record("endpoint", endpoint).record("cache_hit", cache_hit);
            let params: Vec<&str> = query.split('&').filter_map(|kv| kv.split('=').next()).filter(|k| !k.is_empty()).collect();
            audit.record(
                "upstream",
                serde_json::json!({
                    "tool": &**tool,
                    "endpoint": endpoint,
                    "params": params,
                    "responseMs": started.elapsed().as_secs_f64() * 1000.0,
                    "cacheHit": cache_hit,
                    "status": response.as_ref().map(|r| r.status().as_u16()).ok(),
                }),
            );
            let response = response?;
            let (parts, body) = response.into_parts();
            let body: Body = Full::new(body).map_err(|never: std::convert::Infallible| match never {}).boxed_unsync();
            let done: IoFuture = Box::new(async { Ok(()) });
            Ok((http::Response::from_parts(parts, body), done))
        }, span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(uri: &str, prefixes: &[&str]) -> Result<String, Denied> {
        let prefixes: Vec<String> = prefixes.iter().map(|p| p.to_string()).collect();
        check(&http::Method::GET, &uri.parse().unwrap(), &prefixes)
    }

    #[test]
    fn allows_declared_prefixes_only() {
        assert_eq!(run("https://data.europarl.europa.eu/api/v2/meps/1294?format=x", &["meps"]).unwrap(), "meps/1294?format=x");
        assert_eq!(run("https://DATA.europarl.europa.eu:443/api/v2/meps", &["meps"]).unwrap(), "meps");
        assert_eq!(
            run("https://data.europarl.europa.eu/api/v2/meps/show-current", &["meps/show-current"]).unwrap(),
            "meps/show-current"
        );
        assert!(matches!(run("https://data.europarl.europa.eu/api/v2/meps-declarations", &["meps"]), Err(Denied::Prefix(_))));
        assert!(matches!(run("https://data.europarl.europa.eu/api/v2/meps/1", &["meps/show-current"]), Err(Denied::Prefix(_))));
        assert!(matches!(run("https://data.europarl.europa.eu/api/v2/procedures", &[]), Err(Denied::Prefix(_))));
    }

    #[test]
    fn denies_everything_else() {
        let p = &["meps"];
        assert_eq!(run("http://data.europarl.europa.eu/api/v2/meps", p), Err(Denied::Scheme("http".into())));
        assert!(matches!(run("https://example.com/api/v2/meps", p), Err(Denied::Host(_))));
        assert!(matches!(run("https://127.0.0.1/api/v2/meps", p), Err(Denied::Host(_))));
        assert!(matches!(run("https://[::1]/api/v2/meps", p), Err(Denied::Host(_))));
        assert!(matches!(run("https://data.europarl.europa.eu./api/v2/meps", p), Err(Denied::Host(_))));
        // Percent-encoded host tricks do not even parse as a URI.
        assert!("https://data.europarl.europa.eu%2eevil.com/api/v2/meps".parse::<http::Uri>().is_err());
        assert_eq!(run("https://data.europarl.europa.eu@evil.com/api/v2/meps", p), Err(Denied::Userinfo));
        assert_eq!(run("https://evil@data.europarl.europa.eu/api/v2/meps", p), Err(Denied::Userinfo));
        assert_eq!(run("https://data.europarl.europa.eu:8443/api/v2/meps", p), Err(Denied::Port(8443)));
        assert!(matches!(run("https://data.europarl.europa.eu/api/v1/meps", p), Err(Denied::Root(_))));
        assert!(matches!(run("https://data.europarl.europa.eu/api/v2/meps/../corporate-bodies", p), Err(Denied::Traversal(_))));
        assert!(matches!(run("https://data.europarl.europa.eu/api/v2/meps/%2e%2e/x", p), Err(Denied::Traversal(_))));
        assert!(matches!(run("https://data.europarl.europa.eu/api/v2/meps/a%2Fb", p), Err(Denied::Traversal(_))));
        assert!(matches!(run("https://data.europarl.europa.eu/api/v2/meps/%252e%252e", p), Err(Denied::Traversal(_))));
        assert!(matches!(run("https://data.europarl.europa.eu/api/v2/meps//x", p), Err(Denied::Traversal(_))));
        // What servers that strip `;parameters` or trim whitespace would read as `..`.
        for segment in ["..;", "%2e%2e%3b", "..%09", "..%20", "...", "%2e%2e%2e", "a;b", "x%0a", "%00", "a%5cb", "%e2%80%a8", "x%zz"] {
            let uri = format!("https://data.europarl.europa.eu/api/v2/meps/{segment}/x");
            assert!(matches!(run(&uri, p), Err(Denied::Traversal(_))), "{segment}");
        }
        for segment in ["1294", "MTG-PL-2024-01-15", "a%2Eb", "caf%C3%A9", "x_y~z"] {
            let uri = format!("https://data.europarl.europa.eu/api/v2/meps/{segment}");
            assert!(run(&uri, p).is_ok(), "{segment}");
        }
        let post = check(&http::Method::POST, &"https://data.europarl.europa.eu/api/v2/meps".parse().unwrap(), &["meps".into()]);
        assert!(matches!(post, Err(Denied::Method(_))));
    }

    #[test]
    fn encoded_data_in_one_segment_is_fine() {
        assert!(run("https://data.europarl.europa.eu/api/v2/meps/AB%40c%2Ed", &["meps"]).is_ok());
        // Whitespace is trimmed or split on by some servers: never in a segment.
        assert!(matches!(run("https://data.europarl.europa.eu/api/v2/meps/A%20B", &["meps"]), Err(Denied::Traversal(_))));
        assert!(matches!(run("https://data.europarl.europa.eu/api/v2/meps/%2E%2E%3Fx%3D1", &["meps"]), Err(Denied::Traversal(_))));
    }
}
