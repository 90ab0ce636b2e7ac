//! Rate limits: a token bucket per client identity for calls (a tool may cost more than
//! one token), and one per EP API endpoint for upstream requests, so that together the
//! tools stay within the API's published budget. Buckets are governor's GCRA.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

/// Calls per client: `burst` tokens, refilled at `burst` per `window`.
#[derive(Debug, Clone)]
pub struct CallQuota {
    pub burst: u32,
    pub window: Duration,
    /// Tokens a call of a tool costs (default 1).
    pub costs: HashMap<String, u32>,
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

pub struct CallLimiter {
    limiter: Keyed,
    quota: CallQuota,
    clock: DefaultClock,
}

impl CallLimiter {
    pub fn new(quota_config: CallQuota) -> CallLimiter {
        CallLimiter {
            limiter: RateLimiter::keyed(quota(quota_config.burst, quota_config.window)),
            quota: quota_config,
            clock: DefaultClock::default(),
        }
    }

    pub fn cost(&self, tool: &str) -> u32 {
        self.quota.costs.get(tool).copied().unwrap_or(1)
    }

    /// Takes the tool's cost from the client's bucket, or says when to retry.
    pub fn admit(&self, client: &str, tool: &str) -> Result<(), RetryAfter> {
        let cost = NonZeroU32::new(self.cost(tool)).expect("costs are at least 1");
        match self.limiter.check_key_n(&client.to_string(), cost) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(RetryAfter(not_until.wait_time_from(self.clock.now()))),
            // More than the whole burst: it can never fit.
            Err(_) => Err(RetryAfter(self.quota.window)),
        }
    }

    pub fn quota(&self) -> &CallQuota {
        &self.quota
    }
}

/// Requests to the EP API per endpoint (first path segment): the API promises 500 per
/// 5 minutes per endpoint. A request waits for its token up to `max_wait`.
pub struct UpstreamLimiter {
    limiter: Keyed,
    max_wait: Duration,
    clock: DefaultClock,
}

impl UpstreamLimiter {
    pub fn new(per_window: u32, window: Duration, max_wait: Duration) -> UpstreamLimiter {
        UpstreamLimiter { limiter: RateLimiter::keyed(quota(per_window, window)), max_wait, clock: DefaultClock::default() }
    }

    /// Waits for a token of `path`'s endpoint, or refuses when the wait would be too long.
    pub async fn acquire(&self, path: &str) -> Result<(), RetryAfter> {
        let endpoint = path.split(['/', '?']).next().unwrap_or(path).to_string();
        loop {
            match self.limiter.check_key(&endpoint) {
                Ok(()) => return Ok(()),
                Err(not_until) => {
                    let wait = not_until.wait_time_from(self.clock.now());
                    if wait > self.max_wait {
                        return Err(RetryAfter(wait));
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(burst: u32, window_ms: u64) -> CallLimiter {
        let costs = [("heavy".to_string(), 3)].into();
        CallLimiter::new(CallQuota { burst, window: Duration::from_millis(window_ms), costs })
    }

    #[test]
    fn the_call_after_the_burst_is_refused_then_the_bucket_refills() {
        let l = limiter(3, 300);
        for _ in 0..3 {
            assert!(l.admit("a", "t").is_ok());
        }
        let retry = l.admit("a", "t").unwrap_err();
        assert!(retry.0 <= Duration::from_millis(100) && retry.secs() == 1, "{retry:?}");
        assert!(l.admit("b", "t").is_ok(), "buckets are per client");
        std::thread::sleep(Duration::from_millis(120));
        assert!(l.admit("a", "t").is_ok(), "refilled");
    }

    #[test]
    fn tools_can_cost_more() {
        let l = limiter(4, 60_000);
        assert!(l.admit("a", "heavy").is_ok());
        assert!(l.admit("a", "heavy").is_err(), "3 + 3 > 4");
        assert!(l.admit("a", "t").is_ok());
        assert!(limiter(2, 1000).admit("a", "heavy").is_err(), "more than the burst never fits");
    }

    #[tokio::test]
    async fn upstream_requests_wait_or_are_refused() {
        let l = UpstreamLimiter::new(2, Duration::from_millis(200), Duration::from_millis(150));
        assert!(l.acquire("meps/1?x").await.is_ok());
        assert!(l.acquire("meps/2").await.is_ok());
        let started = std::time::Instant::now();
        assert!(l.acquire("meps/3").await.is_ok(), "waits ~100 ms for the next token");
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert!(l.acquire("procedures").await.is_ok(), "per endpoint");
        let strict = UpstreamLimiter::new(1, Duration::from_secs(60), Duration::from_millis(10));
        assert!(strict.acquire("meps").await.is_ok());
        assert!(strict.acquire("meps").await.is_err());
    }
}
