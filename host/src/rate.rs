//! Rate primitives the controls and the egress budget share: a rate, the wait a refusal
//! names, a token bucket kept in Redis when instances share state (governor's GCRA
//! otherwise), and slots counted per key.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::shared::Shared;

/// governor's buckets, one per key.
pub type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

/// `burst` calls, refilled at `burst` per `window`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub burst: u32,
    pub window: Duration,
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

pub fn quota(burst: u32, window: Duration) -> Quota {
    let burst = NonZeroU32::new(burst.max(1)).expect("at least 1");
    let period = (window / burst.get()).max(Duration::from_nanos(1));
    Quota::with_period(period).expect("a non-zero period").allow_burst(burst)
}

/// A governor check of n tokens as this module's answer: admitted, or when to retry.
pub fn checked(
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
