//! The pooled keep-alive client to the EP API. The only place `EP_API_URL` is used:
//! guests always address the public EP URL, and the gateway hands allowed requests here.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, USER_AGENT};
use http_body_util::{BodyExt, Empty};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use anyhow::{Context, Result, bail};

#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    /// Base URL ending in `/`; `https`, or `http` to a loopback address (tests).
    pub base_url: http::Uri,
    pub total_timeout: Duration,
    pub connect_timeout: Duration,
    pub max_body_bytes: usize,
}

/// `EP_API_URL` (and `--jwks-url`): https anywhere, or plain http only to a loopback address (a test fake).
pub fn parse_base_url(raw: &str) -> Result<http::Uri> {
    let with_slash = if raw.ends_with('/') { raw.to_string() } else { format!("{raw}/") };
    let uri: http::Uri = with_slash.parse().with_context(|| format!("URL '{raw}' is not a URL"))?;
    let authority = uri.authority().with_context(|| format!("URL '{raw}' has no host"))?;
    if authority.as_str().contains('@') {
        bail!("URL '{raw}' must not contain user information");
    }
    if uri.query().is_some() {
        bail!("URL '{raw}' must not have a query");
    }
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if matches!(authority.host(), "127.0.0.1" | "localhost" | "[::1]") => {}
        Some("http") => bail!("URL '{raw}': plain http is allowed only to a loopback address"),
        _ => bail!("URL '{raw}' must be an https URL"),
    }
    Ok(uri)
}

#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("timed out")]
    Timeout,
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("response body larger than {0} bytes")]
    TooLarge(usize),
    #[error("redirect (HTTP {0}) not followed")]
    Redirect(u16),
    #[error("{0}")]
    Protocol(String),
    #[error("request budget used up; retry after {0} s")]
    Budget(u64),
    #[error("the EP API is failing (circuit breaker open); retry after {0} s")]
    Unavailable(u64),
}

pub struct Upstream {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    /// `EP_API_URL` without its trailing slash.
    base: String,
    config: UpstreamConfig,
    user_agent: HeaderValue,
}

impl Upstream {
    pub fn new(config: UpstreamConfig) -> anyhow::Result<Arc<Upstream>> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(config.connect_timeout));
        http.set_keepalive(Some(Duration::from_secs(60)));
        http.set_nodelay(true);
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        // https_or_http: the base URL was validated (plain http only to loopback).
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(32)
            .build(connector);
        let base = config.base_url.to_string().trim_end_matches('/').to_string();
        Ok(Arc::new(Upstream {
            client,
            base,
            config,
            user_agent: HeaderValue::from_static(concat!("epmcp/", env!("CARGO_PKG_VERSION"))),
        }))
    }

    /// GET `path_and_query` (relative to `/api/v2/`, already checked by the gateway).
    /// The body is read whole, up to the cap; redirects are errors.
    pub async fn get(&self, path_and_query: &str, accept: Option<HeaderValue>) -> Result<http::Response<Bytes>, UpstreamError> {
        let uri: http::Uri = format!("{}/{}", self.base, path_and_query)
            .parse()
            .map_err(|e| UpstreamError::Protocol(format!("bad upstream URL: {e}")))?;
        let request = http::Request::get(uri)
            .header(ACCEPT, accept.unwrap_or(HeaderValue::from_static("application/ld+json")))
            .header(USER_AGENT, self.user_agent.clone())
            .body(Empty::new())
            .map_err(|e| UpstreamError::Protocol(e.to_string()))?;
        tokio::time::timeout(self.config.total_timeout, self.fetch(request))
            .await
            .map_err(|_| UpstreamError::Timeout)?
    }

    async fn fetch(&self, request: http::Request<Empty<Bytes>>) -> Result<http::Response<Bytes>, UpstreamError> {
        let response = self.client.request(request).await.map_err(|e| {
            if e.is_connect() { UpstreamError::Connect(e.to_string()) } else { UpstreamError::Protocol(e.to_string()) }
        })?;
        let status = response.status();
        if status.is_redirection() {
            return Err(UpstreamError::Redirect(status.as_u16()));
        }
        let cap = self.config.max_body_bytes;
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > cap) {
            return Err(UpstreamError::TooLarge(cap));
        }
        let content_type = response.headers().get(CONTENT_TYPE).cloned();
        let mut body = response.into_body();
        let mut bytes = BytesMut::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| UpstreamError::Protocol(format!("reading body: {e}")))?;
            if let Ok(data) = frame.into_data() {
                if bytes.len() + data.len() > cap {
                    return Err(UpstreamError::TooLarge(cap));
                }
                bytes.extend_from_slice(&data);
            }
        }
        // Guests see the status, the content type and the body: nothing else from upstream.
        let mut out = http::Response::builder().status(status);
        if let Some(ct) = content_type {
            out = out.header(CONTENT_TYPE, ct);
        }
        out.body(bytes.freeze()).map_err(|e| UpstreamError::Protocol(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert_eq!(parse_base_url("https://data.europarl.europa.eu/api/v2").unwrap().path(), "/api/v2/");
        assert!(parse_base_url("http://127.0.0.1:8080/api/v2/").is_ok());
        assert!(parse_base_url("http://example.com/api/v2/").is_err());
        assert!(parse_base_url("https://user@example.com/").is_err());
        assert!(parse_base_url("ftp://example.com/").is_err());
        assert!(parse_base_url("not a url").is_err());
    }
}
