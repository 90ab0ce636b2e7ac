//! The host's metrics (prometheus-client): counters and histograms the controls update,
//! encoded as Prometheus text for `/metrics` on `--metrics-listen`. Label values are
//! bounded: tool names come from the registry (anything else is `unknown`), endpoints
//! are the first path segment, reasons and kinds are fixed words.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use serde_json::{Value, json};

type Labels = Vec<(&'static str, String)>;

fn duration_histogram() -> Histogram {
    // 0.1 ms … ~26 s
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(0.1, 2.0, 19))
}

pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<Labels, Counter>,
    request_duration_ms: Family<Labels, Histogram, fn() -> Histogram>,
    validation_failures: Family<Labels, Counter>,
    rate_limit_violations: Family<Labels, Counter>,
    egress_denials: Family<Labels, Counter>,
    sandbox_traps: Family<Labels, Counter>,
    upstream_requests: Family<Labels, Counter>,
    upstream_duration_ms: Family<Labels, Histogram, fn() -> Histogram>,
    /// Responses held by each tenant's cache.
    cache_size: Family<Labels, Gauge>,
    /// Streamable HTTP sessions open, by state (awake, asleep).
    http_sessions: Family<Labels, Gauge>,
    pub cache_hits: Counter,
    pub cache_misses: Counter,
    results_reused: Family<Labels, Counter>,
    auth_failures: Family<Labels, Counter>,
    component_changes: Family<Labels, Counter>,
    /// The upstream circuit breaker: 0 closed, 1 open, 2 half-open.
    pub breaker_state: Gauge,
    breaker_transitions: Family<Labels, Counter>,
    /// Redis (`--redis-url`): 1 reachable, 0 not (local state serves meanwhile).
    pub redis_up: Gauge,
    redis_fallbacks: Family<Labels, Counter>,
    anomaly_responses: Family<Labels, Counter>,
    /// Per tenant (label values: the configured tenant names, at most 64).
    tenant_calls: Family<Labels, Counter>,
    tenant_refused: Family<Labels, Counter>,
    tenant_upstream_requests: Family<Labels, Counter>,
    tenant_upstream_bytes: Family<Labels, Counter>,
    tenant_result_bytes: Family<Labels, Counter>,
    /// Totals kept for get_server_health.
    egress_denials_total: AtomicU64,
    rate_limit_violations_total: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        let m = Metrics {
            registry: Mutex::new(Registry::default()),
            requests: Family::default(),
            request_duration_ms: Family::new_with_constructor(duration_histogram),
            validation_failures: Family::default(),
            rate_limit_violations: Family::default(),
            egress_denials: Family::default(),
            sandbox_traps: Family::default(),
            upstream_requests: Family::default(),
            upstream_duration_ms: Family::new_with_constructor(duration_histogram),
            cache_size: Family::default(),
            http_sessions: Family::default(),
            cache_hits: Counter::default(),
            cache_misses: Counter::default(),
            results_reused: Family::default(),
            auth_failures: Family::default(),
            component_changes: Family::default(),
            breaker_state: Gauge::default(),
            breaker_transitions: Family::default(),
            redis_up: Gauge::default(),
            redis_fallbacks: Family::default(),
            anomaly_responses: Family::default(),
            tenant_calls: Family::default(),
            tenant_refused: Family::default(),
            tenant_upstream_requests: Family::default(),
            tenant_upstream_bytes: Family::default(),
            tenant_result_bytes: Family::default(),
            egress_denials_total: AtomicU64::new(0),
            rate_limit_violations_total: AtomicU64::new(0),
        };
        {
            let mut r = m.registry.lock().unwrap_or_else(|e| e.into_inner());
            r.register("requests", "Tool calls by tool and status (ok, error, refused)", m.requests.clone());
            r.register("request_duration_ms", "Tool call duration in milliseconds", m.request_duration_ms.clone());
            r.register("validation_failures", "Calls refused by input validation", m.validation_failures.clone());
            r.register("rate_limit_violations", "Calls refused by a client's rate limit", m.rate_limit_violations.clone());
            r.register("egress_denials", "Guest requests refused by the egress gateway", m.egress_denials.clone());
            r.register("sandbox_traps", "Calls stopped by the sandbox (deadline, memory, crash, output)", m.sandbox_traps.clone());
            r.register("upstream_requests", "Requests sent to the EP API by endpoint and status", m.upstream_requests.clone());
            r.register("upstream_duration_ms", "EP API request duration in milliseconds", m.upstream_duration_ms.clone());
            r.register("cache_size", "Responses held by a tenant's cache", m.cache_size.clone());
            r.register("http_sessions", "Streamable HTTP sessions open, by state (an asleep one holds only its initialize)", m.http_sessions.clone());
            r.register("cache_hits", "Upstream requests answered from the cache", m.cache_hits.clone());
            r.register("cache_misses", "Upstream requests the cache could not answer", m.cache_misses.clone());
            r.register("auth_failures", "Requests refused by authentication, by reason", m.auth_failures.clone());
            r.register("component_changes", "Components loaded, replaced, removed or refused", m.component_changes.clone());
            r.register("upstream_breaker_state", "The EP API circuit breaker: 0 closed, 1 open, 2 half-open", m.breaker_state.clone());
            r.register("upstream_breaker_transitions", "Circuit breaker state changes, by the state entered", m.breaker_transitions.clone());
            r.register("redis_up", "Whether Redis answered the last shared-state operation (1) or not (0)", m.redis_up.clone());
            r.register("redis_fallbacks", "Shared-state operations served from this instance's own state, by operation", m.redis_fallbacks.clone());
            r.register("anomaly_responses", "Responses to anomalous behaviour (log, tighten, block, isolate)", m.anomaly_responses.clone());
            r.register("tenant_calls", "Tool calls by tenant", m.tenant_calls.clone());
            r.register("tenant_refused_calls", "Tool calls refused (role, limits, validation, blocks) by tenant", m.tenant_refused.clone());
            r.register("tenant_upstream_requests", "EP API requests sent for a tenant's calls", m.tenant_upstream_requests.clone());
            r.register("tenant_upstream_bytes", "EP API response bytes read for a tenant's calls", m.tenant_upstream_bytes.clone());
            r.register("tenant_result_bytes", "Result bytes returned to a tenant's callers", m.tenant_result_bytes.clone());
            r.register("results_reused", "Tool calls answered with a result computed from still-cached responses", m.results_reused.clone());
        }
        m
    }
}

impl Metrics {
    pub fn request(&self, tool: &str, status: &'static str, duration_ms: f64) {
        let tool = vec![("tool", tool.to_string())];
        let mut with_status = tool.clone();
        with_status.push(("status", status.to_string()));
        self.requests.get_or_create(&with_status).inc();
        self.request_duration_ms.get_or_create(&tool).observe(duration_ms);
    }

    pub fn validation_failed(&self, tool: &str, error_type: &'static str) {
        self.validation_failures.get_or_create(&vec![("tool", tool.to_string()), ("error_type", error_type.to_string())]).inc();
    }

    pub fn rate_limited(&self, tool: &str) {
        self.rate_limit_violations.get_or_create(&vec![("tool", tool.to_string())]).inc();
        self.rate_limit_violations_total.fetch_add(1, Ordering::Relaxed);
    }

    pub fn auth_failed(&self, reason: &'static str) {
        self.auth_failures.get_or_create(&vec![("reason", reason.to_string())]).inc();
    }

    pub fn result_reused(&self, tool: &str) {
        self.results_reused.get_or_create(&vec![("tool", tool.to_string())]).inc();
    }

    pub fn egress_denied(&self, tool: &str, reason: &'static str) {
        self.egress_denials.get_or_create(&vec![("tool", tool.to_string()), ("reason", reason.to_string())]).inc();
        self.egress_denials_total.fetch_add(1, Ordering::Relaxed);
    }

    pub fn sandbox_trap(&self, tool: &str, kind: &'static str) {
        self.sandbox_traps.get_or_create(&vec![("tool", tool.to_string()), ("kind", kind.to_string())]).inc();
    }

    pub fn component_change(&self, action: &'static str) {
        self.component_changes.get_or_create(&vec![("action", action.to_string())]).inc();
    }

    pub fn redis_fallback(&self, op: &'static str) {
        self.redis_fallbacks.get_or_create(&vec![("op", op.to_string())]).inc();
    }

    pub fn http_sessions(&self, awake: usize, asleep: usize) {
        self.http_sessions.get_or_create(&vec![("state", "awake".into())]).set(awake as i64);
        self.http_sessions.get_or_create(&vec![("state", "asleep".into())]).set(asleep as i64);
    }

    pub fn breaker_transition(&self, to: &'static str) {
        self.breaker_transitions.get_or_create(&vec![("to", to.to_string())]).inc();
    }

    pub fn upstream(&self, endpoint: &str, status: u16, duration_ms: f64) {
        let endpoint = vec![("endpoint", endpoint.to_string())];
        let mut with_status = endpoint.clone();
        with_status.push(("status", status.to_string()));
        self.upstream_requests.get_or_create(&with_status).inc();
        self.upstream_duration_ms.get_or_create(&endpoint).observe(duration_ms);
    }

    pub fn anomaly_response(&self, response: &'static str) {
        self.anomaly_responses.get_or_create(&vec![("response", response.to_string())]).inc();
    }

    pub fn cache_size(&self, tenant: &str, entries: u64) {
        self.cache_size.get_or_create(&vec![("tenant", tenant.to_string())]).set(entries as i64);
    }

    /// A tenant's usage counters, which are its metrics: one count, two readers.
    pub fn tenant_usage(&self, tenant: &str) -> Usage {
        let label = vec![("tenant", tenant.to_string())];
        Usage {
            calls: self.tenant_calls.get_or_create(&label).clone(),
            refused: self.tenant_refused.get_or_create(&label).clone(),
            upstream_requests: self.tenant_upstream_requests.get_or_create(&label).clone(),
            upstream_bytes: self.tenant_upstream_bytes.get_or_create(&label).clone(),
            result_bytes: self.tenant_result_bytes.get_or_create(&label).clone(),
        }
    }

    pub fn egress_denials_total(&self) -> u64 {
        self.egress_denials_total.load(Ordering::Relaxed)
    }

    pub fn rate_limit_violations_total(&self) -> u64 {
        self.rate_limit_violations_total.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        encode(&mut out, &registry).expect("writing to a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposes_prometheus_text() {
        let m = Metrics::default();
        m.request("get_meps", "ok", 1.5);
        m.validation_failed("get_meps", "schema");
        m.egress_denied("hostile_fetch", "host");
        let text = m.encode();
        assert!(text.contains(r#"requests_total{tool="get_meps",status="ok"} 1"#), "{text}");
        assert!(text.contains(r#"validation_failures_total{tool="get_meps",error_type="schema"} 1"#), "{text}");
        assert!(text.contains(r#"egress_denials_total{tool="hostile_fetch",reason="host"} 1"#), "{text}");
        assert!(text.contains("request_duration_ms_bucket"), "{text}");
        assert_eq!(m.egress_denials_total(), 1);
    }
}

/// What a tenant used, on this instance since it started: handles on its metrics
/// (`tenant_*_total{tenant=…}`), so `admin_tenants` and /metrics read the same counts.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    pub calls: Counter,
    pub refused: Counter,
    pub upstream_requests: Counter,
    pub upstream_bytes: Counter,
    pub result_bytes: Counter,
}

/// The usage counters' names, in [`Usage::counts`] order (also their Redis hash fields).
pub const USAGE_FIELDS: [&str; 5] = ["calls", "refusedCalls", "upstreamRequests", "upstreamBytes", "resultBytes"];

impl Usage {
    pub fn counts(&self) -> [u64; 5] {
        [self.calls.get(), self.refused.get(), self.upstream_requests.get(), self.upstream_bytes.get(), self.result_bytes.get()]
    }

    pub fn view(&self) -> Value {
        USAGE_FIELDS.iter().zip(self.counts()).map(|(field, n)| (field.to_string(), json!(n))).collect()
    }
}
