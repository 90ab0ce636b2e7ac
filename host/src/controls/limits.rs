//! Rate limits: a token bucket per client identity for calls (a tool may cost more than
//! one token), and one per EP API endpoint for upstream requests, so that together the
//! tools stay within the API's published budget. Buckets are governor's GCRA.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::shared::Shared;

type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

/// `burst` calls, refilled at `burst` per `window`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub burst: u32,
    pub window: Duration,
}

/// Calls per client identity: the rate of its role (or the default rate), and what each
/// tool costs. `None` as a rate: unlimited.
#[derive(Debug, Clone)]
pub struct CallQuota {
    pub default: Option<Rate>,
    /// Roles with their own rate (`None`: unlimited for that role).
    pub roles: HashMap<String, Option<Rate>>,
    /// Tokens a call of a tool costs (default 1).
    pub costs: HashMap<String, u32>,
}

impl CallQuota {
    pub fn rate_of(&self, role: &str) -> Option<Rate> {
        self.roles.get(role).copied().unwrap_or(self.default)
    }
}

/// Refused: how long until the request would fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds, at least 1, for messages.
    pub fn secs(self) -> u64 {
        self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0)
    }
}

fn quota(burst: u32, window: Duration) -> Quota {
    let burst = NonZeroU32::new(burst.max(1)).expect("at least 1");
    let period = (window / burst.get()).max(Duration::from_nanos(1));
    Quota::with_period(period).expect("a non-zero period").allow_burst(burst)
}

/// A governor check of n tokens as this module's answer: admitted, or when to retry.
fn checked(
    outcome: Result<Result<(), governor::NotUntil<<DefaultClock as Clock>::Instant>>, governor::InsufficientCapacity>,
    clock: &DefaultClock,
    window: Duration,
) -> Result<(), RetryAfter> {
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(not_until)) => Err(RetryAfter(not_until.wait_time_from(clock.now()))),
        // More than the whole burst: it can never fit.
        Err(_) => Err(RetryAfter(window)),
    }
}

/// One keyed bucket set per distinct rate; identities are keys within their role's set.
pub struct CallLimiter {
    by_role: HashMap<String, (Rate, Keyed)>,
    default: Option<(Rate, Keyed)>,
    quota: CallQuota,
    clock: DefaultClock,
    /// Redis: one bucket per identity for every instance (this instance's own while Redis is away).
    shared: Option<Arc<Shared>>,
}

impl CallLimiter {
    pub fn new(quota_config: CallQuota, shared: Option<Arc<Shared>>) -> CallLimiter {
        let buckets = |rate: Rate| (rate, RateLimiter::keyed(quota(rate.burst, rate.window)));
        let by_role = quota_config.roles.iter().filter_map(|(role, rate)| Some((role.clone(), buckets((*rate)?)))).collect();
        CallLimiter { by_role, default: quota_config.default.map(buckets), quota: quota_config, clock: DefaultClock::default(), shared }
    }

    pub fn cost(&self, tool: &str) -> u32 {
        self.quota.costs.get(tool).copied().unwrap_or(1)
    }

    fn buckets(&self, role: &str) -> Option<&(Rate, Keyed)> {
        match self.quota.roles.get(role) {
            Some(_) => self.by_role.get(role),
            None => self.default.as_ref(),
        }
    }

    /// Takes the tool's cost from the identity's bucket (under its role's rate), or says
    /// when to retry: the bucket all instances share when there is Redis.
    /// Identities are buckets within their tenant (`<tenant>:<identity>`). A tightened
    /// caller (anomaly detection) pays `factor` times the tool's cost.
    pub async fn admit(&self, tenant: &str, identity: &str, role: &str, tool: &str, factor: u32) -> Result<(), RetryAfter> {
        let identity = &format!("{tenant}:{identity}");
        let cost = self.cost(tool).saturating_mul(factor.max(1));
        let Some(((rate, _), shared)) = self.buckets(role).zip(self.shared.as_deref()) else { return self.admit_here(identity, role, cost) };
        match shared.take(&format!("call:{role}:{identity}"), rate.burst, rate.window, cost).await {
            Some(outcome) => outcome.map_err(RetryAfter),
            None => self.admit_here(identity, role, cost),
        }
    }

    /// As [`CallLimiter::admit`], on this instance's own bucket.
    fn admit_here(&self, identity: &str, role: &str, cost: u32) -> Result<(), RetryAfter> {
        let Some((rate, limiter)) = self.buckets(role) else { return Ok(()) };
        let cost = NonZeroU32::new(cost.max(1)).expect("costs are at least 1");
        checked(limiter.check_key_n(&identity.to_string(), cost), &self.clock, rate.window)
    }

    pub fn quota(&self) -> &CallQuota {
        &self.quota
    }
}

/// One bucket (a tenant's calls): shared by every instance through Redis, or this
/// instance's own while Redis is away.
pub struct Bucket {
    key: String,
    rate: Rate,
    local: RateLimiter<governor::state::NotKeyed, governor::state::InMemoryState, DefaultClock>,
    clock: DefaultClock,
}

impl Bucket {
    pub fn new(key: String, rate: Rate) -> Bucket {
        Bucket { key, rate, local: RateLimiter::direct(quota(rate.burst, rate.window)), clock: DefaultClock::default() }
    }

    pub async fn take(&self, shared: Option<&Shared>, cost: u32) -> Result<(), RetryAfter> {
        if let Some(shared) = shared
            && let Some(outcome) = shared.take(&self.key, self.rate.burst, self.rate.window, cost).await
        {
            return outcome.map_err(RetryAfter);
        }
        let cost = NonZeroU32::new(cost.max(1)).expect("at least 1");
        checked(self.local.check_n(cost), &self.clock, self.rate.window)
    }
}

/// Calls one identity may have running at once, so that one client cannot take every
/// sandbox slot. Identities idle for 10 minutes are forgotten (bounded memory).
pub struct ConcurrencyLimiter {
    per_identity: u32,
    slots: moka::sync::Cache<String, std::sync::Arc<tokio::sync::Semaphore>>,
}

impl ConcurrencyLimiter {
    pub fn new(per_identity: u32) -> ConcurrencyLimiter {
        let slots = moka::sync::Cache::builder().max_capacity(100_000).time_to_idle(Duration::from_secs(600)).build();
        ConcurrencyLimiter { per_identity, slots }
    }

    pub fn per_identity(&self) -> u32 {
        self.per_identity
    }

    /// A slot for one call of `identity`, held until the permit drops; `None` when all are taken.
    pub fn try_enter(&self, identity: &str) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let semaphore = self.slots.get_with_by_ref(identity, || std::sync::Arc::new(tokio::sync::Semaphore::new(self.per_identity as usize)));
        semaphore.try_acquire_owned().ok()
    }
}

/// At most `max` slots held at once per key (connections of an address, subscriptions of
/// a client), each given back when dropped; a key with none held is forgotten, so the
/// count is exact however long a slot is held.
pub struct KeyedSlots<K: std::hash::Hash + Eq + Clone> {
    held: Arc<std::sync::Mutex<std::collections::HashMap<K, usize>>>,
    max: usize,
}

/// One slot of a key, held until dropped.
pub struct KeySlot<K: std::hash::Hash + Eq + Clone> {
    held: Arc<std::sync::Mutex<std::collections::HashMap<K, usize>>>,
    key: K,
}

impl<K: std::hash::Hash + Eq + Clone> KeyedSlots<K> {
    pub fn new(max: usize) -> KeyedSlots<K> {
        KeyedSlots { held: Arc::default(), max }
    }

    /// A slot for `key`, or `None` when it holds `max` already.
    pub fn try_enter(&self, key: K) -> Option<KeySlot<K>> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let count = held.entry(key.clone()).or_default();
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(KeySlot { held: self.held.clone(), key })
    }

    /// Slots one key may hold.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Slots `key` holds now.
    #[cfg(test)]
    pub fn held(&self, key: &K) -> usize {
        self.held.lock().unwrap_or_else(|e| e.into_inner()).get(key).copied().unwrap_or(0)
    }
}

impl<K: std::hash::Hash + Eq + Clone> Drop for KeySlot<K> {
    fn drop(&mut self) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = held.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

/// Requests to the EP API per endpoint (first path segment): the API promises 500 per
/// 5 minutes per endpoint. A request waits for its token up to `max_wait`. The host has
/// one for the whole budget, and each tenant one for its share.
pub struct UpstreamLimiter {
    /// `""` for the host's budget, `<tenant>:` for a tenant's share (Redis key names).
    namespace: String,
    limiter: Keyed,
    rate: Rate,
    max_wait: Duration,
    clock: DefaultClock,
    /// Redis: one budget for every instance (this instance's own while Redis is away).
    shared: Option<Arc<Shared>>,
}

impl UpstreamLimiter {
    pub fn new(per_window: u32, window: Duration, max_wait: Duration, shared: Option<Arc<Shared>>, namespace: &str) -> UpstreamLimiter {
        let rate = Rate { burst: per_window, window };
        let namespace = namespace.to_string();
        UpstreamLimiter { namespace, limiter: RateLimiter::keyed(quota(per_window, window)), rate, max_wait, clock: DefaultClock::default(), shared }
    }

    /// Waits for a token of `path`'s endpoint, or refuses when the wait would be too long.
    pub async fn acquire(&self, path: &str) -> Result<(), RetryAfter> {
        let endpoint = path.split(['/', '?']).next().unwrap_or(path).to_string();
        let bucket = format!("upstream:{}{endpoint}", self.namespace);
        loop {
            // The budget all instances share, or this instance's own while Redis is away.
            let shared = match &self.shared {
                Some(shared) => shared.take(&bucket, self.rate.burst, self.rate.window, 1).await,
                None => None,
            };
            let taken = shared.unwrap_or_else(|| self.limiter.check_key(&endpoint).map_err(|not_until| not_until.wait_time_from(self.clock.now())));
            match taken {
                Ok(()) => return Ok(()),
                Err(wait) if wait > self.max_wait => return Err(RetryAfter(wait)),
                Err(wait) => tokio::time::sleep(wait).await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call of `tool` from this instance's bucket.
    fn take(l: &CallLimiter, identity: &str, role: &str, tool: &str) -> Result<(), RetryAfter> {
        l.admit_here(identity, role, l.cost(tool))
    }

    fn limiter(burst: u32, window_ms: u64) -> CallLimiter {
        let costs = [("heavy".to_string(), 3)].into();
        let default = Some(Rate { burst, window: Duration::from_millis(window_ms) });
        CallLimiter::new(CallQuota { default, roles: HashMap::new(), costs }, None)
    }

    #[test]
    fn the_call_after_the_burst_is_refused_then_the_bucket_refills() {
        let l = limiter(3, 300);
        for _ in 0..3 {
            assert!(take(&l, "a", "r", "t").is_ok());
        }
        let retry = take(&l, "a", "r", "t").unwrap_err();
        assert!(retry.0 <= Duration::from_millis(100) && retry.secs() == 1, "{retry:?}");
        assert!(take(&l, "b", "r", "t").is_ok(), "buckets are per client");
        std::thread::sleep(Duration::from_millis(120));
        assert!(take(&l, "a", "r", "t").is_ok(), "refilled");
    }

    #[test]
    fn tools_can_cost_more() {
        let l = limiter(4, 60_000);
        assert!(take(&l, "a", "r", "heavy").is_ok());
        assert!(take(&l, "a", "r", "heavy").is_err(), "3 + 3 > 4");
        assert!(take(&l, "a", "r", "t").is_ok());
        assert!(take(&limiter(2, 1000), "a", "r", "heavy").is_err(), "more than the burst never fits");
    }

    #[test]
    fn roles_have_their_own_rates() {
        let rate = |burst| Some(Rate { burst, window: Duration::from_secs(60) });
        let roles = [("public".to_string(), rate(1)), ("admin".to_string(), None)].into();
        let l = CallLimiter::new(CallQuota { default: rate(2), roles, costs: HashMap::new() }, None);
        assert!(take(&l, "anon", "public", "t").is_ok());
        assert!(take(&l, "anon", "public", "t").is_err(), "public: 1 call");
        for _ in 0..2 {
            assert!(take(&l, "key", "researcher", "t").is_ok(), "roles without their own rate get the default");
        }
        assert!(take(&l, "key", "researcher", "t").is_err());
        for _ in 0..10 {
            assert!(take(&l, "root", "admin", "t").is_ok(), "admin: unlimited");
        }
    }

    #[test]
    fn concurrent_calls_are_capped_per_identity() {
        let l = ConcurrencyLimiter::new(2);
        let (a, b) = (l.try_enter("a").unwrap(), l.try_enter("a").unwrap());
        assert!(l.try_enter("a").is_none(), "a third call of the same identity");
        assert!(l.try_enter("b").is_some(), "other identities are unaffected");
        drop(a);
        assert!(l.try_enter("a").is_some(), "a finished call frees its slot");
        drop(b);
    }

    #[tokio::test]
    async fn upstream_requests_wait_or_are_refused() {
        let l = UpstreamLimiter::new(2, Duration::from_millis(200), Duration::from_millis(150), None, "");
        assert!(l.acquire("meps/1?x").await.is_ok());
        assert!(l.acquire("meps/2").await.is_ok());
        let started = std::time::Instant::now();
        assert!(l.acquire("meps/3").await.is_ok(), "waits ~100 ms for the next token");
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert!(l.acquire("procedures").await.is_ok(), "per endpoint");
        let strict = UpstreamLimiter::new(1, Duration::from_secs(60), Duration::from_millis(10), None, "");
        assert!(strict.acquire("meps").await.is_ok());
        assert!(strict.acquire("meps").await.is_err());
    }
}
