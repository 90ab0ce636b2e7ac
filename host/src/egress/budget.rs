//! The EP API's request budget: the API asks for at most 500 requests per 5 minutes per
//! endpoint, so every request that leaves the host takes a token of its endpoint first.

use std::sync::Arc;
use std::time::Duration;

use governor::RateLimiter;
use governor::clock::{Clock, DefaultClock};

use crate::rate::{Keyed, Rate, RetryAfter, quota};
use crate::shared::Shared;

/// Requests to the EP API per endpoint (first path segment): the API promises 500 per
/// 5 minutes per endpoint. A request waits for its token up to `max_wait`. The host has
/// one for the whole budget, and each tenant one for its share.
pub struct Budget {
    /// `""` for the host's budget, `<tenant>:` for a tenant's share (Redis key names).
    namespace: String,
    limiter: Keyed,
    rate: Rate,
    max_wait: Duration,
    clock: DefaultClock,
    /// Redis: one budget for every instance (this instance's own while Redis is away).
    shared: Option<Arc<Shared>>,
}

/// The API's window: its budget is counted per 5 minutes.
const WINDOW: Duration = Duration::from_secs(300);
/// How long a request may wait for its endpoint's token before it fails.
const MAX_WAIT: Duration = Duration::from_secs(5);

impl Budget {
    /// `per_5min` requests per endpoint; `namespace` is `""` for the host's budget and
    /// `<tenant>:` for a tenant's share.
    pub fn per_5min(per_5min: u32, shared: Option<Arc<Shared>>, namespace: &str) -> Budget {
        Budget::new(per_5min, WINDOW, MAX_WAIT, shared, namespace)
    }

    fn new(per_window: u32, window: Duration, max_wait: Duration, shared: Option<Arc<Shared>>, namespace: &str) -> Budget {
        let rate = Rate { burst: per_window, window };
        let namespace = namespace.to_string();
        Budget { namespace, limiter: RateLimiter::keyed(quota(per_window, window)), rate, max_wait, clock: DefaultClock::default(), shared }
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

    #[tokio::test]
    async fn upstream_requests_wait_or_are_refused() {
        let l = Budget::new(2, Duration::from_millis(200), Duration::from_millis(150), None, "");
        assert!(l.acquire("meps/1?x").await.is_ok());
        assert!(l.acquire("meps/2").await.is_ok());
        let started = std::time::Instant::now();
        assert!(l.acquire("meps/3").await.is_ok(), "waits ~100 ms for the next token");
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert!(l.acquire("procedures").await.is_ok(), "per endpoint");
        let strict = Budget::new(1, Duration::from_secs(60), Duration::from_millis(10), None, "");
        assert!(strict.acquire("meps").await.is_ok());
        assert!(strict.acquire("meps").await.is_err());
    }
}
