//! The response cache at the egress gateway: LRU with a TTL, bounded by entries and
//! bytes, single-flight (concurrent identical misses make one upstream request), and
//! only successful responses stored. Keys are canonical: the path with its query
//! parameters sorted, plus the Accept header, so equivalent requests share an entry.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::HeaderValue;
use http::header::CONTENT_TYPE;

use crate::shared::Shared;
use crate::egress::upstream::UpstreamError;

/// How long an instance waits for another instance's fetch of the same response (see
/// [`Shared::lock`]) before fetching it itself.
const SHARED_WAIT: Duration = Duration::from_secs(3);
const SHARED_POLL: Duration = Duration::from_millis(20);

/// What is kept of a successful response: all a guest gets to see, and when it was fetched.
#[derive(Clone, Debug)]
pub struct Cached {
    pub status: http::StatusCode,
    pub content_type: Option<HeaderValue>,
    pub body: Bytes,
    pub fetched_at: Instant,
}

impl Cached {
    pub fn from_response(response: http::Response<Bytes>) -> Cached {
        let content_type = response.headers().get(CONTENT_TYPE).cloned();
        Cached { status: response.status(), content_type, body: response.into_body(), fetched_at: Instant::now() }
    }

    pub fn to_response(&self) -> http::Response<Bytes> {
        let mut builder = http::Response::builder().status(self.status);
        if let Some(ct) = &self.content_type {
            builder = builder.header(CONTENT_TYPE, ct);
        }
        builder.body(self.body.clone()).expect("a status and a content type make a response")
    }
}

#[derive(Clone, Copy, Debug)]
pub struct CacheConfig {
    pub ttl: Duration,
    pub max_entries: u64,
    pub max_bytes: u64,
}

/// A fetch that did not produce a cacheable response (shared by all single-flight waiters).
#[derive(Debug)]
pub enum NotCached {
    /// A response, but not a 200: passed on, never stored.
    Response(Cached),
    Failed(UpstreamError),
}

pub struct ResponseCache {
    entries: moka::future::Cache<String, Cached>,
    /// The tenant whose responses these are: its keys in Redis start with it.
    namespace: String,
    ttl: Duration,
    /// Redis, when instances share their cache (`--redis-url`).
    shared: Option<Arc<Shared>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl CacheConfig {
    /// An entry's weight against `max_bytes`: its size, but at least max_bytes /
    /// max_entries, so that both bounds hold with one weigher.
    pub fn weight(&self, bytes: usize) -> u32 {
        let floor = (self.max_bytes / self.max_entries.max(1)).max(1);
        (bytes as u64).max(floor).min(u32::MAX as u64) as u32
    }
}

/// Entries expire `ttl` after their response was fetched: one fetched by another instance
/// arrives with an age, and is never served past its TTL.
struct Freshness(Duration);

impl moka::Expiry<String, Cached> for Freshness {
    fn expire_after_create(&self, _key: &String, value: &Cached, _now: Instant) -> Option<Duration> {
        Some(self.0.saturating_sub(value.fetched_at.elapsed()))
    }
}

impl ResponseCache {
    pub fn new(config: CacheConfig, shared: Option<Arc<Shared>>, namespace: &str) -> ResponseCache {
        let entries = moka::future::Cache::builder()
            .max_capacity(config.max_bytes)
            .weigher(move |key: &String, value: &Cached| config.weight(key.len() + value.body.len()))
            .expire_after(Freshness(config.ttl))
            .build();
        ResponseCache { entries, namespace: namespace.to_string(), ttl: config.ttl, shared, hits: AtomicU64::new(0), misses: AtomicU64::new(0) }
    }

    /// The response from the shared cache: there already, or fetched meanwhile by the
    /// instance holding its lock. `Err(true)` when this instance holds the lock now.
    async fn shared_answer(&self, shared: &Shared, key: &str) -> Result<Cached, bool> {
        if let Some(found) = shared.get(key).await.as_deref().and_then(decode) {
            return Ok(found);
        }
        if shared.lock(key).await != Some(false) {
            return Err(true); // this instance fetches (or Redis is away: it fetches anyway)
        }
        let deadline = Instant::now() + SHARED_WAIT;
        while Instant::now() < deadline {
            tokio::time::sleep(SHARED_POLL).await;
            if let Some(found) = shared.get(key).await.as_deref().and_then(decode) {
                return Ok(found);
            }
            if shared.locked(key).await != Some(true) {
                break; // the other fetch failed, or Redis went away
            }
        }
        Err(false)
    }

    /// The cached response for `key`, or the result of `fetch` (run once however many
    /// callers miss together); only 200 responses are stored.
    pub async fn get_or_fetch<F>(&self, key: String, fetch: F) -> Result<(Cached, bool), Arc<NotCached>>
    where
        F: Future<Output = Result<http::Response<Bytes>, UpstreamError>>,
    {
        let fetched = std::sync::atomic::AtomicBool::new(false);
        let result = self
            .entries
            .try_get_with(key.clone(), async {
                let mut locked = false;
                let shared_key = format!("{}:{key}", self.namespace);
                if let Some(shared) = &self.shared {
                    match self.shared_answer(shared, &shared_key).await {
                        Ok(found) => return Ok(found),
                        Err(holding) => locked = holding,
                    }
                }
                fetched.store(true, Ordering::Relaxed);
                let outcome = match fetch.await {
                    Ok(response) if response.status() == http::StatusCode::OK => Ok(Cached::from_response(response)),
                    Ok(response) => Err(NotCached::Response(Cached::from_response(response))),
                    Err(e) => Err(NotCached::Failed(e)),
                };
                if let Some(shared) = &self.shared {
                    if let Ok(cached) = &outcome {
                        // It ages from when it was fetched.
                        let left = self.ttl.saturating_sub(cached.fetched_at.elapsed());
                        if !left.is_zero() {
                            shared.put(&shared_key, &encode(cached), left).await;
                        }
                    }
                    if locked {
                        shared.unlock(&shared_key).await;
                    }
                }
                outcome
            })
            .await;
        let hit = result.is_ok() && !fetched.load(Ordering::Relaxed);
        if hit {
            self.hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.misses.fetch_add(1, Ordering::Relaxed);
        }
        result.map(|cached| (cached, hit))
    }

    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    /// Entries held (moka updates the count during its maintenance, so it may lag).
    pub fn size(&self) -> u64 {
        self.entries.entry_count()
    }

    /// `{entries, hits, misses, hitRate}` for reports.
    pub fn stats(&self) -> serde_json::Value {
        let (hits, misses) = (self.hits(), self.misses());
        let rate = if hits + misses == 0 { 0.0 } else { hits as f64 / (hits + misses) as f64 };
        serde_json::json!({"entries": self.size(), "hits": hits, "misses": misses, "hitRate": (rate * 1000.0).round() / 1000.0})
    }
}

/// The cache key of a request: Accept, then the path with its query parameters sorted
/// (the order tools add parameters in does not matter).
pub fn key(path_and_query: &str, accept: Option<&HeaderValue>) -> String {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    params.sort_unstable();
    let accept = accept.and_then(|a| a.to_str().ok()).unwrap_or("");
    format!("GET {accept} {path}?{}", params.join("&"))
}

/// A response as stored in Redis: status (2 bytes), fetched-at in ms since the Unix epoch
/// (8), content-type length (2) and bytes, then the body.
fn encode(cached: &Cached) -> Vec<u8> {
    let fetched_ms = (SystemTime::now() - cached.fetched_at.elapsed()).duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let content_type = cached.content_type.as_ref().map_or(&b""[..], HeaderValue::as_bytes);
    let mut out = Vec::with_capacity(12 + content_type.len() + cached.body.len());
    out.extend_from_slice(&cached.status.as_u16().to_be_bytes());
    out.extend_from_slice(&fetched_ms.to_be_bytes());
    out.extend_from_slice(&(content_type.len() as u16).to_be_bytes());
    out.extend_from_slice(content_type);
    out.extend_from_slice(&cached.body);
    out
}

fn decode(bytes: &[u8]) -> Option<Cached> {
    let status = http::StatusCode::from_u16(u16::from_be_bytes(bytes.get(..2)?.try_into().ok()?)).ok()?;
    let fetched_ms = u64::from_be_bytes(bytes.get(2..10)?.try_into().ok()?);
    let ct_len = u16::from_be_bytes(bytes.get(10..12)?.try_into().ok()?) as usize;
    let content_type = bytes.get(12..12 + ct_len)?;
    let content_type = (!content_type.is_empty()).then(|| HeaderValue::from_bytes(content_type).ok()).flatten();
    let body = Bytes::copy_from_slice(bytes.get(12 + ct_len..)?);
    // Its age, on this instance's clock (a clock behind the writer's reads as age 0).
    let age = SystemTime::now().duration_since(UNIX_EPOCH + Duration::from_millis(fetched_ms)).unwrap_or_default();
    let fetched_at = Instant::now().checked_sub(age)?;
    Some(Cached { status, content_type, body, fetched_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CacheConfig {
        CacheConfig { ttl: Duration::from_secs(60), max_entries: 500, max_bytes: 1 << 20 }
    }

    fn ok(body: &'static str) -> Result<http::Response<Bytes>, UpstreamError> {
        Ok(http::Response::builder().status(200).body(Bytes::from_static(body.as_bytes())).unwrap())
    }

    #[test]
    fn keys_are_canonical() {
        assert_eq!(key("meps?b=2&a=1", None), key("meps?a=1&b=2", None));
        assert_ne!(key("meps?a=1", None), key("meps?a=2", None));
        assert_ne!(key("meps", Some(&HeaderValue::from_static("a"))), key("meps", Some(&HeaderValue::from_static("b"))));
    }

    #[tokio::test]
    async fn stores_only_successes() {
        let cache = ResponseCache::new(config(), None, "t");
        let (first, hit) = cache.get_or_fetch("k".into(), async { ok("x") }).await.unwrap();
        assert!(!hit && first.body == "x");
        let (_, hit) = cache.get_or_fetch("k".into(), async { ok("y") }).await.unwrap();
        assert!(hit);
        let failing = || async { Ok(http::Response::builder().status(500).body(Bytes::new()).unwrap()) };
        assert!(cache.get_or_fetch("e".into(), failing()).await.is_err());
        assert!(cache.get_or_fetch("e".into(), failing()).await.is_err(), "errors are not cached");
        assert_eq!((cache.hits(), cache.misses()), (1, 3));
    }

    #[tokio::test]
    async fn concurrent_misses_fetch_once() {
        let cache = ResponseCache::new(config(), None, "t");
        let calls = AtomicU64::new(0);
        let fetch = || async {
            calls.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(50)).await;
            ok("x")
        };
        let (a, b) = tokio::join!(cache.get_or_fetch("k".into(), fetch()), cache.get_or_fetch("k".into(), fetch()));
        assert!(a.is_ok() && b.is_ok());
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn entries_expire() {
        let cache = ResponseCache::new(CacheConfig { ttl: Duration::from_millis(50), ..config() }, None, "t");
        cache.get_or_fetch("k".into(), async { ok("x") }).await.unwrap();
        tokio::time::sleep(Duration::from_millis(80)).await;
        let (_, hit) = cache.get_or_fetch("k".into(), async { ok("y") }).await.unwrap();
        assert!(!hit, "no stale entries");
    }

    #[test]
    fn a_response_survives_the_round_trip_with_its_age() {
        let fetched_at = Instant::now() - Duration::from_secs(5);
        let cached = Cached { status: http::StatusCode::OK, content_type: Some(HeaderValue::from_static("application/ld+json")), body: Bytes::from_static(b"{\"data\":[]}"), fetched_at };
        let back = decode(&encode(&cached)).unwrap();
        assert_eq!((back.status, back.content_type, back.body), (cached.status, cached.content_type, cached.body));
        let age = back.fetched_at.elapsed().as_secs_f64();
        assert!((4.9..5.2).contains(&age), "age {age}");
        assert!(decode(b"\x00").is_none(), "truncated");
    }
}

/// What the responses one call read allow of its result: reuse until the oldest of them
/// expires, if every one of them came from (or went into) the cache; and how many of its
/// requests the gateway refused.
#[derive(Debug, Default)]
pub struct Provenance {
    state: std::sync::Mutex<ProvenanceState>,
}

#[derive(Debug, Default)]
struct ProvenanceState {
    oldest: Option<Instant>,
    uncacheable: bool,
    /// Requests the gateway refused (for anomaly detection).
    denied: u32,
}

impl Provenance {
    pub fn read(&self, response: &Cached) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.oldest = Some(state.oldest.map_or(response.fetched_at, |o| o.min(response.fetched_at)));
    }

    /// A response that was not cached (an error, a non-200, no cache): the result is not reusable.
    pub fn uncacheable(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).uncacheable = true;
    }

    /// A request the gateway refused: never reusable, and counted.
    pub fn denied(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.uncacheable = true;
        state.denied += 1;
    }

    /// Requests the gateway refused during the call.
    pub fn denials(&self) -> u32 {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).denied
    }

    /// When the oldest response was fetched, if the result may be reused; a call that
    /// read nothing upstream is not reused (its result may not come from EP data at all).
    pub fn fresh_since(&self) -> Option<Instant> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.uncacheable { None } else { state.oldest }
    }
}
