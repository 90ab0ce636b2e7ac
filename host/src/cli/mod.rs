//! The command line: flags and settings (`args`, `settings`), the serve assembly
//! (`serve`), the readiness check (`health`) and the operator commands. It builds each
//! layer's own settings; no layer names it.

pub mod args;
mod distribution;
pub mod doctor;
pub mod health;
pub mod operator;
pub mod policy;
pub mod serve;
pub mod settings;
mod template;

use std::sync::Arc;

use anyhow::Result;

use crate::audit::{self, Audit};
use crate::auth;
use crate::egress::breaker::Breaker;
use crate::egress::budget::Budget;
use crate::egress::upstream::Upstream;
use crate::egress::Egress;
use crate::metrics::Metrics;
use crate::runtime::{Refusals, Runtime, trust};
use crate::shared::Shared;
use args::{AuditCommand, Cli, Command, ComponentsCommand, KeysCommand, PolicyCommand};
use settings::Config;

pub async fn run(cli: Cli) -> Result<()> {
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
    if let Some(Command::Components { command: Some(ComponentsCommand::New { name, into, guest_client }) }) = &cli.command {
        let made = template::new_component(name, into.as_deref().unwrap_or(std::path::Path::new(".")), guest_client)?;
        println!("made {}: build it with `cargo build --release --target wasm32-wasip2` there (see its README.md)", made.display());
        return Ok(());
    }
    let config = cli.runtime.validate()?;
    match cli.command.unwrap_or(Command::Stdio) {
        Command::Stdio => serve::stdio(&config).await,
        Command::Serve => serve::http(&config).await,
        Command::Keys(_) => unreachable!("handled before the configuration is needed"),
        Command::Precompile => operator::precompile(&config).await,
        Command::Doctor => serve::doctor(&config).await,
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

/// The runtime with the components loaded, without metrics, audit or Redis (operator commands).
pub async fn start(config: &Config) -> Result<(Arc<Runtime>, Refusals)> {
    let (runtime, _, refusals) = start_with(config, Arc::new(Metrics::default()), Audit::off(), None).await?;
    Ok((runtime, refusals))
}

/// The egress every call goes out through, and the runtime with the components loaded.
pub async fn start_with(config: &Config, metrics: Arc<Metrics>, audit: Audit, shared: Option<Arc<Shared>>) -> Result<(Arc<Runtime>, Arc<Egress>, Refusals)> {
    let egress = egress(config, &metrics, &audit, shared)?;
    let (runtime, refusals) = Runtime::start(&config.runtime, egress.clone(), metrics, audit).await?;
    Ok((runtime, egress, refusals))
}

/// The one way out for every call's EP requests: the client to the EP API, the API's
/// budget, the circuit breaker.
pub fn egress(config: &Config, metrics: &Arc<Metrics>, audit: &Audit, shared: Option<Arc<Shared>>) -> Result<Arc<Egress>> {
    let upstream = Upstream::new(config.upstream.clone())?;
    let budget = Budget::per_5min(config.upstream_per_5min, shared, "");
    let breaker = config.breaker.map(|b| Breaker::new(b, metrics.clone(), audit.clone()));
    Ok(Arc::new(Egress::new(upstream, budget, breaker, metrics.clone())))
}

/// A server whose components were all refused would answer with no EP tools at all, and
/// a client would show nothing but an empty list: that is a failed start, with its cause
/// and the fix. (An empty directory is not: components may be installed while serving.)
pub fn require_components(config: &Config, runtime: &Runtime, refusals: &Refusals) -> Result<()> {
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
        config.runtime.components_dir.display()
    )
}
