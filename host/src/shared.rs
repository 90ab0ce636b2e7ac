//! State shared by every instance through Redis (`--redis-url`): cached EP API
//! responses, single-flight locks and rate-limit buckets, so that instances behind a load
//! balancer act as one. Every operation has a short deadline; when Redis fails or is slow
//! the instance carries on with its local state (the fallback is counted, logged once
//! per outage and shown by /readyz), skips Redis for a moment, then tries it again.
//!
//! Keys (`PREFIX` = `epmcp:`):
//! - `epmcp:cache:<cache key>` — one response: status, content type, when it was fetched, body; expires with the cache TTL.
//! - `epmcp:lock:<cache key>` — held for at most [`LOCK_TTL`] by the instance fetching that response.
//! - `epmcp:usage:<tenant>` — a tenant's usage counters summed over instances (a hash).
//! - `epmcp:anomaly:action:<subject>` — a response to an anomaly in force (JSON), expiring with it; `epmcp:anomaly:strikes:<subject>` — its blocks within the hour.
//! - `epmcp:rate:call:<role>:<identity>` — an identity's call bucket, and `epmcp:rate:upstream:<endpoint>` an EP API endpoint's request budget: each its theoretical arrival time in ms (GCRA), expiring when full again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::metrics::Metrics;

pub const PREFIX: &str = "epmcp:";
/// How long one Redis operation may take before the instance goes on without it.
const OP_TIMEOUT: Duration = Duration::from_millis(250);
/// After a failure, Redis is left alone this long (no request pays the timeout meanwhile).
const BACK_OFF: Duration = Duration::from_secs(1);
/// A fetching instance's lock expires after this, even if the instance died.
pub const LOCK_TTL: Duration = Duration::from_secs(10);

/// GCRA token bucket on Redis's own clock, atomic across instances. KEYS[1]: the bucket;
/// ARGV: ms per token, burst, cost. Returns 0 when admitted, else ms until it would be.
const TAKE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval * cost
local allowed_at = new_tat - interval * burst
if allowed_at > now then return allowed_at - now end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, math.ceil(new_tat - now)))
return 0
"#;

pub struct Shared {
    connection: ConnectionManager,
    take: redis::Script,
    /// Until when Redis is skipped after a failure (ms since start; 0: not skipped).
    skip_until_ms: AtomicU64,
    up: AtomicBool,
    started: Instant,
    metrics: Arc<Metrics>,
}

impl Shared {
    /// A client for `url` (`redis://` or `rediss://`, password in the URL). Connects
    /// lazily: an instance starts, and serves, while Redis is still down.
    /// With rediss://, `ca` replaces the public roots and `client` (certificate, key; PEM)
    /// is presented to a Redis that requires mutual TLS.
    pub fn new(url: &str, ca: Option<&[u8]>, client: Option<&(Vec<u8>, Vec<u8>)>, metrics: Arc<Metrics>) -> Result<Shared> {
        let client_tls = client.map(|(cert, key)| redis::ClientTlsConfig { client_cert: cert.clone(), client_key: key.clone() });
        let client = match (ca, client_tls) {
            (None, None) => redis::Client::open(url),
            (ca, client_tls) => redis::Client::build_with_tls(url, redis::TlsCertificates { client_tls, root_cert: ca.map(<[u8]>::to_vec) }),
        }
        .context("--redis-url")?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(OP_TIMEOUT))
            .set_response_timeout(Some(OP_TIMEOUT))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client, config).context("--redis-url")?;
        metrics.redis_up.set(1);
        Ok(Shared { connection, take: redis::Script::new(TAKE), skip_until_ms: AtomicU64::new(0), up: AtomicBool::new(true), started: Instant::now(), metrics })
    }

    /// Whether the last operation reached Redis (for /readyz).
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// Runs one operation unless Redis is being skipped; `None` when it failed or was
    /// skipped (the caller falls back on local state).
    async fn run<T, F>(&self, op: &'static str, f: impl Fn(ConnectionManager) -> F) -> Option<T>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        let now_ms = self.started.elapsed().as_millis() as u64;
        if now_ms < self.skip_until_ms.load(Ordering::Relaxed) {
            self.metrics.redis_fallback(op);
            return None;
        }
        // A connection Redis dropped (a restart) fails once and is re-established by the
        // manager: that case gets a second try within the same deadline.
        let attempt = async {
            match f(self.connection.clone()).await {
                Err(e) if e.is_connection_dropped() || e.is_io_error() => f(self.connection.clone()).await,
                outcome => outcome,
            }
        };
        match tokio::time::timeout(OP_TIMEOUT, attempt).await {
            Ok(Ok(value)) => {
                if !self.up.swap(true, Ordering::Relaxed) {
                    self.metrics.redis_up.set(1);
                    tracing::info!("redis reachable again: shared cache and limits resume");
                }
                Some(value)
            }
            outcome => {
                let reason = match outcome {
                    Ok(Err(e)) => e.to_string(),
                    _ => format!("no answer within {} ms", OP_TIMEOUT.as_millis()),
                };
                self.skip_until_ms.store(now_ms + BACK_OFF.as_millis() as u64, Ordering::Relaxed);
                self.metrics.redis_fallback(op);
                if self.up.swap(false, Ordering::Relaxed) {
                    self.metrics.redis_up.set(0);
                    tracing::warn!(op, "redis unavailable ({reason}): serving with this instance's own cache and limits");
                }
                None
            }
        }
    }

    /// A cached response's bytes, if another instance (or this one) stored them.
    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        let key = &format!("{PREFIX}cache:{key}");
        self.run("get", |mut c| async move { redis::cmd("GET").arg(key).query_async::<Option<Vec<u8>>>(&mut c).await }).await?
    }

    /// Stores a response's bytes for `ttl`.
    pub async fn put(&self, key: &str, value: &[u8], ttl: Duration) {
        let key = &format!("{PREFIX}cache:{key}");
        let px = ttl.as_millis().max(1) as u64;
        let _: Option<()> = self.run("put", |mut c| async move { redis::cmd("SET").arg(key).arg(value).arg("PX").arg(px).query_async(&mut c).await }).await;
    }

    /// Takes the fetch lock of a cache key: `Some(true)` when this instance should fetch.
    pub async fn lock(&self, key: &str) -> Option<bool> {
        let key = &format!("{PREFIX}lock:{key}");
        let px = LOCK_TTL.as_millis() as u64;
        let set: Option<String> = self.run("lock", |mut c| async move { redis::cmd("SET").arg(key).arg(1).arg("NX").arg("PX").arg(px).query_async(&mut c).await }).await?;
        Some(set.is_some())
    }

    /// Whether another instance is fetching that response.
    pub async fn locked(&self, key: &str) -> Option<bool> {
        let key = &format!("{PREFIX}lock:{key}");
        self.run("lock", |mut c| async move { redis::cmd("EXISTS").arg(key).query_async(&mut c).await }).await
    }

    pub async fn unlock(&self, key: &str) {
        let key = &format!("{PREFIX}lock:{key}");
        let _: Option<i64> = self.run("unlock", |mut c| async move { redis::cmd("DEL").arg(key).query_async(&mut c).await }).await;
    }

    /// Takes `cost` tokens from a shared bucket of `burst` refilled over `window`:
    /// `Some(Ok)` admitted, `Some(Err(wait))` refused, `None` Redis unavailable.
    pub async fn take(&self, bucket: &str, burst: u32, window: Duration, cost: u32) -> Option<Result<(), Duration>> {
        let key = &format!("{PREFIX}rate:{bucket}");
        let interval_ms = (window.as_millis() as f64 / f64::from(burst.max(1))).max(0.001);
        let script = &self.take;
        let wait_ms: f64 = self
            .run("rate", |mut c| async move { script.key(key).arg(interval_ms).arg(burst).arg(cost).invoke_async(&mut c).await })
            .await?;
        Some(if wait_ms <= 0.0 { Ok(()) } else { Err(Duration::from_millis(wait_ms.ceil() as u64)) })
    }
}

impl Shared {
    /// Increments a counter that expires `ttl` after its first increment; its new value.
    pub async fn incr_with_ttl(&self, key: &str, ttl: Duration) -> Option<u64> {
        let key = &format!("{PREFIX}{key}");
        let px = ttl.as_millis() as u64;
        self.run("anomaly", |mut c| async move {
            let (count,): (u64,) = redis::pipe().atomic().incr(key, 1).cmd("PEXPIRE").arg(key).arg(px).arg("NX").ignore().query_async(&mut c).await?;
            Ok(count)
        })
        .await
    }

    pub async fn set_with_ttl(&self, key: &str, value: &[u8], ttl: Duration) {
        let key = &format!("{PREFIX}{key}");
        let px = ttl.as_millis().max(1) as u64;
        let _: Option<()> = self.run("anomaly", |mut c| async move { redis::cmd("SET").arg(key).arg(value).arg("PX").arg(px).query_async(&mut c).await }).await;
    }

    /// Adds to the fields of a hash (counters summed over instances); whether Redis took it.
    pub async fn add_counts(&self, key: &str, fields: &[(&str, u64)]) -> bool {
        let key = &format!("{PREFIX}{key}");
        self.run("usage", |mut c| async move {
            let mut pipe = redis::pipe();
            for (field, n) in fields {
                pipe.hincr(key, *field, *n).ignore();
            }
            pipe.query_async::<()>(&mut c).await
        })
        .await
        .is_some()
    }

    /// A hash of counters.
    pub async fn counts(&self, key: &str) -> Option<std::collections::HashMap<String, u64>> {
        let key = &format!("{PREFIX}{key}");
        self.run("usage", |mut c| async move { redis::cmd("HGETALL").arg(key).query_async(&mut c).await }).await
    }

    pub async fn delete(&self, key: &str) {
        let key = &format!("{PREFIX}{key}");
        let _: Option<i64> = self.run("anomaly", |mut c| async move { redis::cmd("DEL").arg(key).query_async(&mut c).await }).await;
    }

    /// The values of every key starting with `prefix` (a few: the responses in force).
    pub async fn scan_values(&self, prefix: &str) -> Option<Vec<Vec<u8>>> {
        let pattern = &format!("{PREFIX}{prefix}*");
        self.run("anomaly", |mut c| async move {
            let mut keys: Vec<String> = Vec::new();
            let mut cursor: u64 = 0;
            loop {
                let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(500).query_async(&mut c).await?;
                keys.extend(batch);
                cursor = next;
                if cursor == 0 || keys.len() >= 10_000 {
                    break;
                }
            }
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let values: Vec<Option<Vec<u8>>> = redis::cmd("MGET").arg(&keys).query_async(&mut c).await?;
            Ok(values.into_iter().flatten().collect())
        })
        .await
    }
}
