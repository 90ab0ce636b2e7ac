//! Serving: the host every transport serves (runtime, tenants, dispatcher, MCP server,
//! metrics, audit, readiness), assembled from the configuration, then stdio or the
//! hosted listener; and `epmcp doctor`, which calls every tool once through it.

use std::sync::Arc;

use anyhow::{Context, Result};

use super::settings::Config;
use super::{doctor as report, policy, require_components, start_with};
use crate::audit::Audit;
use crate::controls::rbac;
use crate::controls::tenant::Tenants;
use crate::dispatch::{self, Dispatcher};
use crate::shared::Shared;
use crate::identity::{Caller, DEFAULT_TENANT};
use crate::mcp::McpServer;
use crate::metrics::Metrics;
use crate::transport;

/// How long a stopping server waits for its last audit records to be written.
const AUDIT_FLUSH_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What every transport serves: the dispatcher behind an MCP server, and the host's
/// metrics, audit log and readiness.
struct Host {
    server: McpServer,
    dispatcher: Arc<Dispatcher>,
    metrics: Arc<Metrics>,
    audit: Audit,
    /// Each tenant's audit stream is flushed with the host's at shutdown.
    tenants: Arc<Tenants>,
    ready: transport::observe::Readiness,
}

async fn start_host(config: &Config, transport: &str, default_caller: Caller) -> Result<Host> {
    let metrics = Arc::new(Metrics::default());
    let audit = match &config.audit {
        Some(c) => Audit::start(c.clone())?,
        None => Audit::off(),
    };
    audit.record("start", serde_json::json!({"version": env!("CARGO_PKG_VERSION"), "transport": transport}));
    // Redis, when instances share state.
    let shared = config
        .redis_url
        .as_deref()
        .map(|url| Shared::new(url, config.redis_ca.as_deref(), config.redis_client.as_ref(), metrics.clone()).map(Arc::new))
        .transpose()?;
    let (runtime, egress, refusals) = start_with(config, metrics.clone(), audit.clone(), shared.clone()).await?;
    require_components(config, &runtime, &refusals)?;
    // The compliance policies, over this configuration and the components just loaded:
    // a `deny` violation refuses to serve.
    let findings = policy::findings(config, &runtime.registry())?;
    audit.record("policy", serde_json::json!({"policies": findings.len(), "violations": findings.iter().map(|f| f.violations.len()).sum::<usize>()}));
    policy::enforce(&findings)?;
    if config.watch {
        runtime.watch()?;
    }
    if !config.components_from.is_empty() {
        super::distribution::keep_in_sync(config.clone(), runtime.clone(), audit.clone());
    }
    let ready = {
        let runtime = runtime.clone();
        transport::observe::Readiness::new(move || {
            let registry = runtime.registry();
            (registry.components.len(), registry.tools().len())
        })
    };
    let ready = match shared.clone() {
        Some(redis) => ready.with_redis(move || redis.is_up()),
        None => ready,
    };
    if let Some(addr) = config.metrics_listen {
        let bound = transport::observe::serve(addr, metrics.clone(), ready.clone()).await?;
        tracing::info!(%bound, "serving /metrics, /healthz, /readyz");
    }
    let controls = dispatch::Controls {
        quota: config.calls.clone(),
        cache: config.cache,
        policy: config.policy.clone(),
        profile: config.profile.clone(),
        public_config: config.public_view(),
        calls_per_client: config.max_calls_per_client,
        anomaly: config.anomaly,
    };
    let tenants = Arc::new(Tenants::start(&config.tenants, &audit, config.audit.as_ref(), shared.clone(), config.upstream_per_5min, &metrics)?);
    if let Some(shared) = &shared {
        tenants.share_usage(shared.clone());
    }
    let dispatcher = Arc::new(Dispatcher::new(runtime, tenants.clone(), egress, shared, metrics.clone(), controls));
    let server = McpServer::new(dispatcher.clone(), config.subscription_poll, default_caller);
    Ok(Host { server, dispatcher, metrics, audit, tenants, ready })
}

pub async fn stdio(config: &Config) -> Result<()> {
    let host = start_host(config, "stdio", Caller::stdio(&config.stdio_role)).await?;
    let (components, tools) = host.ready.counts();
    tracing::info!(tools, components, "serving MCP on stdio");
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        // A person started it by hand (`make run`): say what it is waiting for.
        eprintln!(
            "epmcp: serving MCP on stdio ({tools} tools from {components} components); an MCP client starts this \
             command and talks JSON-RPC on its stdin/stdout (see the README, \"Use it from an assistant\"). Ctrl-D ends it."
        );
    }
    // Ends when the client closes stdin.
    let served = transport::stdio::serve(host.server).await;
    host.audit.flush(AUDIT_FLUSH_LIMIT);
    host.tenants.flush(AUDIT_FLUSH_LIMIT);
    served?;
    tracing::info!(egress_denials = host.metrics.egress_denials_total(), "stopped");
    Ok(())
}

/// `epmcp doctor`: every installed tool once, as the local operator (role `admin`), whatever
/// the `--tools` profile; a report on stdout, and failure if any call errs or breaks its schema.
pub async fn doctor(config: &Config) -> Result<()> {
    let mut config = config.clone();
    config.profile = rbac::profile("all")?;
    let host = start_host(&config, "doctor", Caller::stdio("admin")).await?;
    let checked = report::check_all(&host.dispatcher, &Caller::stdio("admin")).await;
    let (report, passed) = report::report(&checked);
    print!("{report}");
    host.audit.flush(AUDIT_FLUSH_LIMIT);
    anyhow::ensure!(passed, "some tools failed or returned results their schemas refuse (see above)");
    Ok(())
}

/// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
pub async fn http(config: &Config) -> Result<()> {
    let settings = config.http.clone().ok_or_else(|| anyhow::anyhow!("epmcp serve needs --listen ADDR (or EPMCP_LISTEN)"))?;
    // Every request of the listener carries its authenticated caller; this one is never used.
    let host = start_host(config, "http", Caller { id: "unauthenticated".into(), label: "unauthenticated".into(), role: "none".into(), tenant: DEFAULT_TENANT.into(), address: None, expires: None }).await?;
    let audit = host.audit.clone();
    let tenants = host.tenants.clone();
    let shared = transport::http::Shared {
        server: host.server,
        auth: config.auth.clone(),
        metrics: host.metrics,
        audit: host.audit,
        ready: host.ready,
        tls: settings.tls.is_some(),
        allowed_hosts: settings.allowed_hosts.clone(),
        allowed_origins: settings.allowed_origins.clone(),
        max_body_bytes: settings.max_body_bytes,
        max_stream: settings.max_stream,
    };
    let shutdown = tokio_util::sync::CancellationToken::new();
    if let Some(tokens) = config.auth.tokens() {
        // Before the first request: a listener that cannot check tokens does not start.
        let keys = tokens.refresh().await.context("reading the JWKS")?;
        tracing::info!(keys, "JWKS loaded");
        tokens.keep_fresh(shutdown.clone());
    }
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
    let serving = tokio::spawn(transport::http::serve(settings, shared, shutdown.clone(), bound_tx));
    if let Ok(bound) = bound_rx.await {
        // The one line on stdout: where to connect (tests and scripts read it).
        let scheme = if config.http.as_ref().is_some_and(|h| h.tls.is_some()) { "https" } else { "http" };
        println!("{scheme}://{bound}/mcp");
        tracing::info!(%bound, "serving MCP over Streamable HTTP at /mcp");
    }
    let stop = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
        anyhow::Ok(())
    };
    let mut serving = serving;
    tokio::select! {
        stopped = stop => {
            stopped?;
            shutdown.cancel();
            serving.await??;
        }
        // The listener ended by itself: it could not bind, or failed.
        ended = &mut serving => ended??,
    }
    audit.flush(AUDIT_FLUSH_LIMIT);
    tenants.flush(AUDIT_FLUSH_LIMIT);
    tracing::info!("stopped");
    Ok(())
}
