//! Installing components: the components directory → verified, compiled, linked and
//! described components → a new [`Registry`] snapshot, swapped in atomically. Runs at
//! start and whenever the directory changes (see `watch.rs`).
//!
//! The order for one component is the order of trust: its manifest must be signed or
//! pinned (`trust.rs`) and name the very `.wasm` bytes read, before any of its code is
//! compiled; then it must link (only the imports the host grants), describe itself
//! consistently with its manifest, and clash with no other component's names. A component
//! that fails any step is refused with a log line and an audit record, and the version
//! already serving (if any) keeps serving.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use serde_json::json;

use super::Runtime;
use super::bindings::ComponentInfo;
use super::directory::{self, Fingerprint};
use super::manifest::{self, Manifest};
use super::registry::{self, Entry, Loaded, Registry};
use crate::digest::sha256_hex;
use crate::runtime::trust::Verdict;

/// Each list clients may cache, counted up when its content changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generations {
    pub tools: u64,
    pub resources: u64,
    pub prompts: u64,
}

/// What the runtime has installed, and what it refused (not retried until its files change).
#[derive(Default)]
pub(super) struct Installed {
    current: BTreeMap<String, Arc<Entry>>,
    refused: BTreeMap<String, Fingerprint>,
}

/// A component's code is read whole (to hash it) before anything else: bounded.
pub const MAX_COMPONENT_BYTES: u64 = 64 << 20;
/// Manifests and signatures are a few lines.
pub const MAX_MANIFEST_BYTES: u64 = 64 << 10;

/// A file of at most `cap` bytes.
fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes).with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() as u64 > cap {
        bail!("{} is larger than {} KiB", path.display(), cap >> 10);
    }
    Ok(bytes)
}

fn not_found(error: &anyhow::Error) -> bool {
    error.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
}

/// One reload's refusals: component stem and reason.
pub type Refusals = Vec<(String, String)>;

impl Runtime {
    /// Brings the served components in line with the directory: new and changed
    /// components are installed, removed ones dropped. Calls in flight finish on the
    /// snapshot they started with.
    pub async fn reload(&self) -> Result<Refusals> {
        let mut installed = self.installed.lock().await;
        let found = directory::scan(&self.components_dir)?;
        let mut refusals = Refusals::new();
        let mut changed = false;
        let mut keep: BTreeMap<String, Arc<Entry>> = BTreeMap::new();
        let mut fresh: Vec<(String, Arc<Entry>)> = Vec::new();
        installed.refused.retain(|stem, _| found.contains_key(stem));
        for (stem, old) in &installed.current {
            if !found.contains_key(stem) {
                self.announce("removed", &old.loaded, None);
                changed = true;
            }
        }
        let mut todo: Vec<(&String, Fingerprint)> = Vec::new();
        for (stem, fingerprint) in &found {
            let old = installed.current.get(stem).cloned();
            if old.as_ref().is_some_and(|old| old.loaded.fingerprint == *fingerprint) || installed.refused.get(stem) == Some(fingerprint) {
                keep.extend(old.map(|old| (stem.clone(), old)));
            } else {
                todo.push((stem, *fingerprint));
            }
        }
        // Compiling or mapping precompiled code runs on blocking threads: one component per
        // core at a time (a large one, such as a JavaScript engine, no longer delays the rest),
        // the results taken in file order.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let installs: Vec<_> = todo.iter().map(|(stem, fingerprint)| self.install(stem, *fingerprint)).collect();
        let results: Vec<_> = futures::stream::iter(installs).buffered(cores).collect().await;
        for ((stem, fingerprint), result) in todo.into_iter().zip(results) {
            match result {
                Ok(new) => fresh.push((stem.clone(), new)),
                Err(e) => {
                    self.refuse(stem, &e, &mut refusals);
                    installed.refused.insert(stem.clone(), fingerprint);
                    keep.extend(installed.current.get(stem).cloned().map(|old| (stem.clone(), old)));
                }
            }
        }
        // Serving components first: a newcomer cannot take a name from one of them.
        let mut trial = Registry::default();
        for entry in keep.values() {
            trial.add(entry).context("a serving component no longer fits")?;
        }
        for (stem, new) in fresh {
            let old = installed.current.get(&stem).cloned();
            match trial.add(&new) {
                Ok(()) => {
                    self.announce(if old.is_some() { "replaced" } else { "loaded" }, &new.loaded, old.as_deref().map(|o| &*o.loaded));
                    keep.insert(stem.clone(), new);
                    changed = true;
                }
                Err(e) => {
                    self.refuse(&stem, &e, &mut refusals);
                    installed.refused.insert(stem.clone(), new.loaded.fingerprint);
                    if let Some(old) = old.filter(|old| trial.add(old).is_ok()) {
                        keep.insert(stem, old);
                    }
                }
            }
        }
        if changed {
            self.swap(&keep);
            installed.current = keep;
        }
        Ok(refusals)
    }

    /// A new snapshot in file order (the names were checked in `reload`), and each list
    /// whose content changed counted up for the sessions that announce changes.
    fn swap(&self, components: &BTreeMap<String, Arc<Entry>>) {
        let previous = self.registry.load_full();
        let mut next = Registry::default();
        next.generation = previous.generation + 1;
        for entry in components.values() {
            if let Err(e) = next.add(entry) {
                tracing::error!(component = %entry.loaded.name, "component dropped: {e:#}");
            }
        }
        let (before, after) = (previous.list_keys(), next.list_keys());
        let differs = |i: usize| u64::from(before[i] != after[i]);
        self.changes.send_modify(|g| {
            g.tools += differs(0);
            g.resources += differs(1);
            g.prompts += differs(2);
        });
        self.registry.store(Arc::new(next));
    }

    fn announce(&self, action: &'static str, loaded: &Loaded, replaced: Option<&Loaded>) {
        let file = loaded.file.file_name().map(|f| f.to_string_lossy().into_owned());
        tracing::info!(
            component = %loaded.name, version = %loaded.version, file = ?file, trust = %loaded.verdict,
            tools = loaded.info.tools.len(), resources = loaded.info.resources.len(), prompts = loaded.info.prompts.len(),
            "component {action}"
        );
        self.metrics.component_change(action);
        let mut record = json!({
            "action": action,
            "component": loaded.name,
            "version": loaded.version,
            "digest": format!("sha256:{}", loaded.digest),
            "file": file,
            "trust": loaded.verdict.to_string(),
        });
        if let Some(old) = replaced {
            record["previous"] = json!({"version": old.version, "digest": format!("sha256:{}", old.digest)});
        }
        self.audit.record("component", record);
    }

    fn refuse(&self, stem: &str, error: &anyhow::Error, refusals: &mut Refusals) {
        let file = self.components_dir.join(format!("{stem}.wasm"));
        tracing::error!(file = %file.display(), "component refused: {error:#}");
        self.metrics.component_change("refused");
        self.audit.security("component_refused", json!({"file": format!("{stem}.wasm"), "reason": format!("{error:#}")}));
        refusals.push((stem.to_string(), format!("{error:#}")));
    }

    /// Verifies, compiles, links and describes one component.
    async fn install(&self, stem: &str, fingerprint: Fingerprint) -> Result<Arc<Entry>> {
        let file = self.components_dir.join(format!("{stem}.wasm"));
        let bytes = read_capped(&file, MAX_COMPONENT_BYTES)?;
        let digest = sha256_hex(&bytes);
        let (manifest, verdict) = self.verify(&file, &digest)?;
        let empty_filesystem = manifest.as_ref().is_some_and(|m| m.empty_filesystem);
        let (pre, info) = self.compile_and_describe(&file, bytes, &digest, empty_filesystem).await?;
        let manifest = manifest.unwrap_or_else(|| Manifest::describing(&info, &digest));
        let limits = manifest.check(&info, &self.limits)?;
        let loaded = Arc::new(Loaded {
            name: info.name.clone(),
            version: info.version.clone(),
            file,
            digest,
            pre,
            info,
            manifest,
            limits,
            verdict,
            fingerprint,
        });
        Ok(Arc::new(Entry::new(loaded)?))
    }

    /// The trust step: the manifest beside `file` (if any), and why it is trusted.
    fn verify(&self, file: &Path, digest: &str) -> Result<(Option<Manifest>, Verdict)> {
        let (manifest_path, signature_path) = manifest::paths(file);
        let manifest_bytes = match read_capped(&manifest_path, MAX_MANIFEST_BYTES) {
            Ok(bytes) => bytes,
            Err(e) if not_found(&e) && self.trust.allow_unsigned => return Ok((None, Verdict::Unverified)),
            Err(e) if not_found(&e) => bail!(
                "no manifest {}: sign the component (`epmcp components sign`), pin its manifest, or start with --allow-unsigned for development",
                manifest_path.display()
            ),
            Err(e) => return Err(e),
        };
        let signature = match read_capped(&signature_path, MAX_MANIFEST_BYTES) {
            Ok(bytes) => Some(String::from_utf8(bytes).context("the signature file is not UTF-8")?),
            Err(e) if not_found(&e) => None,
            Err(e) => return Err(e),
        };
        let verdict = self.trust.check(&manifest_bytes, signature.as_deref())?;
        let manifest = Manifest::parse(std::str::from_utf8(&manifest_bytes).context("the manifest is not UTF-8")?)?;
        manifest.check_digest(digest)?;
        Ok((Some(manifest), verdict))
    }

    /// Compiles (on a blocking thread: serving goes on meanwhile) and links a component,
    /// and asks it to describe itself (unless its description is kept beside its `.cwasm`).
    pub(super) async fn compile_and_describe(
        &self,
        file: &Path,
        bytes: Vec<u8>,
        digest: &str,
        empty_filesystem: bool,
    ) -> Result<(super::bindings::ToolProviderPre<super::store::State>, ComponentInfo)> {
        let linker = if empty_filesystem { &self.linker_with_empty_filesystem } else { &self.linker };
        let (engine, linker, cache_dir) = (self.engine.clone(), linker.clone(), self.cache_dir.clone());
        let (path, hex) = (file.to_path_buf(), digest.to_string());
        let pre = tokio::task::spawn_blocking(move || registry::compile_and_link(&engine, &linker, &cache_dir, &path, &bytes, &hex))
            .await
            .context("the compiler thread failed")??;
        // The description is kept beside the precompiled code, under the same key: a start
        // that finds it runs no component code at all until the first call.
        let description = registry::description_path(&self.engine, &self.cache_dir, file, digest);
        if let Some(info) = registry::read_description(&description) {
            return Ok((pre, info));
        }
        let mut store = self.store("describe", Arc::from(Vec::new()), Arc::default(), None, &self.host_limits(), &self.host_scope);
        let instance = pre.instantiate_async(&mut store).await.map_err(|e| anyhow::anyhow!("{e:#}"))?;
        let info = instance.epmcp_tool_tools().call_describe(&mut store).await.map_err(|e| anyhow::anyhow!("describe() failed: {e:#}"))?;
        registry::write_description(&description, &info);
        Ok((pre, info))
    }
}
