//! Settings: [`RuntimeArgs`] (what the user typed) → [`Config`] (validated), made of
//! each layer's own typed settings. Everything after start-up sees only `Config`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::args::RuntimeArgs;
pub use crate::audit::AuditConfig;
use crate::auth::Authenticator;
pub use crate::controls::limits::CallQuota;
use crate::controls::rbac::Policy;
pub use crate::egress::cache::CacheConfig;
use crate::egress::upstream::{UpstreamConfig, parse_base_url};
use crate::rate::Rate;
use crate::runtime::{CallLimits, RuntimeSettings};
use crate::transport::http::HttpSettings;
use crate::transport::tls::TlsFiles;

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The components, their trust and the host's ceilings for a call.
    pub runtime: RuntimeSettings,
    pub upstream: UpstreamConfig,
    /// See [`RuntimeArgs::subscription_poll_secs`].
    pub subscription_poll: Duration,
    /// `None`: no cache.
    pub cache: Option<CacheConfig>,
    /// Calls per client identity, by role.
    pub calls: CallQuota,
    /// Calls one identity may have running at once.
    pub max_calls_per_client: u32,
    /// See [`RuntimeArgs::stdio_role`].
    pub stdio_role: String,
    /// Requests per EP API endpoint per 5 minutes.
    pub upstream_per_5min: u32,
    /// `None`: no circuit breaker.
    pub breaker: Option<crate::egress::breaker::BreakerConfig>,
    /// `None`: nothing shared; this instance's state only.
    pub redis_url: Option<String>,
    /// The CA (PEM) Redis's TLS certificate must chain to; `None`: the public roots.
    pub redis_ca: Option<Vec<u8>>,
    /// This instance's client certificate and key (PEM) for Redis's mutual TLS.
    pub redis_client: Option<(Vec<u8>, Vec<u8>)>,
    /// `None`: no traces exported.
    pub otlp_endpoint: Option<String>,
    /// Every tenant's settings, the default tenant first.
    pub tenants: Vec<crate::controls::tenant::TenantConfig>,
    /// `None`: no anomaly detection.
    pub anomaly: Option<crate::controls::anomaly::DetectionConfig>,
    /// The operator's own policies, besides the default ones.
    pub policy_dir: Option<PathBuf>,
    pub policy_exceptions: Vec<String>,
    /// The listener serves plain HTTP behind the operator's TLS proxy.
    pub insecure_http: bool,
    /// `None`: no audit log.
    pub audit: Option<AuditConfig>,
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// The hosted listener; `None` without --listen.
    pub http: Option<HttpSettings>,
    pub auth: Authenticator,
    pub policy: Policy,
    /// The tools offered at all (`--tools`).
    pub profile: crate::controls::rbac::Grant,
    /// Whether the components directory is watched for changes while serving.
    pub watch: bool,
    /// OCI references of components kept installed while serving (`--components-from`).
    pub components_from: Vec<String>,
    pub components_refresh: Duration,
    pub registry_plain_http: bool,
}

impl Config {
    /// What `admin_config` shows: every effective setting, secrets left out (API keys are
    /// counted per role; their hashes are not shown).
    pub fn public_view(&self) -> serde_json::Value {
        use serde_json::json;
        let rate = |r: Option<Rate>| r.map_or(json!("unlimited"), |r| json!({"burst": r.burst, "windowSeconds": r.window.as_secs()}));
        let roles: serde_json::Map<String, serde_json::Value> = self.calls.roles.iter().map(|(k, v)| (k.clone(), rate(*v))).collect();
        json!({
            "componentsDir": self.runtime.components_dir,
            "epApiUrl": self.upstream.base_url.to_string(),
            "callTimeoutMs": self.runtime.limits.deadline.as_millis() as u64,
            "memoryMiB": self.runtime.limits.memory_bytes >> 20,
            "maxOutputKiB": self.runtime.limits.max_output_bytes >> 10,
            "components": {
                "trustedKeys": self.runtime.trust.key_ids(),
                "pinnedManifests": self.runtime.trust.pins(),
                "allowUnsigned": self.runtime.trust.allow_unsigned,
                "trustsBuildKey": self.runtime.trust.build_key,
                "watch": self.watch,
                "from": self.components_from,
                "refreshSeconds": self.components_refresh.as_secs(),
            },
            "maxConcurrentCalls": self.runtime.limits.max_concurrent,
            "maxCallsPerClient": self.max_calls_per_client,
            "upstreamTimeoutMs": self.upstream.total_timeout.as_millis() as u64,
            "maxResponseMiB": self.upstream.max_body_bytes >> 20,
            "subscriptionPollSeconds": self.subscription_poll.as_secs(),
            "cache": self.cache.map_or(json!({"enabled": false}), |c| json!({"ttlSeconds": c.ttl.as_secs(), "entries": c.max_entries, "mib": c.max_bytes >> 20})),
            "rateLimit": {"default": rate(self.calls.default), "roles": roles, "toolCosts": self.calls.costs},
            "upstreamPer5Min": self.upstream_per_5min,
            "redis": self.redis_url.as_deref().map_or(json!({"enabled": false}), |u| json!({"tls": u.starts_with("rediss://"), "passwordSet": u.contains('@'), "clientCertificate": self.redis_client.is_some()})),
            "otlpEndpoint": self.otlp_endpoint,
            "circuitBreaker": self.breaker.map_or(json!({"enabled": false}), |b| json!({"failures": b.failures, "openSeconds": b.open_for.as_secs()})),
            "stdioRole": self.stdio_role,
            "anomaly": self.anomaly.map_or(json!({"enabled": false}), |a| json!({
                "enabled": true, "tightenSeconds": a.tighten_for.as_secs(), "blockSeconds": a.block_for.as_secs(), "isolateSeconds": a.isolate_for.as_secs(),
            })),
            "audit": self.audit.as_ref().map_or(json!({"enabled": false}), |a| json!({"dir": a.dir, "retentionDays": a.retention_days})),
            "metricsListen": self.metrics_listen.map(|a| a.to_string()),
            "listener": self.http.as_ref().map(|h| json!({
                "listen": h.listen.to_string(),
                "tls": h.tls.as_ref().map(|t| json!({
                    "cert": t.cert, "key": t.key, "versions": ["TLSv1.3"],
                    "clientCa": t.client_ca, "clientCertificates": if t.client_ca.is_none() { "none" } else if t.client_cert_optional { "optional" } else { "required" },
                })),
                "allowedHosts": h.allowed_hosts,
                "allowedOrigins": h.allowed_origins,
                "maxConnections": h.max_connections,
                "maxConnectionsPerAddress": h.max_connections_per_address,
                "maxStreamsPerClient": h.max_streams_per_client,
                "idleTimeoutSeconds": h.idle_timeout.as_secs(),
                "maxStreamSeconds": h.max_stream.as_secs(),
                "maxSessions": h.session_limits.total,
                "maxSessionsPerClient": h.session_limits.per_client,
                "maxSessionsPerAddress": h.session_limits.per_address,
                "sessionSleepSeconds": h.session_limits.sleep_after.map_or(0, |d| d.as_secs()),
            })),
            "authentication": self.auth.summary(),
            "tenants": self.tenants.iter().map(|t| (t.name.clone(), t.view())).collect::<serde_json::Map<_, _>>(),
            "roles": self.policy.summary(),
            "tools": self.profile.words(),
        })
    }
}

impl RuntimeArgs {
    pub fn validate(&self) -> Result<Config> {
        let components_dir = match &self.components {
            Some(dir) => dir.clone(),
            None => std::env::current_exe()
                .context("locating the epmcp binary")?
                .parent()
                .context("the epmcp binary has no parent directory")?
                .join("components"),
        };
        let cache_dir = self.cache_dir.clone().unwrap_or_else(|| components_dir.join(".cwasm"));
        if !(100..=600_000).contains(&self.call_timeout_ms) {
            bail!("call timeout {} ms is outside 100..=600000", self.call_timeout_ms);
        }
        if !(100..=600_000).contains(&self.upstream_timeout_ms) {
            bail!("upstream timeout {} ms is outside 100..=600000", self.upstream_timeout_ms);
        }
        if !(4..=4096).contains(&self.memory_mib) {
            bail!("memory cap {} MiB is outside 4..=4096", self.memory_mib);
        }
        if !(1..=262_144).contains(&self.max_output_kib) {
            bail!("output cap {} KiB is outside 1..=262144", self.max_output_kib);
        }
        let mut trust = crate::runtime::trust::Trust::new(&list(&self.trusted_keys), &list(&self.pinned_manifests), self.allow_unsigned)
            .context("component trust settings")?;
        if self.trust_build_key {
            trust = trust.with_build_key().context("the build's own key")?;
        }
        let components_from: Vec<String> = self.components_from.split([',', ' ']).filter(|r| !r.is_empty()).map(str::to_string).collect();
        for reference in &components_from {
            crate::runtime::artifact::reference(reference).context("--components-from")?;
        }
        if !(1..=86_400).contains(&self.components_refresh_secs) {
            bail!("--components-refresh-secs {} is outside 1..=86400", self.components_refresh_secs);
        }
        if !(1..=1024).contains(&self.max_response_mib) {
            bail!("response cap {} MiB is outside 1..=1024", self.max_response_mib);
        }
        if !(1..=10_000).contains(&self.max_concurrent_calls) {
            bail!("max concurrent calls {} is outside 1..=10000", self.max_concurrent_calls);
        }
        if !(1..=10_000).contains(&self.max_calls_per_client) {
            bail!("max calls per client {} is outside 1..=10000", self.max_calls_per_client);
        }
        // The compliance bound (900 s) is a policy (`cache_ttl`); this is only sanity.
        if !(1..=86_400).contains(&self.cache_ttl_secs) {
            bail!("cache TTL {} s is outside 1..=86400", self.cache_ttl_secs);
        }
        if !(1..=86_400).contains(&self.subscription_poll_secs) {
            bail!("subscription poll interval {} s is outside 1..=86400", self.subscription_poll_secs);
        }
        if self.cache_entries > 100_000 || !(1..=4096).contains(&self.cache_mib) {
            bail!("cache size {} entries / {} MiB is outside 0..=100000 entries, 1..=4096 MiB", self.cache_entries, self.cache_mib);
        }
        let cache = (self.cache_entries > 0).then(|| CacheConfig {
            ttl: Duration::from_secs(self.cache_ttl_secs),
            max_entries: self.cache_entries,
            max_bytes: self.cache_mib << 20,
        });
        if !(1..=86_400).contains(&self.rate_limit_window_secs) || self.rate_limit > 1_000_000 {
            bail!("rate limit {} per {} s is outside 0..=1000000 per 1..=86400 s", self.rate_limit, self.rate_limit_window_secs);
        }
        if !(1..=100_000).contains(&self.upstream_per_5min) {
            bail!("upstream rate {} per 5 min is outside 1..=100000", self.upstream_per_5min);
        }
        if self.breaker_failures > 1000 || !(1..=3600).contains(&self.breaker_open_secs) {
            bail!("circuit breaker {} failures / {} s open is outside 0..=1000 failures, 1..=3600 s", self.breaker_failures, self.breaker_open_secs);
        }
        if let Some(endpoint) = &self.otlp_endpoint {
            crate::telemetry::check_endpoint(endpoint)?;
        }
        if let Some(url) = &self.redis_url {
            let scheme_ok = url.starts_with("redis://") || url.starts_with("rediss://");
            if !scheme_ok || redis::Client::open(url.as_str()).is_err() {
                bail!("redis URL must be redis://[:password@]host:port[/db] or rediss://… (got a malformed one)");
            }
        }
        let redis_ca = match &self.redis_ca {
            None => None,
            Some(_) if !self.redis_url.as_deref().is_some_and(|u| u.starts_with("rediss://")) => bail!("redis CA is only for a rediss:// URL"),
            Some(path) => Some(std::fs::read(path).with_context(|| format!("redis CA {}", path.display()))?),
        };
        let rediss = self.redis_url.as_deref().is_some_and(|u| u.starts_with("rediss://"));
        let redis_client = match (&self.redis_client_cert, &self.redis_client_key) {
            (None, None) => None,
            (Some(_), Some(_)) if !rediss => bail!("a redis client certificate is only for a rediss:// URL"),
            (Some(cert), Some(key)) => Some((
                std::fs::read(cert).with_context(|| format!("redis client certificate {}", cert.display()))?,
                std::fs::read(key).with_context(|| format!("redis client key {}", key.display()))?,
            )),
            _ => bail!("--redis-client-cert and --redis-client-key go together"),
        };
        for (name, secs) in [("tighten", self.anomaly_tighten_secs), ("block", self.anomaly_block_secs), ("isolate", self.anomaly_isolate_secs)] {
            if !(1..=86_400).contains(&secs) {
                bail!("anomaly {name} duration {secs} s is outside 1..=86400");
            }
        }
        let anomaly = self.anomaly_detection.then(|| crate::controls::anomaly::DetectionConfig {
            tighten_for: Duration::from_secs(self.anomaly_tighten_secs),
            block_for: Duration::from_secs(self.anomaly_block_secs),
            isolate_for: Duration::from_secs(self.anomaly_isolate_secs),
        });
        let breaker = (self.breaker_failures > 0)
            .then(|| crate::egress::breaker::BreakerConfig { failures: self.breaker_failures, open_for: Duration::from_secs(self.breaker_open_secs) });
        let window = Duration::from_secs(self.rate_limit_window_secs);
        let calls = CallQuota {
            default: (self.rate_limit > 0).then_some(Rate { burst: self.rate_limit, window }),
            roles: parse_role_rates(&self.role_rate_limits, window)?,
            costs: parse_costs(&self.tool_costs)?,
        };
        if !crate::identity::valid_role(&self.stdio_role) {
            bail!("stdio role '{}' is not a role name (lower-case letters, digits, - and _)", self.stdio_role);
        }
        // The compliance bound (90 days) is a policy (`audit_retention`).
        if !(1..=3650).contains(&self.audit_retention_days) {
            bail!("audit retention {} days is outside 1..=3650", self.audit_retention_days);
        }
        if let Some(addr) = self.metrics_listen
            && !addr.ip().is_loopback()
        {
            bail!("metrics listen address {addr} is not loopback (the metrics listener has no TLS or identity)");
        }
        let key = self.audit_key.as_deref().map(crate::audit::ChainKey::load).transpose()?;
        let audit = self.audit_dir.clone().map(|dir| AuditConfig { dir, retention_days: self.audit_retention_days, key });
        let http = match self.listen {
            None => None,
            Some(addr) => {
                let tls = match (&self.tls_cert, &self.tls_key) {
                    (Some(cert), Some(key)) => {
                        Some(TlsFiles { cert: cert.clone(), key: key.clone(), client_ca: self.client_ca.clone(), client_cert_optional: self.client_cert_optional })
                    }
                    (None, None) if self.client_ca.is_some() => bail!("--client-ca needs the listener's own TLS (--tls-cert, --tls-key)"),
                    (None, None) => None,
                    _ => bail!("--tls-cert and --tls-key go together"),
                };
                // TLS on a non-loopback address is a policy (`listener_tls`).
                if !(1..=100_000).contains(&self.max_connections) {
                    bail!("max connections {} is outside 1..=100000", self.max_connections);
                }
                if !(1..=3600).contains(&self.idle_timeout_secs) {
                    bail!("idle timeout {} s is outside 1..=3600", self.idle_timeout_secs);
                }
                if self.session_sleep_secs > 3600 {
                    bail!("session sleep {} s is outside 0..=3600", self.session_sleep_secs);
                }
                if !(1..=86_400).contains(&self.max_stream_secs) {
                    bail!("max stream lifetime {} s is outside 1..=86400", self.max_stream_secs);
                }
                let caps = [
                    ("max sessions", self.max_sessions),
                    ("max sessions per client", self.max_sessions_per_client),
                    ("max sessions per address", self.max_sessions_per_address),
                    ("max streams per client", self.max_streams_per_client),
                ];
                for (name, value) in caps {
                    if !(1..=1_000_000).contains(&value) {
                        bail!("{name} {value} is outside 1..=1000000");
                    }
                }
                Some(HttpSettings {
                    listen: addr,
                    allowed_hosts: list(&self.allowed_hosts),
                    allowed_origins: list(&self.allowed_origins),
                    max_body_bytes: crate::runtime::validate::MAX_ARGUMENT_BYTES * 2,
                    max_connections: self.max_connections,
                    max_connections_per_address: self.max_connections_per_address.unwrap_or(self.max_connections / 4).clamp(1, self.max_connections),
                    max_streams_per_client: self.max_streams_per_client,
                    idle_timeout: Duration::from_secs(self.idle_timeout_secs),
                    max_stream: Duration::from_secs(self.max_stream_secs),
                    session_limits: crate::transport::sessions::SessionLimits {
                        total: self.max_sessions,
                        per_client: self.max_sessions_per_client,
                        per_address: self.max_sessions_per_address,
                        sleep_after: (self.session_sleep_secs > 0).then(|| Duration::from_secs(self.session_sleep_secs)),
                    },
                    tls,
                })
            }
        };
        if self.token_leeway_secs > 600 {
            bail!("token leeway {} s is outside 0..=600", self.token_leeway_secs);
        }
        let scope_roles = crate::auth::jwt::parse_scope_roles(&self.scope_roles)?;
        let jwks = match (&self.jwks_file, &self.jwks_url) {
            (Some(_), Some(_)) => bail!("--jwks-file and --jwks-url exclude each other"),
            (Some(file), None) => Some(crate::auth::jwt::JwksSource::File(file.clone())),
            (None, Some(url)) => {
                // The EP_API_URL rules: https anywhere, plain http only to loopback.
                let checked = parse_base_url(url).with_context(|| format!("--jwks-url {url}"))?;
                let uri: http::Uri = checked.to_string().trim_end_matches('/').parse()?;
                Some(crate::auth::jwt::JwksSource::Url(uri))
            }
            (None, None) => None,
        };
        let tokens = match jwks {
            None => None,
            Some(jwks) => Some(crate::auth::jwt::TokenValidator::load(crate::auth::jwt::TokenConfig {
                jwks,
                issuer: self.token_issuer.clone(),
                audience: self.token_audience.clone(),
                leeway_secs: self.token_leeway_secs,
                max_lifetime_secs: (self.max_token_lifetime_secs > 0).then_some(self.max_token_lifetime_secs),
                scope_roles,
            })?),
        };
        let host = crate::controls::tenant::HostDefaults { cache, audit_retention_days: self.audit_retention_days, upstream_per_5min: self.upstream_per_5min };
        let tenants = crate::controls::tenant::load(self.tenants.as_deref(), &host)?;
        let tenant_names: Vec<String> = tenants.iter().map(|t| t.name.clone()).collect();
        let auth = Authenticator::new(&self.api_keys, &self.anonymous_role, tokens, &tenant_names)?
            .with_certificates(&self.client_cert_roles)?;
        let policy = Policy::parse(&self.role_tools)?;
        let profile = crate::controls::rbac::profile(&self.tools)?;
        let upstream_timeout = Duration::from_millis(self.upstream_timeout_ms);
        Ok(Config {
            upstream: UpstreamConfig {
                base_url: parse_base_url(&self.ep_api_url).context("EP_API_URL")?,
                total_timeout: upstream_timeout,
                connect_timeout: upstream_timeout.min(Duration::from_secs(10)),
                max_body_bytes: (self.max_response_mib as usize) << 20,
            },
            subscription_poll: Duration::from_secs(self.subscription_poll_secs),
            cache,
            calls,
            max_calls_per_client: self.max_calls_per_client,
            stdio_role: self.stdio_role.clone(),
            upstream_per_5min: self.upstream_per_5min,
            breaker,
            redis_url: self.redis_url.clone(),
            redis_ca,
            redis_client,
            otlp_endpoint: self.otlp_endpoint.clone(),
            tenants,
            anomaly,
            policy_dir: self.policy_dir.clone(),
            policy_exceptions: list(&self.policy_exceptions),
            insecure_http: self.insecure_http,
            audit,
            metrics_listen: self.metrics_listen,
            http,
            auth,
            policy,
            profile,
            runtime: RuntimeSettings {
                limits: CallLimits {
                    deadline: Duration::from_millis(self.call_timeout_ms),
                    memory_bytes: (self.memory_mib as usize) << 20,
                    max_concurrent: self.max_concurrent_calls,
                    max_output_bytes: (self.max_output_kib as usize) << 10,
                },
                components_dir,
                cache_dir,
                trust,
            },
            watch: !self.no_watch,
            components_from,
            components_refresh: Duration::from_secs(self.components_refresh_secs),
            registry_plain_http: self.registry_plain_http,
        })
    }
}

/// A comma-separated list, trimmed, without empty items.
fn list(raw: &str) -> Vec<String> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// `tool=n,tool=n` → costs; each n in 1..=1000.
fn parse_costs(raw: &str) -> Result<HashMap<String, u32>> {
    let mut costs = HashMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (tool, cost) = pair.split_once('=').with_context(|| format!("tool cost '{pair}' is not tool=n"))?;
        let cost: u32 = cost.trim().parse().ok().filter(|c| (1..=1000).contains(c)).with_context(|| format!("tool cost '{pair}': n must be 1..=1000"))?;
        costs.insert(tool.trim().to_string(), cost);
    }
    Ok(costs)
}

/// `role=n` or `role=n/secs`, comma-separated → each role's rate (`0`: unlimited).
fn parse_role_rates(raw: &str, default_window: Duration) -> Result<HashMap<String, Option<Rate>>> {
    let mut roles = HashMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || format!("role rate limit '{pair}' is not role=n or role=n/secs (n 0..=1000000, secs 1..=86400)");
        let (role, rate) = pair.split_once('=').with_context(bad)?;
        let role = role.trim();
        if !crate::identity::valid_role(role) {
            bail!("role rate limit '{pair}': '{role}' is not a role name (lower-case letters, digits, - and _)");
        }
        let (burst, window) = match rate.trim().split_once('/') {
            Some((n, secs)) => (n, secs.trim().parse().ok().filter(|s| (1..=86_400).contains(s)).map(Duration::from_secs)),
            None => (rate, Some(default_window)),
        };
        let burst: u32 = burst.trim().parse().ok().filter(|n| *n <= 1_000_000).with_context(bad)?;
        let window = window.with_context(bad)?;
        roles.insert(role.to_string(), (burst > 0).then_some(Rate { burst, window }));
    }
    Ok(roles)
}
