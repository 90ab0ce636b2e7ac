//! `epmcp`: parse the configuration, start the runtime, serve. Errors are printed once
//! (with their causes) on stderr and the process exits non-zero.

mod audit;
mod auth;
mod cli;
mod controls;
mod digest;
mod dispatch;
mod egress;
mod identity;
mod mcp;
mod metrics;
mod runtime;
mod shared;
mod telemetry;
mod transport;

use cli::{doctor, operator, policy, settings as config};
use controls::{rbac, tenant};
use egress::upstream;
use runtime::trust;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};

use config::{AuditCommand, Cli, Command, ComponentsCommand, Config, KeysCommand, PolicyCommand};

/// Logs to stderr only (in stdio mode stdout carries nothing but JSON-RPC), filtered by
/// `EPMCP_LOG`; with `traces`, this crate's spans are exported too.
fn init_logging(traces: Option<&opentelemetry_sdk::trace::SdkTracerProvider>) {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_env("EPMCP_LOG").unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false).with_filter(filter);
    tracing_subscriber::registry().with(traces.map(telemetry::layer)).with(logs).init();
}

fn main() -> ExitCode {
    let cli = match Cli::load() {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("epmcp: {e:#}");
            return ExitCode::from(2);
        }
    };
    // One client on stdio: a single-threaded executor saves the cross-thread wake-ups of
    // every request (≈0.07 ms per call, measured). Guests yield at every epoch tick, so
    // concurrent calls still interleave. The hosted listener serves many: all cores.
    let builder = match cli.command {
        Some(Command::Serve) => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    let runtime = match { builder }.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("epmcp: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let traces = match cli.runtime.otlp_endpoint.as_deref().map(telemetry::provider) {
        Some(Err(e)) => {
            eprintln!("epmcp: {e:#}");
            return ExitCode::from(2);
        }
        Some(Ok(provider)) => Some(provider),
        None => None,
    };
    init_logging(traces.as_ref());
    if cli.health {
        return runtime.block_on(check_health(cli));
    }
    let outcome = runtime.block_on(run(cli));
    if let Some(provider) = traces {
        let _ = provider.shutdown(); // sends the last spans
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("epmcp: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    if let Some(Command::Keys(KeysCommand::Add { role, tenant })) = &cli.command {
        let (key, entry) = auth::new_key(role, tenant.as_deref())?;
        println!("key:   {key}");
        println!("entry: {entry}");
        eprintln!("The key is shown only now: give it to its user. Add the entry to api_keys (EPMCP_API_KEYS).");
        return Ok(());
    }
    if let Some(Command::Components { command: Some(ComponentsCommand::Keygen { stem }) }) = &cli.command {
        let id = trust::generate(stem)?;
        println!("key {id}: {} (private, keep it) and {} (trust it with --trusted-key)", stem.with_extension("key").display(), stem.with_extension("pub").display());
        return Ok(());
    }
    let config = cli.runtime.validate()?;
    match cli.command.unwrap_or(Command::Stdio) {
        Command::Stdio => serve_stdio(&config).await,
        Command::Serve => serve_http(&config).await,
        Command::Keys(_) => unreachable!("handled before the configuration is needed"),
        Command::Precompile => operator::precompile(&config).await,
        Command::Doctor => doctor(&config).await,
        Command::Components { command } => operator::components(&config, command.unwrap_or(ComponentsCommand::List)).await,
        Command::Policy(command) => {
            let (runtime, _) = start(&config).await?;
            let findings = policy::findings(&config, &runtime.registry())?;
            match command {
                PolicyCommand::Check => {
                    let verdict = policy::check_view(&findings);
                    println!("{}", serde_json::to_string_pretty(&verdict)?);
                    if verdict["compliant"] == false {
                        std::process::exit(1);
                    }
                }
                PolicyCommand::Report => print!("{}", policy::report(&findings)),
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { file }) if file.is_dir() => {
            let key = cli.runtime.audit_key.as_deref().map(audit::ChainKey::load).transpose()?;
            let (records, notes) = audit::verify_dir(&file, key.as_ref())?;
            println!("{}: {records} records, chain intact across its files", file.display());
            for note in notes {
                println!("note: {note}");
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { file }) => {
            let key = cli.runtime.audit_key.as_deref().map(audit::ChainKey::load).transpose()?;
            let records = audit::verify(&file, key.as_ref())?;
            println!("{}: {records} records, chain intact", file.display());
            Ok(())
        }
    }
}

/// The runtime with the components loaded, without metrics or audit (operator commands).
async fn start(config: &Config) -> Result<(Arc<runtime::Runtime>, runtime::Refusals)> {
    start_with(config, Arc::new(metrics::Metrics::default()), audit::Audit::off()).await
}

async fn start_with(config: &Config, metrics: Arc<metrics::Metrics>, audit: audit::Audit) -> Result<(Arc<runtime::Runtime>, runtime::Refusals)> {
    let upstream = upstream::Upstream::new(config.upstream.clone())?;
    runtime::Runtime::start(config, upstream, metrics, audit).await
}

/// A server whose components were all refused would answer with no EP tools at all, and
/// a client would show nothing but an empty list: that is a failed start, with its cause
/// and the fix. (An empty directory is not: components may be installed while serving.)
fn require_components(config: &Config, runtime: &runtime::Runtime, refusals: &runtime::Refusals) -> Result<()> {
    let Some((stem, reason)) = refusals.first() else { return Ok(()) };
    if !runtime.registry().components.is_empty() {
        return Ok(());
    }
    let fix = if reason.contains("trusted key") || reason.contains("neither signed") {
        "trust the key that signed them (--trusted-keys FILE.pub, or EPMCP_TRUSTED_KEYS), sign them with a key this \
         binary trusts (epmcp components sign --key KEY), or use the binary built with them (it trusts its own build's key)"
    } else {
        "see `epmcp components verify` for each component's reason"
    };
    anyhow::bail!(
        "no tools to serve: all {} components in {} were refused (first, {stem}: {reason}). To fix: {fix}",
        refusals.len(),
        config.components_dir.display()
    )
}

/// How long a stopping server waits for its last audit records to be written.
const AUDIT_FLUSH_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What every transport serves: the dispatcher behind an MCP server, and the host's
/// metrics, audit log and readiness.
struct Host {
    server: mcp::McpServer,
    dispatcher: Arc<dispatch::Dispatcher>,
    metrics: Arc<metrics::Metrics>,
    audit: audit::Audit,
    /// Each tenant's audit stream is flushed with the host's at shutdown.
    tenants: Arc<tenant::Tenants>,
    ready: transport::observe::Readiness,
}

async fn start_host(config: &Config, transport: &str, default_caller: identity::Caller) -> Result<Host> {
    let metrics = Arc::new(metrics::Metrics::default());
    let audit = match &config.audit {
        Some(c) => audit::Audit::start(c.clone())?,
        None => audit::Audit::off(),
    };
    audit.record("start", serde_json::json!({"version": env!("CARGO_PKG_VERSION"), "transport": transport}));
    let (runtime, refusals) = start_with(config, metrics.clone(), audit.clone()).await?;
    require_components(config, &runtime, &refusals)?;
    // The compliance policies, over this configuration and the components just loaded:
    // a `deny` violation refuses to serve.
    let findings = policy::findings(config, &runtime.registry())?;
    audit.record("policy", serde_json::json!({"policies": findings.len(), "violations": findings.iter().map(|f| f.violations.len()).sum::<usize>()}));
    policy::enforce(&findings)?;
    if config.watch {
        runtime.watch()?;
    }
    let ready = {
        let runtime = runtime.clone();
        transport::observe::Readiness::new(move || {
            let registry = runtime.registry();
            (registry.components.len(), registry.tools().len())
        })
    };
    let ready = match runtime.shared().cloned() {
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
    let tenants = runtime.tenants().clone();
    if let Some(shared) = runtime.shared() {
        tenants.share_usage(shared.clone());
    }
    let dispatcher = Arc::new(dispatch::Dispatcher::new(runtime, metrics.clone(), controls));
    let server = mcp::McpServer::new(dispatcher.clone(), config.subscription_poll, default_caller);
    Ok(Host { server, dispatcher, metrics, audit, tenants, ready })
}

async fn serve_stdio(config: &Config) -> Result<()> {
    let host = start_host(config, "stdio", identity::Caller::stdio(&config.stdio_role)).await?;
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
async fn doctor(config: &Config) -> Result<()> {
    let mut config = config.clone();
    config.profile = rbac::profile("all")?;
    let host = start_host(&config, "doctor", identity::Caller::stdio("admin")).await?;
    let checked = doctor::check_all(&host.dispatcher, &identity::Caller::stdio("admin")).await;
    let (report, passed) = doctor::report(&checked);
    print!("{report}");
    host.audit.flush(AUDIT_FLUSH_LIMIT);
    anyhow::ensure!(passed, "some tools failed or returned results their schemas refuse (see above)");
    Ok(())
}

/// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
async fn serve_http(config: &Config) -> Result<()> {
    let settings = config.http.clone().ok_or_else(|| anyhow::anyhow!("epmcp serve needs --listen ADDR (or EPMCP_LISTEN)"))?;
    // Every request of the listener carries its authenticated caller; this one is never used.
    let host = start_host(config, "http", identity::Caller { id: "unauthenticated".into(), label: "unauthenticated".into(), role: "none".into(), tenant: tenant::DEFAULT.into(), address: None, expires: None }).await?;
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

/// `epmcp --health`: prints one JSON line and exits 0 when ready, 1 when not, 2 when
/// the configuration is invalid. With a listener configured it asks the running server;
/// otherwise it checks that this configuration starts (components load and link).
async fn check_health(cli: Cli) -> ExitCode {
    let config = match cli.runtime.validate() {
        Ok(config) => config,
        Err(e) => {
            println!("{}", serde_json::json!({"ready": false, "reason": format!("invalid configuration: {e:#}")}));
            return ExitCode::from(2);
        }
    };
    // A listener that requires client certificates cannot be asked without one: then
    // the metrics listener answers, if there is one.
    let listener = config.http.as_ref().filter(|h| h.tls.as_ref().is_none_or(|t| t.client_ca.is_none() || t.client_cert_optional)).map(|h| (h.listen, h.tls.as_ref()));
    let (ready, report) = match listener.or(config.metrics_listen.map(|addr| (addr, None))) {
        Some((addr, tls)) => transport::observe::probe(addr, tls).await,
        None => match start(&config).await.and_then(|(rt, refusals)| require_components(&config, &rt, &refusals).map(|()| rt)) {
            Ok(rt) => {
                // A configuration its policies refuse would not start: invalid, like a bad flag.
                let verdict = policy::findings(&config, &rt.registry()).and_then(|f| policy::enforce(&f));
                if let Err(e) = verdict {
                    println!("{}", serde_json::json!({"ready": false, "reason": format!("invalid configuration: {e:#}")}));
                    return ExitCode::from(2);
                }
                let (components, tools) = (rt.registry().components.len(), rt.registry().tools().len());
                let mut report = serde_json::json!({"ready": tools > 0, "components": components, "tools": tools});
                if tools == 0 {
                    report["reason"] = format!("no components in {}", config.components_dir.display()).into();
                }
                (tools > 0, report)
            }
            Err(e) => (false, serde_json::json!({"ready": false, "reason": format!("{e:#}")})),
        },
    };
    println!("{report}");
    if ready { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
