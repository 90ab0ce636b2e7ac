//! The circuit breaker on the EP API: after `failures` consecutive failed requests
//! (timeouts, connection failures, protocol errors, 5xx) it opens, and for `open_for`
//! every request that would go upstream is refused at once ("retry after N s") instead of
//! waiting on a failing API. Then one request goes through as a probe (half-open): its
//! success closes the breaker, its failure opens it again. Cache hits never reach it, so
//! cached data keeps being served while it is open.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::audit::Audit;
use crate::metrics::Metrics;

#[derive(Debug, Clone, Copy)]
pub struct BreakerConfig {
    /// Consecutive failures that open the breaker.
    pub failures: u32,
    /// How long it stays open before a probe.
    pub open_for: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

impl State {
    /// The gauge value and the name transitions are recorded under.
    fn name(self) -> (i64, &'static str) {
        match self {
            State::Closed { .. } => (0, "closed"),
            State::Open { .. } => (1, "open"),
            State::HalfOpen { .. } => (2, "half_open"),
        }
    }
}

pub struct Breaker {
    config: BreakerConfig,
    state: Mutex<State>,
    metrics: std::sync::Arc<Metrics>,
    audit: Audit,
}

/// Leave to send one request; report its outcome with [`Permit::succeeded`] or
/// [`Permit::failed`]. A probe dropped unreported (its call was cancelled) lets the next
/// request probe instead.
pub struct Permit<'a> {
    breaker: &'a Breaker,
    probe: bool,
    reported: bool,
}

impl Breaker {
    pub fn new(config: BreakerConfig, metrics: std::sync::Arc<Metrics>, audit: Audit) -> Breaker {
        metrics.breaker_state.set(0);
        Breaker { config, state: Mutex::new(State::Closed { failures: 0 }), metrics, audit }
    }

    /// Leave to send a request now, or the seconds until the breaker will let one through.
    pub fn admit(&self) -> Result<Permit<'_>, u64> {
        self.admit_at(Instant::now())
    }

    fn admit_at(&self, now: Instant) -> Result<Permit<'_>, u64> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match *state {
            State::Closed { .. } => Ok(Permit { breaker: self, probe: false, reported: false }),
            State::Open { until } if now < until => Err((until - now).as_secs_f64().ceil().max(1.0) as u64),
            State::Open { .. } | State::HalfOpen { probing: false } => {
                self.move_to(&mut state, State::HalfOpen { probing: true }, "the open period ended: one probe request");
                Ok(Permit { breaker: self, probe: true, reported: false })
            }
            // Another request is the probe: the others wait for its verdict.
            State::HalfOpen { probing: true } => Err(1),
        }
    }

    fn report(&self, probe: bool, ok: bool, now: Instant) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match (*state, ok) {
            (State::Closed { .. }, true) => *state = State::Closed { failures: 0 },
            (State::Closed { failures }, false) if failures + 1 >= self.config.failures => {
                let reason = format!("{} consecutive upstream failures", failures + 1);
                self.move_to(&mut state, State::Open { until: now + self.config.open_for }, &reason);
            }
            (State::Closed { failures }, false) => *state = State::Closed { failures: failures + 1 },
            (State::HalfOpen { .. }, true) if probe => self.move_to(&mut state, State::Closed { failures: 0 }, "the probe succeeded"),
            (State::HalfOpen { .. }, false) if probe => {
                self.move_to(&mut state, State::Open { until: now + self.config.open_for }, "the probe failed");
            }
            // A request admitted before the breaker opened, answering late: no verdict.
            _ => {}
        }
    }

    fn move_to(&self, state: &mut State, next: State, reason: &str) {
        let (from, to) = (state.name().1, next.name());
        *state = next;
        self.metrics.breaker_state.set(to.0);
        self.metrics.breaker_transition(to.1);
        let open_secs = self.config.open_for.as_secs();
        tracing::warn!(from, to = to.1, reason, "upstream circuit breaker");
        self.audit.record("breaker", serde_json::json!({"from": from, "to": to.1, "reason": reason, "openSeconds": open_secs}));
    }

    /// The state's name, for health reports.
    pub fn state(&self) -> &'static str {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).name().1
    }
}

impl Permit<'_> {
    pub fn succeeded(mut self) {
        self.reported = true;
        self.breaker.report(self.probe, true, Instant::now());
    }

    pub fn failed(mut self) {
        self.reported = true;
        self.breaker.report(self.probe, false, Instant::now());
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.probe && !self.reported {
            let mut state = self.breaker.state.lock().unwrap_or_else(|e| e.into_inner());
            if *state == (State::HalfOpen { probing: true }) {
                *state = State::HalfOpen { probing: false };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(failures: u32, open_secs: u64) -> Breaker {
        let config = BreakerConfig { failures, open_for: Duration::from_secs(open_secs) };
        Breaker::new(config, std::sync::Arc::new(Metrics::default()), Audit::off())
    }

    /// A request admitted and failed at `now`.
    fn fail(b: &Breaker, now: Instant) {
        let mut permit = b.admit_at(now).unwrap();
        permit.reported = true;
        b.report(permit.probe, false, now);
    }

    #[test]
    fn opens_after_consecutive_failures_only() {
        let b = breaker(3, 30);
        let now = Instant::now();
        fail(&b, now);
        fail(&b, now);
        b.admit_at(now).unwrap().succeeded(); // the count starts again
        fail(&b, now);
        fail(&b, now);
        assert_eq!(b.state(), "closed");
        fail(&b, now);
        assert_eq!(b.state(), "open");
        assert_eq!(b.admit_at(now + Duration::from_millis(100)).err(), Some(30), "refused at once, with the wait");
        assert_eq!(b.admit_at(now + Duration::from_secs(29)).err(), Some(1));
    }

    #[test]
    fn one_probe_when_the_open_period_ends_then_closed_or_open_again() {
        let b = breaker(1, 10);
        let t0 = Instant::now();
        b.admit_at(t0).unwrap().failed();
        let later = t0 + Duration::from_secs(11);
        let probe = b.admit_at(later).unwrap();
        assert_eq!(b.state(), "half_open");
        assert!(b.admit_at(later).is_err(), "only one probe at a time");
        probe.failed();
        assert_eq!(b.state(), "open");
        // Opened again when the probe failed (at the real now): refused for about 10 s.
        assert!(b.admit_at(Instant::now()).is_err());
        let probe = b.admit_at(Instant::now() + Duration::from_secs(11)).unwrap();
        probe.succeeded();
        assert_eq!(b.state(), "closed");
        assert!(b.admit_at(Instant::now()).is_ok());
    }

    #[test]
    fn a_cancelled_probe_lets_the_next_request_probe() {
        let b = breaker(1, 1);
        let t0 = Instant::now();
        b.admit_at(t0).unwrap().failed();
        let later = t0 + Duration::from_secs(2);
        drop(b.admit_at(later).unwrap());
        assert!(b.admit_at(later).is_ok(), "the dropped probe's turn passes on");
    }
}
