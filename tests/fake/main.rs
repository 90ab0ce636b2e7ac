//! A loopback fake of the EP Open Data API v2, serving the real samples in
//! `tests/fixtures/ep-api/`. Dumb on purpose: it routes paths to files, slices `data` by
//! offset/limit, checks `format`/`Accept`, logs every request line, and injects the
//! upstream faults listed in [`fault`]. It binds 127.0.0.1 only.
//! With `--atom-feeds` it answers paths that have an `.atom.xml` fixture with that Atom
//! body (as a server honouring only the spec's declared feed format would), or 406 when
//! `Accept` does not allow `application/atom+xml`.
//!
//! usage: fake-ep-api --fixtures DIR [--port N] [--log FILE] [--delay-ms N] [--fault NAME] [--atom-feeds]
//! Prints `http://127.0.0.1:PORT/api/v2/` on its first stdout line once listening.

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;

/// Fixtures by the path they answer (`meps-show-current`, `meps-1294` …).
struct Fixtures {
    files: Vec<(String, u8, PathBuf)>,
    /// `<path>[.<tag>].atom.xml` (paths without parameters, i.e. feeds), by path.
    atom: Vec<(String, PathBuf)>,
}

impl Fixtures {
    /// Loads `<template>[.<id>][.<tag>].json`; the tag ranks variants of one path:
    /// constructed/synthetic bodies (several items) win over one-item real excerpts.
    fn load(dir: &PathBuf) -> Fixtures {
        let mut files = Vec::new();
        let mut atom = Vec::new();
        for entry in std::fs::read_dir(dir).expect("reading fixtures") {
            let path = entry.expect("fixture entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".atom.xml") {
                atom.push((stem.split('.').next().unwrap().to_string(), path));
                continue;
            }
            let Some(stem) = name.strip_suffix(".json") else { continue };
            let mut parts: Vec<&str> = stem.splitn(2, '.').collect();
            let template = parts.remove(0).to_string();
            let rest = parts.first().copied().unwrap_or("");
            let (id, tag) = match rest.rsplit_once('.') {
                Some((id, tag)) => (id, tag),
                None if matches!(rest, "constructed" | "synthetic" | "trimmed" | "error-in-body") => ("", rest),
                None => (rest, ""),
            };
            let key = match template.find('{') {
                // Two path parameters take one `.`-separated id each (the tag is then required):
                // `procedures-{process-id}-events-{event-id}.1972-0003.1972-0003-ANPRO-1972-11-06.constructed`.
                Some(_) if template.matches('{').count() > 1 => fill_placeholders(&template, id),
                Some(open) => {
                    let close = template.find('}').unwrap();
                    format!("{}{}{}", &template[..open], id, &template[close + 1..])
                }
                None => template.clone(),
            };
            let rank = match tag {
                "synthetic" | "constructed" => 0,
                _ => 1,
            };
            files.push((key, rank, path));
        }
        files.sort();
        atom.sort();
        Fixtures { files, atom }
    }

    fn find_atom(&self, path: &str) -> Option<&PathBuf> {
        let key = path.trim_matches('/').replace('/', "-");
        self.atom.iter().find(|(k, _)| *k == key).map(|(_, p)| p)
    }

    fn find(&self, path: &str) -> Option<&PathBuf> {
        let key = path.trim_matches('/').replace('/', "-");
        self.files.iter().find(|(k, _, _)| *k == key).map(|(_, _, p)| p)
    }
}

/// Each `{param}` of `template` replaced by the next `.`-separated part of `ids`.
fn fill_placeholders(template: &str, ids: &str) -> String {
    let mut ids = ids.split('.');
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}').unwrap();
        out.push_str(&rest[..open]);
        out.push_str(ids.next().unwrap_or(""));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

struct Fake {
    fixtures: Fixtures,
    log: Option<Mutex<std::fs::File>>,
    delay: Duration,
    addr: SocketAddr,
    /// `--fault NAME`: every request gets this fault.
    fault: Option<String>,
    /// `--atom-feeds`: serve `.atom.xml` fixtures as Atom (see the module docs).
    atom_feeds: bool,
    /// `--max-page N`: no page holds more than N items, whatever `limit` asks (a server-side cap).
    max_page: Option<usize>,
}

fn respond(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    if !content_type.is_empty() {
        r.headers_mut().insert("content-type", content_type.parse().unwrap());
    }
    r
}

/// Faults by name. A test gets one by naming its id as the last path segment
/// (`meps/9999500`), or for every request with `--fault NAME` (e.g. `--fault 500`).
const FAULTS: &[(&str, &str)] = &[
    ("9999500", "500"),
    ("9999503", "503"),
    ("9999429", "429"),
    ("9999404", "404"),
    ("9999302", "302"),
    ("9999001", "truncated"),
    ("9999002", "error-body"),
    ("9999003", "huge"),
    ("9999004", "html"),
    ("9999408", "slow"),
    ("9999204", "204"),
    ("9999200", "empty"),
];

fn fault_by_id(rest: &str) -> Option<&'static str> {
    let id = rest.rsplit('/').next()?;
    FAULTS.iter().find(|(fault_id, _)| *fault_id == id).map(|(_, name)| *name)
}

async fn fault(fake: &Fake, name: &str) -> Response<Full<Bytes>> {
    match name {
        "500" => respond(StatusCode::INTERNAL_SERVER_ERROR, "text/html", "<html>internal details</html>"),
        "503" => respond(StatusCode::SERVICE_UNAVAILABLE, "text/plain", "maintenance"),
        "429" => respond(StatusCode::TOO_MANY_REQUESTS, "", ""),
        "404" => respond(StatusCode::NOT_FOUND, "", ""),
        "302" => {
            let mut r = respond(StatusCode::FOUND, "", "");
            let target = format!("http://{}/api/v2/redirected-here", fake.addr);
            r.headers_mut().insert("location", target.parse().unwrap());
            r
        }
        "truncated" => respond(StatusCode::OK, "application/ld+json", "{\"data\": [ {\"id\": \"person/1\""),
        "error-body" => respond(StatusCode::OK, "application/ld+json", "{\"error\": \"backend failure\"}"),
        "huge" => respond(StatusCode::OK, "application/ld+json", vec![b' '; 17 << 20]),
        "html" => respond(StatusCode::OK, "text/html", "<html>not json</html>"),
        "204" => respond(StatusCode::NO_CONTENT, "", ""),
        "empty" => respond(StatusCode::OK, "application/ld+json", ""),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            respond(StatusCode::GATEWAY_TIMEOUT, "", "")
        }
        other => panic!("unknown fault {other}"),
    }
}

async fn handle(fake: Arc<Fake>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let uri = request.uri().clone();
    if let Some(log) = &fake.log {
        let mut f = log.lock().unwrap();
        let _ = writeln!(f, "{} {}", request.method(), uri);
    }
    if !fake.delay.is_zero() {
        tokio::time::sleep(fake.delay).await;
    }
    let Some(rest) = uri.path().strip_prefix("/api/v2/") else {
        return Ok(respond(StatusCode::NOT_FOUND, "", ""));
    };
    if let Some(name) = fake.fault.as_deref().or_else(|| fault_by_id(rest)) {
        return Ok(fault(&fake, name).await);
    }
    let params: Vec<(String, String)> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), percent_decode(v)))
        .collect();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let accept = request.headers().get("accept").and_then(|v| v.to_str().ok()).unwrap_or("*/*");
    if fake.atom_feeds
        && let Some(path) = fake.fixtures.find_atom(rest)
    {
        if !accept.contains("application/atom+xml") {
            return Ok(respond(StatusCode::NOT_ACCEPTABLE, "", ""));
        }
        let body = std::fs::read(path).expect("reading fixture");
        return Ok(respond(StatusCode::OK, "application/atom+xml;charset=UTF-8", body));
    }
    let format_ok = param("format").is_none_or(|f| f == "application/ld+json");
    if !format_ok || !(accept.contains("application/ld+json") || accept.contains("*/*")) {
        return Ok(respond(StatusCode::NOT_ACCEPTABLE, "", ""));
    }
    let Some(path) = fake.fixtures.find(rest) else {
        return Ok(respond(StatusCode::NOT_FOUND, "", ""));
    };
    let body = std::fs::read(path).expect("reading fixture");
    let mut doc: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return Ok(respond(StatusCode::OK, "application/ld+json", body)),
    };
    if let (Some(year), Some(Value::Array(items))) = (param("year"), doc.get_mut("data")) {
        // As the API does: `year` keeps the items of that year (items without a date stay).
        items.retain(|item| item_date(item).is_none_or(|date| date.starts_with(year)));
    }
    if let Some(Value::Array(items)) = doc.get_mut("data") {
        let offset: usize = param("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
        let limit: usize = param("limit").and_then(|v| v.parse().ok()).unwrap_or(50).min(fake.max_page.unwrap_or(usize::MAX));
        let page: Vec<Value> = items.iter().skip(offset).take(limit).cloned().collect();
        if page.is_empty() && offset > 0 {
            // The real API answers an out-of-range page with 204 or an empty 200.
            return Ok(respond(StatusCode::NO_CONTENT, "", ""));
        }
        *items = page;
    }
    Ok(respond(StatusCode::OK, "application/ld+json", serde_json::to_vec(&doc).unwrap()))
}

/// An item's date: `activity_date` (plain or typed literal) or `document_date`.
fn item_date(item: &Value) -> Option<&str> {
    ["activity_date", "eli-dl:activity_date", "document_date"].iter().find_map(|field| match item.get(*field)? {
        Value::String(date) => Some(date.as_str()),
        typed => typed.get("@value")?.as_str(),
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = |at: usize| b.get(at).and_then(|c| (*c as char).to_digit(16));
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

const USAGE: &str = "A loopback fake of the EP Open Data API v2 for tests and the demo.

usage: fake-ep-api [--fixtures DIR] [--port N] [--log FILE] [--delay-ms N] [--fault NAME] [--atom-feeds]

  --fixtures DIR  the recorded EP answers to serve (default tests/fixtures/ep-api)
  --port N        port on 127.0.0.1 (default: any free port)
  --log FILE      append every request line to FILE
  --delay-ms N    wait N ms before each answer
  --fault NAME    inject a fault on every answer: 500 503 429 404 302 truncated
  --max-page N    cap every page at N items, whatever limit asks (as a server-side cap would)
                  error-body huge html slow 204 empty
  --atom-feeds    answer feeds in Atom, as a server honouring only the spec's feed format would

Prints http://127.0.0.1:PORT/api/v2/ on its first line once listening.";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return Ok(());
    }
    let mut rest = args.iter().skip(1);
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--fixtures" | "--port" | "--log" | "--delay-ms" | "--fault" | "--max-page" => drop(rest.next()),
            "--atom-feeds" => {}
            other => anyhow::bail!("unknown argument '{other}'\n\n{USAGE}"),
        }
    }
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let fixtures_dir = PathBuf::from(arg("--fixtures").unwrap_or_else(|| "tests/fixtures/ep-api".into()));
    let port: u16 = arg("--port").map(|p| p.parse()).transpose()?.unwrap_or(0);
    let delay = Duration::from_millis(arg("--delay-ms").map(|d| d.parse()).transpose()?.unwrap_or(0));
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let log = match arg("--log") {
        Some(path) => Some(Mutex::new(std::fs::OpenOptions::new().create(true).append(true).open(path)?)),
        None => None,
    };
    let fault = arg("--fault");
    if let Some(name) = &fault {
        anyhow::ensure!(FAULTS.iter().any(|(_, n)| n == name), "unknown fault {name}");
    }
    let atom_feeds = args.iter().any(|a| a == "--atom-feeds");
    let max_page = arg("--max-page").map(|n| n.parse::<usize>()).transpose()?;
    let fake = Arc::new(Fake { fixtures: Fixtures::load(&fixtures_dir), log, delay, addr, fault, atom_feeds, max_page });
    println!("http://{addr}/api/v2/");
    std::io::stdout().flush()?;
    loop {
        let (stream, _) = listener.accept().await?;
        let fake = fake.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(fake.clone(), req));
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
