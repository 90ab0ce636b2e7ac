//! Reuse of tool results. A call whose every EP response came from (or went into) the
//! response cache gives the same result as long as those responses are cached, so its
//! result is kept until the oldest of them expires: a repeated call then costs no
//! sandbox at all. Keys are the tenant, the component's digest, the tool, the validated
//! arguments and the UTC day (tools default date ranges to today). Bounded like the response cache.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::egress::cache::CacheConfig;

#[derive(Clone)]
struct Entry {
    value: Value,
    /// Serialised size, for the byte bound.
    bytes: u32,
    expires_at: Instant,
}

struct UntilSourcesExpire;

impl moka::Expiry<String, Entry> for UntilSourcesExpire {
    fn expire_after_create(&self, _key: &String, entry: &Entry, created_at: Instant) -> Option<Duration> {
        Some(entry.expires_at.saturating_duration_since(created_at))
    }
}

pub struct ResultCache {
    entries: moka::sync::Cache<String, Entry>,
    ttl: Duration,
    hits: AtomicU64,
}

impl ResultCache {
    pub fn new(config: CacheConfig) -> ResultCache {
        let entries = moka::sync::Cache::builder()
            .max_capacity(config.max_bytes)
            .weigher(move |key: &String, entry: &Entry| config.weight(key.len() + entry.bytes as usize))
            .expire_after(UntilSourcesExpire)
            .build();
        ResultCache { entries, ttl: config.ttl, hits: AtomicU64::new(0) }
    }

    /// Per tenant (a result is its tenant's, like the responses it came from), component
    /// build, tool, UTC day and validated arguments.
    pub fn key(tenant: &str, digest: &str, tool: &str, arguments: &Value) -> String {
        // The UTC day as a day number: cheaper than formatting a date on every call.
        let day = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400);
        format!("{tenant}\n{digest}\n{tool}\n{day}\n{arguments}")
    }

    /// A result still reusable, with its size in bytes.
    pub fn get(&self, key: &str) -> Option<(Value, usize)> {
        let entry = self.entries.get(key).filter(|e| e.expires_at > Instant::now())?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some((entry.value, entry.bytes as usize))
    }

    /// Keeps `value` until the responses it was computed from, the oldest fetched at
    /// `fresh_since`, leave the response cache.
    pub fn insert(&self, key: String, value: &Value, bytes: usize, fresh_since: Instant) {
        let expires_at = fresh_since + self.ttl;
        if expires_at > Instant::now() {
            let bytes = bytes.min(u32::MAX as usize) as u32;
            self.entries.insert(key, Entry { value: value.clone(), bytes, expires_at });
        }
    }

    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cache(ttl_ms: u64) -> ResultCache {
        ResultCache::new(CacheConfig { ttl: Duration::from_millis(ttl_ms), max_entries: 10, max_bytes: 1 << 20 })
    }

    #[test]
    fn results_live_only_as_long_as_their_sources() {
        let c = cache(200);
        let fetched = Instant::now() - Duration::from_millis(150);
        c.insert("k".into(), &json!({"a": 1}), 7, fetched);
        assert_eq!(c.get("k").map(|(v, _)| v), Some(json!({"a": 1})));
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(c.get("k"), None, "the source expired 50 ms after it was read, so did the result");
        c.insert("old".into(), &json!(1), 1, Instant::now() - Duration::from_secs(1));
        assert_eq!(c.get("old"), None, "sources already expired: nothing kept");
        assert_eq!(c.hits(), 1);
    }

    #[test]
    fn keys_separate_components_tools_and_arguments() {
        let a = ResultCache::key("acme", "d1", "t", &json!({"id": "1"}));
        assert_ne!(a, ResultCache::key("beta", "d1", "t", &json!({"id": "1"})));
        assert_ne!(a, ResultCache::key("acme", "d2", "t", &json!({"id": "1"})));
        assert_ne!(a, ResultCache::key("acme", "d1", "u", &json!({"id": "1"})));
        assert_ne!(a, ResultCache::key("acme", "d1", "t", &json!({"id": "2"})));
    }
}
