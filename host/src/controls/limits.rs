//! Call limits: a token bucket per client identity (a tool may cost more than one
//! token) and a cap on the calls one identity has running at once.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::RateLimiter;
use governor::clock::DefaultClock;

use crate::rate::{Keyed, Rate, RetryAfter, checked, quota};
use crate::shared::Shared;

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
}
