//! `epmcp components …`: what an operator needs to install, check and sign tool
//! components. Every command loads the directory exactly as the server would (same trust,
//! manifest and link checks), so what it prints is what the server will serve.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use super::args::ComponentsCommand;
use super::distribution;
use super::settings::Config;
use crate::digest::sha256_hex;
use crate::runtime::manifest::{self, Manifest};
use crate::runtime::registry::{Loaded, Registry};
use crate::runtime::{Refusals, Runtime};
use crate::runtime::trust;
use crate::audit::Audit;
use crate::metrics::Metrics;

pub async fn components(config: &Config, command: ComponentsCommand) -> Result<()> {
    match command {
        ComponentsCommand::List => list(config).await,
        ComponentsCommand::Inspect { name } => inspect(config, &name).await,
        ComponentsCommand::Verify => verify(config).await,
        ComponentsCommand::Precompile => precompile(config).await,
        ComponentsCommand::Sign { key, empty_filesystem, files } => sign(config, &key, empty_filesystem, &files).await,
        ComponentsCommand::Push { reference, files, plain_http } => distribution::push(&reference, &files, plain_http).await,
        ComponentsCommand::Pull { reference, into, plain_http } => distribution::pull(config, &reference, into.as_deref(), plain_http).await,
        ComponentsCommand::Keygen { .. } | ComponentsCommand::New { .. } => unreachable!("handled before the configuration is needed"),
    }
}

/// Loading the components compiles any that lack a matching `.cwasm` and caches it;
/// exits non-zero if any component is refused.
pub async fn precompile(config: &Config) -> Result<()> {
    let (runtime, refusals) = super::start(config).await?;
    for c in &runtime.registry().components {
        println!("{} {} ({})", c.name, c.version, c.file.display());
    }
    print_refusals(&refusals);
    println!("precompiled into {}", config.runtime.cache_dir.display());
    if !refusals.is_empty() {
        bail!("{} component(s) refused", refusals.len());
    }
    Ok(())
}

async fn list(config: &Config) -> Result<()> {
    let (runtime, refusals) = super::start(config).await?;
    let registry = runtime.registry();
    for c in &registry.components {
        println!("{} {}  sha256:{}  {}  {}", c.name, c.version, c.digest, c.verdict, c.file.display());
        for t in registry.tools_of(c) {
            println!("  {:<28} egress: {}", t.name, t.prefixes.join(", "));
        }
    }
    print_refusals(&refusals);
    Ok(())
}

/// Exits non-zero if any component would be refused.
async fn verify(config: &Config) -> Result<()> {
    let (runtime, refusals) = super::start(config).await?;
    for c in &runtime.registry().components {
        println!("ok       {} {} ({})", c.name, c.version, c.verdict);
    }
    print_refusals(&refusals);
    if !refusals.is_empty() {
        bail!("{} component(s) refused", refusals.len());
    }
    Ok(())
}

async fn inspect(config: &Config, name: &str) -> Result<()> {
    let (runtime, refusals) = super::start(config).await?;
    let registry = runtime.registry();
    let stem_of = |c: &Loaded| c.file.file_stem().map(|s| s.to_string_lossy().into_owned());
    let Some(c) = registry.components.iter().find(|c| c.name == name || stem_of(c).as_deref() == Some(name)) else {
        print_refusals(&refusals);
        bail!("no component '{name}' is served from {}", config.runtime.components_dir.display());
    };
    print!("{}", describe(&registry, c));
    Ok(())
}

/// Everything about one component, as `inspect` prints it.
fn describe(registry: &Registry, c: &Arc<Loaded>) -> String {
    let (manifest_path, _) = manifest::paths(&c.file);
    let manifest_digest = std::fs::read(&manifest_path).map(|b| format!("sha256:{}", sha256_hex(&b)));
    let mut out = format!("component  {} {}\n", c.name, c.version);
    out += &format!("file       {}\n", c.file.display());
    out += &format!("digest     sha256:{}\n", c.digest);
    out += &format!("trust      {}\n", c.verdict);
    match manifest_digest {
        Ok(digest) => out += &format!("manifest   {} ({digest}: pin this to trust it without a signature)\n", manifest_path.display()),
        Err(_) => out += "manifest   none (the defaults below)\n",
    }
    out += &format!("egress     {}\n", c.manifest.egress.join(", "));
    out += &format!(
        "limits     deadline {} ms, memory {} MiB, output {} KiB\n",
        c.limits.deadline.as_millis(),
        c.limits.memory_bytes >> 20,
        c.limits.max_output_bytes >> 10
    );
    out += "tools\n";
    for t in registry.tools_of(c) {
        out += &format!("  {:<28} egress: {}\n", t.name, t.prefixes.join(", "));
    }
    for r in &c.info.resources {
        out += &format!("resource   {} (tool {})\n", r.uri_template, r.tool);
    }
    for p in &c.info.prompts {
        out += &format!("prompt     {}\n", p.name);
    }
    out
}

fn print_refusals(refusals: &Refusals) {
    for (stem, reason) in refusals {
        println!("REFUSED  {stem}.wasm: {reason}");
    }
}

/// Writes and signs each component's manifest. A manifest already there keeps its
/// policy (egress, limits) and gets the component's name, version and digest; a new one
/// is made from the component's description. `empty_filesystem` grants (and keeps) a
/// wasi:filesystem without directories.
async fn sign(config: &Config, key: &Path, empty_filesystem: bool, files: &[std::path::PathBuf]) -> Result<()> {
    let key = trust::read_signing_key(key)?;
    let metrics = Arc::new(Metrics::default());
    let egress = super::egress(config, &metrics, &Audit::off(), None)?;
    let runtime = Runtime::new(&config.runtime, egress, metrics, Audit::off())?;
    for file in files {
        let (manifest_path, signature_path) = manifest::paths(file);
        let existing = match std::fs::read_to_string(&manifest_path) {
            Ok(text) => Some(Manifest::parse(&text).with_context(|| manifest_path.display().to_string())?),
            Err(_) => None,
        };
        let empty_filesystem = empty_filesystem || existing.as_ref().is_some_and(|m| m.empty_filesystem);
        let manifest = match (runtime.describe_file(file, empty_filesystem).await, existing) {
            (Ok((info, digest)), Some(kept)) => {
                Manifest { name: info.name.clone(), version: info.version.clone(), digest: format!("sha256:{digest}"), empty_filesystem, ..kept }
            }
            (Ok((info, digest)), None) => Manifest { empty_filesystem, ..Manifest::describing(&info, &digest) },
            // A component that cannot run here (e.g. it imports what the host refuses) can
            // still be signed from a manifest written by hand.
            (Err(e), Some(kept)) => {
                eprintln!("{}: {e:#}; signing its manifest as written", file.display());
                let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
                Manifest { digest: format!("sha256:{}", sha256_hex(&bytes)), ..kept }
            }
            (Err(e), None) => return Err(e).with_context(|| format!("{}: cannot describe it, and it has no manifest", file.display())),
        };
        let text = manifest.render();
        std::fs::write(&manifest_path, &text).with_context(|| format!("writing {}", manifest_path.display()))?;
        std::fs::write(&signature_path, trust::sign(&key, text.as_bytes())).with_context(|| format!("writing {}", signature_path.display()))?;
        println!("signed {} {} ({})", manifest.name, manifest.version, manifest_path.display());
    }
    Ok(())
}
