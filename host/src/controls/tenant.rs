//! Tenants. Every caller belongs to one, named by its credential (an API key entry
//! `role@tenant:hash`, a bearer token's `tenant` claim, a client certificate's mapping);
//! callers whose credential names none are in `default`, the operator's own tenant.
//! Each tenant has its own settings (`--tenants FILE`), its own response cache (its own
//! keys in Redis too), its own rate-limit buckets and share of the EP API's budget, its
//! own audit stream and its own usage counters: nothing one tenant does is seen in, or
//! spends the limits of, another.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::audit::{Audit, AuditConfig};
use crate::egress::cache::{CacheConfig, ResponseCache};
use crate::egress::Scope;
use crate::egress::budget::Budget;
use crate::identity::DEFAULT_TENANT;
use crate::rate::{Bucket, Rate, RetryAfter};
use crate::metrics::{Metrics, USAGE_FIELDS};
use crate::controls::rbac::Grant;
use crate::shared::Shared;

/// Tenants a server holds at most (each is a metrics label value and an audit writer).
pub const MAX_TENANTS: usize = 64;
/// A tenant's users are the identities that called in this window.
const USER_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// One table of the tenants file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    plan: Option<String>,
    calls_per_minute: Option<u32>,
    cache_entries: Option<u64>,
    cache_mib: Option<u64>,
    max_users: Option<u32>,
    tool_groups: Option<Vec<String>>,
    audit_retention_days: Option<u32>,
    upstream_per_5min: Option<u32>,
}

/// A tenant's effective settings.
#[derive(Debug, Clone)]
pub struct TenantConfig {
    pub name: String,
    /// A label for reports (`free`, `pro`, …); it sets nothing by itself.
    pub plan: String,
    /// Calls per minute by all the tenant's callers together; `None`: only their own limits.
    pub calls_per_minute: Option<u32>,
    /// `None`: no cache (the host's cache is off).
    pub cache: Option<CacheConfig>,
    /// Distinct identities that may call within a day; `None`: any number.
    pub max_users: Option<u32>,
    /// Which tool groups (component names, `admin`, `health`) its callers may use.
    pub tool_groups: Grant,
    pub audit_retention_days: u32,
    /// Its share of each EP API endpoint's request budget per 5 minutes.
    pub upstream_per_5min: u32,
}

/// What a tenant that does not say otherwise gets from the host's own settings.
#[derive(Debug, Clone, Copy)]
pub struct HostDefaults {
    pub cache: Option<CacheConfig>,
    pub audit_retention_days: u32,
    pub upstream_per_5min: u32,
}

impl TenantConfig {
    /// The default tenant: the host's settings, every tool group.
    fn host(host: &HostDefaults, upstream_per_5min: u32) -> TenantConfig {
        TenantConfig {
            name: DEFAULT_TENANT.into(),
            plan: "operator".into(),
            calls_per_minute: None,
            cache: host.cache,
            max_users: None,
            tool_groups: Grant::parse(["*"]).expect("a valid pattern"),
            audit_retention_days: host.audit_retention_days,
            upstream_per_5min,
        }
    }

    /// The settings as `admin_tenants` and `policy check` see them.
    pub fn view(&self) -> Value {
        json!({
            "plan": self.plan,
            "callsPerMinute": self.calls_per_minute,
            "cache": self.cache.map_or(json!({"enabled": false}), |c| json!({"entries": c.max_entries, "mib": c.max_bytes >> 20, "ttlSeconds": c.ttl.as_secs()})),
            "maxUsers": self.max_users,
            "toolGroups": self.tool_groups.words(),
            "auditRetentionDays": self.audit_retention_days,
            "upstreamPer5Min": self.upstream_per_5min,
        })
    }
}

/// Reads the tenants file (one TOML table per tenant) into every tenant's settings, the
/// default tenant first. Unset shares of the EP budget split what the set ones leave
/// evenly over the tenants (the default one included), so that no tenant's traffic
/// can use up another's.
pub fn load(file: Option<&Path>, host: &HostDefaults) -> Result<Vec<TenantConfig>> {
    let tables: BTreeMap<String, Settings> = match file {
        None => BTreeMap::new(),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading tenants file {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("tenants file {}", path.display()))?
        }
    };
    parse(tables, host)
}

fn parse(tables: BTreeMap<String, Settings>, host: &HostDefaults) -> Result<Vec<TenantConfig>> {
    if tables.len() >= MAX_TENANTS {
        bail!("{} tenants: at most {} besides the default one", tables.len(), MAX_TENANTS - 1);
    }
    if tables.contains_key(DEFAULT_TENANT) {
        bail!("tenant '{DEFAULT_TENANT}' is the operator's own (the host's settings); name yours otherwise");
    }
    let set: u32 = tables.values().filter_map(|s| s.upstream_per_5min).sum();
    if set > host.upstream_per_5min {
        bail!("tenants' upstream_per_5min add up to {set}, more than the host's budget of {} per endpoint", host.upstream_per_5min);
    }
    let unset = 1 + tables.values().filter(|s| s.upstream_per_5min.is_none()).count() as u32;
    let even_share = ((host.upstream_per_5min - set) / unset).max(1);
    let mut tenants = vec![TenantConfig::host(host, even_share)];
    for (name, s) in tables {
        let bad = |what: String| anyhow::anyhow!("tenant '{name}': {what}");
        if !crate::identity::valid_role(&name) {
            bail!(bad("not a tenant name (lower-case letters, digits, - and _, at most 32)".into()));
        }
        let plan = s.plan.unwrap_or_else(|| "standard".into());
        if plan.is_empty() || plan.len() > 32 || !plan.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')) {
            bail!(bad(format!("plan '{plan}' must be 1..=32 letters, digits, - or _")));
        }
        if s.calls_per_minute.is_some_and(|n| !(1..=1_000_000).contains(&n)) {
            bail!(bad("calls_per_minute must be 1..=1000000".into()));
        }
        let cache = match host.cache {
            None => None,
            Some(c) => {
                let entries = s.cache_entries.unwrap_or(c.max_entries);
                let mib = s.cache_mib.unwrap_or(c.max_bytes >> 20);
                if !(1..=100_000).contains(&entries) || !(1..=4096).contains(&mib) {
                    bail!(bad(format!("cache of {entries} entries / {mib} MiB is outside 1..=100000 entries, 1..=4096 MiB")));
                }
                Some(CacheConfig { ttl: c.ttl, max_entries: entries, max_bytes: mib << 20 })
            }
        };
        if s.max_users.is_some_and(|n| !(1..=1_000_000).contains(&n)) {
            bail!(bad("max_users must be 1..=1000000".into()));
        }
        let groups = s.tool_groups.unwrap_or_else(|| vec!["*".into(), "!admin".into()]);
        let tool_groups = Grant::parse(groups.iter().map(String::as_str)).map_err(|e| bad(format!("tool_groups: {e}")))?;
        let audit_retention_days = s.audit_retention_days.unwrap_or(host.audit_retention_days);
        if !(1..=3650).contains(&audit_retention_days) {
            bail!(bad("audit_retention_days must be 1..=3650 (policy: at most 90)".into()));
        }
        let upstream_per_5min = s.upstream_per_5min.unwrap_or(even_share);
        if upstream_per_5min == 0 {
            bail!(bad("upstream_per_5min must be at least 1".into()));
        }
        tenants.push(TenantConfig { name, plan, calls_per_minute: s.calls_per_minute, cache, max_users: s.max_users, tool_groups, audit_retention_days, upstream_per_5min });
    }
    Ok(tenants)
}

/// How often each instance adds its usage to the totals in Redis.
const USAGE_FLUSH: Duration = Duration::from_secs(2);

/// A tenant while serving.
pub struct Tenant {
    pub config: TenantConfig,
    /// Its response cache, share of the EP API's budget, audit stream (the default
    /// tenant's is the host's log) and usage: what its calls' EP requests run under.
    pub scope: Arc<Scope>,
    /// All its callers' calls together.
    calls: Option<Bucket>,
    /// Identities seen in the last [`USER_WINDOW`], with when.
    users: Mutex<HashMap<String, Instant>>,
    /// The usage already added to the totals in Redis.
    flushed: Mutex<[u64; 5]>,
}

/// Refusals that are the tenant's, not the caller's.
#[derive(Debug, Clone, PartialEq)]
pub enum TenantRefusal {
    /// The tenant's callers together used its calls per minute.
    RateLimited(RetryAfter),
    /// Another identity would pass the tenant's user cap.
    TooManyUsers(u32),
}

impl Tenant {
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Whether its callers may use tools of `group`.
    pub fn allows_group(&self, group: &str) -> bool {
        self.config.tool_groups.allows(group)
    }

    /// Counts the identity among its users, or refuses a new one past the cap.
    pub fn admit_user(&self, identity: &str) -> Result<(), TenantRefusal> {
        let Some(max) = self.config.max_users else { return Ok(()) };
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if let Some(seen) = users.get_mut(identity) {
            *seen = now;
            return Ok(());
        }
        users.retain(|_, seen| now.duration_since(*seen) < USER_WINDOW);
        if users.len() >= max as usize {
            return Err(TenantRefusal::TooManyUsers(max));
        }
        users.insert(identity.to_string(), now);
        Ok(())
    }

    /// Takes one call from the tenant's per-minute budget.
    pub async fn admit_call(&self, shared: Option<&Shared>) -> Result<(), TenantRefusal> {
        match &self.calls {
            None => Ok(()),
            Some(bucket) => bucket.take(shared, 1).await.map_err(TenantRefusal::RateLimited),
        }
    }

    /// Its settings and usage, for `admin_tenants`; with Redis, also every instance's usage together.
    pub async fn view_with(&self, shared: Option<&Shared>) -> Value {
        let mut view = self.view();
        if let Some(shared) = shared {
            let totals = shared.counts(&self.usage_key()).await;
            view["usageAllInstances"] = totals.map_or(Value::Null, |t| USAGE_FIELDS.iter().map(|f| (f.to_string(), json!(t.get(*f).copied().unwrap_or(0)))).collect());
        }
        view
    }

    /// Adds what this instance used since the last time to the totals in Redis.
    async fn flush_usage(&self, shared: &Shared) {
        let now = self.scope.usage.counts();
        let before = *self.flushed.lock().unwrap_or_else(|e| e.into_inner());
        let delta: Vec<(&str, u64)> = USAGE_FIELDS.iter().zip(now.iter().zip(before)).map(|(f, (n, b))| (*f, n - b)).filter(|(_, d)| *d > 0).collect();
        if delta.is_empty() {
            return;
        }
        if shared.add_counts(&self.usage_key(), &delta).await {
            *self.flushed.lock().unwrap_or_else(|e| e.into_inner()) = now;
        }
    }

    /// Where Redis sums its usage over the instances (`epmcp:usage:<tenant>`).
    fn usage_key(&self) -> String {
        format!("usage:{}", self.name())
    }

    /// Its settings and usage on this instance.
    fn view(&self) -> Value {
        let users = self.users.lock().unwrap_or_else(|e| e.into_inner()).len();
        json!({
            "name": self.config.name,
            "settings": self.config.view(),
            "usage": self.scope.usage.view(),
            "activeUsers": users,
            "cache": self.scope.cache.as_ref().map_or(json!({"enabled": false}), |c| c.stats()),
        })
    }
}

/// Every tenant of the server.
pub struct Tenants {
    by_name: HashMap<String, Arc<Tenant>>,
    /// In the order of the configuration, the default tenant first.
    order: Vec<Arc<Tenant>>,
}

impl Tenants {
    /// Builds each tenant's cache, buckets and audit stream. `host_audit` is the default
    /// tenant's; the others write under `<audit dir>/tenants/<name>/` with their own retention.
    pub fn start(configs: &[TenantConfig], host_audit: &Audit, audit: Option<&AuditConfig>, shared: Option<Arc<Shared>>, host_upstream: u32, metrics: &Metrics) -> Result<Tenants> {
        let mut order = Vec::new();
        for config in configs {
            let is_default = config.name == DEFAULT_TENANT;
            let audit = match audit {
                Some(a) if !is_default && host_audit.is_on() => Audit::start(AuditConfig {
                    dir: a.dir.join("tenants").join(&config.name),
                    retention_days: config.audit_retention_days,
                    key: a.key.clone(),
                })?,
                _ if is_default => host_audit.clone(),
                _ => Audit::off(),
            };
            let scope = Scope {
                name: config.name.clone(),
                cache: config.cache.map(|c| Arc::new(ResponseCache::new(c, shared.clone(), &config.name))),
                share: (config.upstream_per_5min < host_upstream)
                    .then(|| Budget::per_5min(config.upstream_per_5min, shared.clone(), &format!("{}:", config.name))),
                audit,
                usage: metrics.tenant_usage(&config.name),
            };
            let tenant = Tenant {
                scope: Arc::new(scope),
                calls: config.calls_per_minute.map(|n| Bucket::new(format!("tenant:{}", config.name), Rate { burst: n, window: Duration::from_secs(60) })),
                users: Mutex::default(),
                flushed: Mutex::default(),
                config: config.clone(),
            };
            order.push(Arc::new(tenant));
        }
        let by_name = order.iter().map(|t| (t.config.name.clone(), t.clone())).collect();
        Ok(Tenants { by_name, order })
    }

    /// A tenant by name; callers carry only names the configuration knows, but an
    /// unknown one gets nothing of another's: it is refused by `get`'s callers.
    pub fn get(&self, name: &str) -> Option<&Arc<Tenant>> {
        self.by_name.get(name)
    }

    pub fn default_tenant(&self) -> &Arc<Tenant> {
        &self.order[0]
    }

    /// A caller's tenant. Credentials name only configured tenants (`auth` refuses any
    /// other), so the fallback to the operator's is never taken in practice.
    pub fn of(&self, name: &str) -> &Arc<Tenant> {
        self.get(name).unwrap_or(self.default_tenant())
    }

    pub fn all(&self) -> &[Arc<Tenant>] {
        &self.order
    }

    /// With Redis: every [`USAGE_FLUSH`], each tenant's usage on this instance is added to
    /// the totals of all instances (`epmcp:usage:<tenant>`), for `admin_tenants`.
    pub fn share_usage(self: &Arc<Self>, shared: Arc<Shared>) {
        let tenants = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(USAGE_FLUSH);
            loop {
                tick.tick().await;
                let Some(tenants) = tenants.upgrade() else { return };
                for tenant in &tenants.order {
                    tenant.flush_usage(&shared).await;
                }
            }
        });
    }

    /// Flushes every tenant's audit stream (at shutdown).
    pub fn flush(&self, limit: Duration) {
        for tenant in &self.order[1..] {
            tenant.scope.audit.flush(limit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> HostDefaults {
        let cache = Some(CacheConfig { ttl: Duration::from_secs(900), max_entries: 500, max_bytes: 64 << 20 });
        HostDefaults { cache, audit_retention_days: 90, upstream_per_5min: 500 }
    }

    fn tables(toml_text: &str) -> BTreeMap<String, Settings> {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn unset_shares_split_what_is_left() {
        let t = parse(tables("[acme]\nupstream_per_5min = 200\n[beta]\n[gamma]\n"), &host()).unwrap();
        let shares: Vec<(&str, u32)> = t.iter().map(|t| (t.name.as_str(), t.upstream_per_5min)).collect();
        assert_eq!(shares, [("default", 100), ("acme", 200), ("beta", 100), ("gamma", 100)]);
        assert!(t[1].tool_groups.allows("meps") && !t[1].tool_groups.allows("admin"), "admin is not granted by default");
        assert!(t[0].tool_groups.allows("admin"), "the operator's tenant has every group");
        assert_eq!(parse(BTreeMap::new(), &host()).unwrap()[0].upstream_per_5min, 500, "alone, the default tenant has the whole budget");
    }

    #[test]
    fn bad_tenants_are_refused() {
        for bad in [
            "[default]\n",
            "[Acme]\n",
            "[acme]\nupstream_per_5min = 400\n[beta]\nupstream_per_5min = 200\n",
            "[acme]\ncache_entries = 0\n",
            "[acme]\ntool_groups = [\"me ps\"]\n",
            "[acme]\naudit_retention_days = 0\n",
            "[acme]\nplan = \"\"\n",
            "[acme]\nmax_users = 0\n",
        ] {
            assert!(parse(tables(bad), &host()).is_err(), "{bad}");
        }
        assert!(toml::from_str::<BTreeMap<String, Settings>>("[acme]\nrate = 1\n").is_err(), "unknown settings are errors");
    }

    #[test]
    fn the_user_cap_counts_distinct_identities() {
        let configs = parse(tables("[acme]\nmax_users = 2\n"), &host()).unwrap();
        let tenants = Tenants::start(&configs, &Audit::off(), None, None, 500, &Metrics::default()).unwrap();
        let acme = tenants.get("acme").unwrap();
        assert!(acme.admit_user("a").is_ok() && acme.admit_user("b").is_ok() && acme.admit_user("a").is_ok());
        assert_eq!(acme.admit_user("c"), Err(TenantRefusal::TooManyUsers(2)));
        assert!(tenants.default_tenant().admit_user("c").is_ok(), "another tenant's cap is its own");
    }
}
