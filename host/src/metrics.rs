//! Counters the host keeps. (Exposition at `/metrics` comes with the HTTP transport.)

use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Metrics {
    /// (tool, reason) → refused egress attempts.
    egress_denials: Mutex<BTreeMap<(String, &'static str), u64>>,
    /// tool → calls refused by a client's rate limit.
    rate_limit_violations: Mutex<BTreeMap<String, u64>>,
}

impl Metrics {
    pub fn egress_denied(&self, tool: &str, reason: &'static str) {
        let mut map = self.egress_denials.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry((tool.to_string(), reason)).or_default() += 1;
    }

    pub fn rate_limited(&self, tool: &str) {
        let mut map = self.rate_limit_violations.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry(tool.to_string()).or_default() += 1;
    }

    pub fn rate_limit_violations_total(&self) -> u64 {
        self.rate_limit_violations.lock().unwrap_or_else(|e| e.into_inner()).values().sum()
    }

    pub fn egress_denials_total(&self) -> u64 {
        self.egress_denials.lock().unwrap_or_else(|e| e.into_inner()).values().sum()
    }
}
