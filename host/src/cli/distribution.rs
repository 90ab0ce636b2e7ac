//! Components from OCI registries: `epmcp components push|pull`, and a server keeping
//! `--components-from` installed. A pull is loaded in a staging directory exactly as the
//! server loads a component (trust, digests, link, description) before anything is
//! renamed into the components directory; a refusal installs nothing.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use oci_client::Reference;
use serde_json::json;

use super::settings::Config;
use crate::audit::Audit;
use crate::digest::sha256_hex;
use crate::runtime::Runtime;
use crate::runtime::artifact::{self, Files, Remote};
use crate::runtime::manifest::Manifest;

/// Registry credentials from the environment (never from arguments, which `ps` shows).
fn credentials() -> Option<(String, String)> {
    Some((std::env::var("EPMCP_REGISTRY_USERNAME").ok()?, std::env::var("EPMCP_REGISTRY_PASSWORD").ok()?))
}

/// Pushes one component. Its manifest must name the very code pushed; an unsigned one is
/// pushed with a warning (only a server pinning its manifest will load it).
pub async fn push(reference: &str, files: &[std::path::PathBuf], plain_http: bool) -> Result<()> {
    let reference = artifact::reference(reference)?;
    let mut wasm = files.iter().filter(|f| f.extension().is_some_and(|e| e == "wasm"));
    let (Some(wasm), None) = (wasm.next(), wasm.next()) else { bail!("name one component's .wasm (its manifest and signature are taken from beside it)") };
    let files = Files::read(wasm)?;
    let manifest = Manifest::parse(std::str::from_utf8(&files.manifest).context("the manifest is not UTF-8")?)?;
    manifest.check_digest(&sha256_hex(&files.wasm)).with_context(|| format!("{}: sign it again before pushing", wasm.display()))?;
    if files.signature.is_none() {
        eprintln!("{}: no signature; only a server pinning its manifest will load it", wasm.display());
    }
    let digest = Remote::new(&reference, plain_http, credentials())?.push(&reference, &files, &manifest.name, &manifest.version).await?;
    println!("pushed {} {} to {reference}", manifest.name, manifest.version);
    println!("digest {digest}");
    Ok(())
}

/// `epmcp components pull`: one component into `into` (the components directory by default).
pub async fn pull(config: &Config, reference: &str, into: Option<&Path>, plain_http: bool) -> Result<()> {
    let reference = artifact::reference(reference)?;
    let remote = Remote::new(&reference, plain_http || config.registry_plain_http, credentials())?;
    let into = into.unwrap_or(&config.runtime.components_dir);
    let pulled = pull_checked(config, &remote, &reference, into).await?;
    println!("pulled {} from {reference}", pulled.summary);
    println!("digest {}", pulled.digest);
    println!("installed {}", into.join(format!("{}.wasm", pulled.stem)).display());
    Ok(())
}

/// A pulled component the load check refused: that artifact will not do (unlike a failed
/// download, which a later look may retry).
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// What a pull installed.
pub struct Pulled {
    /// Name, version, code digest and trust, as a load reports them.
    pub summary: String,
    /// The artifact's (OCI manifest's) digest.
    pub digest: String,
    pub stem: String,
}

/// Fetches the artifact, loads it alone in a staging directory with the server's trust
/// settings, and installs it into `into` only if that load accepts it.
async fn pull_checked(config: &Config, remote: &Remote, reference: &Reference, into: &Path) -> Result<Pulled> {
    let (files, digest) = remote.pull(reference).await?;
    let staging = std::env::temp_dir().join(format!("epmcp-pull-{}-{}", std::process::id(), files.stem));
    let _ = std::fs::remove_dir_all(&staging);
    let checked: Result<String> = async {
        files.install(&staging)?;
        let mut staged = config.clone();
        staged.runtime.components_dir = staging.clone();
        let (runtime, refusals) = super::start(&staged).await?;
        if let Some((stem, reason)) = refusals.first() {
            return Err(Refused(format!("{reference}: refused, nothing installed: {stem}.wasm: {reason}")).into());
        }
        let registry = runtime.registry();
        let loaded = registry.components.first().context("the artifact holds no component")?;
        Ok(format!("{} {} (sha256:{}, {})", loaded.name, loaded.version, loaded.digest, loaded.verdict))
    }
    .await;
    let _ = std::fs::remove_dir_all(&staging);
    let summary = checked?;
    files.install(into)?;
    Ok(Pulled { summary, digest, stem: files.stem })
}

/// Keeps each reference of `--components-from` installed: looks at its digest at start and
/// every `--components-refresh-secs`, and pulls (checked, as `pull`) only when it changed.
/// Each outcome is logged and audited; a refused version is not fetched again until the
/// reference points elsewhere (a failed download is), and the version installed before
/// keeps serving.
pub fn keep_in_sync(config: Config, runtime: Arc<Runtime>, audit: Audit) {
    tokio::spawn(async move {
        // The artifact digest last acted on, per reference (installed or refused), and the
        // last failure said (a registry that stays down is said once, not at every look).
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut failing: HashMap<String, String> = HashMap::new();
        loop {
            for text in &config.components_from {
                let outcome = sync_one(&config, text, &mut seen).await;
                if outcome.is_ok() {
                    failing.remove(text);
                }
                match outcome {
                    Ok(None) => {}
                    Ok(Some(pulled)) => {
                        tracing::info!(reference = %text, digest = %pulled.digest, "component pulled: {}", pulled.summary);
                        audit.record("component_pulled", json!({"reference": text, "digest": pulled.digest, "file": format!("{}.wasm", pulled.stem)}));
                        if let Err(e) = runtime.reload().await {
                            tracing::error!("reloading the components directory: {e:#}");
                        }
                    }
                    Err(e) if failing.get(text) == Some(&format!("{e:#}")) => {}
                    Err(e) => {
                        failing.insert(text.clone(), format!("{e:#}"));
                        tracing::error!(reference = %text, "component pull refused: {e:#}");
                        audit.security("component_pull_refused", json!({"reference": text, "reason": format!("{e:#}")}));
                    }
                }
            }
            tokio::time::sleep(config.components_refresh).await;
        }
    });
}

async fn sync_one(config: &Config, text: &str, seen: &mut HashMap<String, String>) -> Result<Option<Pulled>> {
    let reference = artifact::reference(text)?;
    let remote = Remote::new(&reference, config.registry_plain_http, credentials())?;
    let current = remote.digest(&reference).await?;
    if seen.get(text) == Some(&current) {
        return Ok(None);
    }
    let pulled = pull_checked(config, &remote, &reference, &config.runtime.components_dir).await;
    // Installed or refused, that digest is done with; a failed download is tried again.
    match &pulled {
        Ok(installed) => _ = seen.insert(text.to_string(), installed.digest.clone()),
        Err(e) if e.downcast_ref::<Refused>().is_some() => _ = seen.insert(text.to_string(), current),
        Err(_) => {}
    }
    pulled.map(Some)
}
