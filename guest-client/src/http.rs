//! The only module that touches `wasi:http`: GETs over the raw `wasip2` client, one at a
//! time or several at once (one `wasi:io/poll` over their response futures).
//!
//! (wstd's client masks host denials as "connection reset"; see ARCHITECTURE.md.)
//! Natively (unit tests) there is no `wasi:http`, and [`send`] reports that.

/// One outgoing request, exactly as the guest addresses it. Tools always use the
/// public EP URL; the host's egress gateway decides where it really goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// `https`, `http`, or anything else (the host refuses all but https).
    pub scheme: String,
    /// `host[:port]`, possibly hostile (`user@host`, IP literals): the host checks it.
    pub authority: String,
    /// Path and query, already percent-encoded.
    pub path_with_query: String,
    pub accept: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HttpError {
    /// The host's egress gateway refused the request.
    Denied,
    Timeout,
    Unreachable(String),
    /// A response arrived but was unusable (truncated, oversized, redirect).
    Protocol(String),
}

/// Identifies the project to the EP API, per the API's User-Agent convention.
pub const USER_AGENT: &str = concat!("epmcp-prd-", env!("CARGO_PKG_VERSION"));

#[cfg(target_family = "wasm")]
pub fn send(request: &Request) -> Result<Response, HttpError> {
    // A denial arrives on the future, not from `handle` itself: it is read from there.
    let pending = wasip2::http::outgoing_handler::handle(outgoing(request)?, None).map_err(map_code)?;
    pending.subscribe().block();
    receive(&pending)
}

/// Sends every request at once and waits for all of them (one `wasi:io/poll` over their
/// futures), so N upstream round trips cost about one. The answers are in request order.
/// Callers bound N (see `Ep::fetch_all`); the host bounds the rate.
#[cfg(target_family = "wasm")]
pub fn send_all(requests: &[Request]) -> Vec<Result<Response, HttpError>> {
    use wasip2::http::outgoing_handler::{self, FutureIncomingResponse};

    let mut answers: Vec<Option<Result<Response, HttpError>>> = Vec::with_capacity(requests.len());
    let mut waiting: Vec<(usize, FutureIncomingResponse)> = Vec::new();
    for (i, request) in requests.iter().enumerate() {
        // A denial arrives on the future, not from `handle` itself: it is read from there.
        match outgoing(request).and_then(|r| outgoing_handler::handle(r, None).map_err(map_code)) {
            Ok(pending) => {
                answers.push(None);
                waiting.push((i, pending));
            }
            Err(e) => answers.push(Some(Err(e))),
        }
    }
    while !waiting.is_empty() {
        let pollables: Vec<_> = waiting.iter().map(|(_, pending)| pending.subscribe()).collect();
        let ready = wasip2::io::poll::poll(&pollables.iter().collect::<Vec<_>>());
        drop(pollables);
        // Highest first, so removing one does not shift the others.
        let mut ready: Vec<usize> = ready.into_iter().map(|r| r as usize).collect();
        ready.sort_unstable_by(|a, b| b.cmp(a));
        for r in ready {
            let (i, pending) = waiting.swap_remove(r);
            answers[i] = Some(receive(&pending));
        }
    }
    answers.into_iter().map(|a| a.expect("every request answered")).collect()
}

#[cfg(target_family = "wasm")]
fn outgoing(request: &Request) -> Result<wasip2::http::types::OutgoingRequest, HttpError> {
    use wasip2::http::types::{Fields, Method, OutgoingRequest, Scheme};
    let headers = Fields::from_list(&[
        ("accept".to_string(), request.accept.as_bytes().to_vec()),
        ("user-agent".to_string(), USER_AGENT.as_bytes().to_vec()),
    ])
    .map_err(|e| HttpError::Protocol(format!("bad request headers: {e:?}")))?;
    let outgoing = OutgoingRequest::new(headers);
    let scheme = match request.scheme.as_str() {
        "https" => Scheme::Https,
        "http" => Scheme::Http,
        other => Scheme::Other(other.to_string()),
    };
    let bad = |what: &str| HttpError::Protocol(format!("invalid {what} in request"));
    outgoing.set_method(&Method::Get).map_err(|_| bad("method"))?;
    outgoing.set_scheme(Some(&scheme)).map_err(|_| bad("scheme"))?;
    outgoing.set_authority(Some(&request.authority)).map_err(|_| bad("authority"))?;
    outgoing.set_path_with_query(Some(&request.path_with_query)).map_err(|_| bad("path"))?;
    Ok(outgoing)
}

/// The response of a future that is ready: status, content type and the whole body.
#[cfg(target_family = "wasm")]
fn receive(pending: &wasip2::http::outgoing_handler::FutureIncomingResponse) -> Result<Response, HttpError> {
    use wasip2::io::streams::StreamError;
    let response = match pending.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(code))) => return Err(map_code(code)),
        Some(Err(())) | None => return Err(HttpError::Protocol("response future consumed twice".into())),
    };
    let bad = |what: &str| HttpError::Protocol(format!("invalid {what} in response"));
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .first()
        .map(|v| String::from_utf8_lossy(v).into_owned());
    let body = response.consume().map_err(|_| bad("body"))?;
    let stream = body.stream().map_err(|_| bad("body stream"))?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(HttpError::Protocol(format!("reading response body: {}", e.to_debug_string())));
            }
        }
    }
    drop(stream);
    drop(body);
    Ok(Response { status, content_type, body: bytes })
}

#[cfg(not(target_family = "wasm"))]
pub fn send(_request: &Request) -> Result<Response, HttpError> {
    Err(HttpError::Unreachable("wasi:http is only available inside a component".into()))
}

#[cfg(not(target_family = "wasm"))]
pub fn send_all(requests: &[Request]) -> Vec<Result<Response, HttpError>> {
    requests.iter().map(send).collect()
}

#[cfg(target_family = "wasm")]
fn map_code(code: wasip2::http::types::ErrorCode) -> HttpError {
    use wasip2::http::types::ErrorCode as E;
    match code {
        E::HttpRequestDenied => HttpError::Denied,
        E::ConnectionTimeout | E::ConnectionReadTimeout | E::HttpResponseTimeout => HttpError::Timeout,
        E::DnsTimeout | E::DnsError(_) | E::DestinationNotFound | E::DestinationUnavailable
        | E::ConnectionRefused | E::ConnectionTerminated | E::TlsCertificateError | E::TlsProtocolError => {
            HttpError::Unreachable("the EP API could not be reached".into())
        }
        E::HttpResponseBodySize(_) => HttpError::Protocol("the EP API response exceeded the host's size limit".into()),
        E::InternalError(Some(message)) => HttpError::Protocol(message),
        other => HttpError::Protocol(format!("upstream protocol error ({other:?})")),
    }
}
