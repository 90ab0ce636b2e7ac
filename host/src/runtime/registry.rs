//! Loaded components → the table of tools, resources and prompts the host serves. A
//! `Registry` is an immutable snapshot: a change of the components directory builds a new
//! one (see `install.rs`), and calls in flight keep the snapshot they started with.
//! Compiling: a `*.wasm` is loaded from the precompiled cache when this host made a
//! matching `.cwasm`, otherwise compiled (and cached); then linked once (`InstancePre`).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::digest::hex;
use crate::runtime::trust::Verdict;
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use super::bindings::{Annotations, ComponentInfo, PromptBody, ToolProviderPre};
use crate::runtime::catalog::{self, CompletionSpec, PromptArgumentSpec, PromptSource, PromptSpec, ResourceSpec};
use super::directory::Fingerprint;
use super::manifest::{ComponentLimits, Manifest};
use super::portable::{Kind, check, portable};
use super::store::State;
use crate::runtime::validate::Schemas;

/// A loaded component, ready to instantiate.
pub struct Loaded {
    pub name: String,
    pub version: String,
    pub file: PathBuf,
    /// SHA-256 of the `.wasm`, hex.
    pub digest: String,
    pub pre: ToolProviderPre<State>,
    /// What it said about itself (kept to rebuild the registry after a change).
    pub info: ComponentInfo,
    /// Its manifest (or, for an unsigned development component, the default one).
    pub manifest: Manifest,
    pub limits: ComponentLimits,
    /// Why the host trusts it.
    pub verdict: Verdict,
    /// The state of its files when it was loaded.
    pub fingerprint: Fingerprint,
}

/// One tool, as the host serves and checks it.
pub struct ToolSpec {
    pub name: String,
    pub title: String,
    pub description: String,
    pub input_schema: Value,
    /// `None`: the tool returns content blocks only.
    pub output_schema: Option<Value>,
    pub annotations: Annotations,
    /// The egress prefixes the tool declared (its whole network policy).
    pub prefixes: Arc<[String]>,
    pub schemas: Schemas,
    pub component: Arc<Loaded>,
}

#[derive(Default)]
pub struct Registry {
    /// Counts the snapshots: a cached tools/list answer is valid for one generation.
    pub generation: u64,
    tools: Vec<Arc<ToolSpec>>,
    by_name: HashMap<String, Arc<ToolSpec>>,
    pub resources: Vec<ResourceSpec>,
    pub prompts: Vec<PromptSpec>,
    pub components: Vec<Arc<Loaded>>,
}

impl Registry {
    pub fn tools(&self) -> &[Arc<ToolSpec>] {
        &self.tools
    }

    /// The tools `component` provides.
    pub fn tools_of<'a>(&'a self, component: &'a Arc<Loaded>) -> impl Iterator<Item = &'a Arc<ToolSpec>> + 'a {
        self.tools.iter().filter(move |t| Arc::ptr_eq(&t.component, component))
    }

    pub fn get(&self, name: &str) -> Option<&Arc<ToolSpec>> {
        self.by_name.get(name)
    }

    pub fn prompt(&self, name: &str) -> Option<&PromptSpec> {
        self.prompts.iter().find(|p| p.name == name)
    }

    pub fn resource_template(&self, uri_template: &str) -> Option<&ResourceSpec> {
        self.resources.iter().find(|r| r.uri_template == uri_template)
    }

    /// What identifies each list's content (entry names and their component's digest),
    /// to tell clients which lists changed.
    pub fn list_keys(&self) -> [Vec<(&str, &str)>; 3] {
        let mut keys: [Vec<(&str, &str)>; 3] = Default::default();
        for c in &self.components {
            keys[0].extend(c.info.tools.iter().map(|t| (t.name.as_str(), c.digest.as_str())));
            keys[1].extend(c.info.resources.iter().map(|r| (r.uri_template.as_str(), c.digest.as_str())));
            keys[2].extend(c.info.prompts.iter().map(|p| (p.name.as_str(), c.digest.as_str())));
        }
        keys
    }

    /// Adds a component's tools, resources and prompts; refuses it whole if a name (or
    /// URI template) is taken.
    pub fn add(&mut self, entry: &Entry) -> Result<()> {
        if let Some(t) = entry.tools.iter().find(|t| self.by_name.contains_key(&t.name)) {
            bail!("tool '{}' is already provided by another component", t.name);
        }
        if let Some(r) = entry.resources.iter().find(|r| self.resource_template(&r.uri_template).is_some()) {
            bail!("resource {}: already provided", r.uri_template);
        }
        if let Some(p) = entry.prompts.iter().find(|p| self.prompt(&p.name).is_some()) {
            bail!("prompt '{}' is already provided", p.name);
        }
        self.resources.extend(entry.resources.iter().cloned());
        self.prompts.extend(entry.prompts.iter().cloned());
        for spec in &entry.tools {
            self.by_name.insert(spec.name.clone(), spec.clone());
            self.tools.push(spec.clone());
        }
        self.components.push(entry.loaded.clone());
        Ok(())
    }
}

/// A component with its tools, resources and prompts checked and compiled (schemas
/// included), once per installation: building a registry snapshot only checks names.
pub struct Entry {
    pub loaded: Arc<Loaded>,
    tools: Vec<Arc<ToolSpec>>,
    resources: Vec<ResourceSpec>,
    prompts: Vec<PromptSpec>,
}

impl Entry {
    /// Refuses the component whole if anything it describes is unusable.
    pub fn new(loaded: Arc<Loaded>) -> Result<Entry> {
        let info = loaded.info.clone();
        let mut specs: Vec<ToolSpec> = Vec::new();
        for t in info.tools {
            if specs.iter().any(|s| s.name == t.name) {
                bail!("tool '{}' is described twice", t.name);
            }
            if super::catalog::is_host_tool(&t.name) {
                bail!("tool '{}' is one the host answers itself", t.name);
            }
            if t.name.is_empty() || !t.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                bail!("tool name '{}' is not snake_case", t.name);
            }
            // Enforced in their portable form; advertised leaner (see `portable::advertised`).
            let input_schema: Value = serde_json::from_str(&t.input_schema).with_context(|| format!("tool '{}': input schema", t.name))?;
            let input_schema = portable(&input_schema, Kind::Input);
            let output_schema: Option<Value> = t
                .output_schema
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .with_context(|| format!("tool '{}': output schema", t.name))?
                .map(|s: Value| portable(&s, Kind::Output));
            // A schema still not portable (a remote `$ref`) is refused: every client must compile it.
            for schema in std::iter::once(&input_schema).chain(output_schema.as_ref()) {
                check(schema).map_err(|e| anyhow::anyhow!("tool '{}': a schema clients cannot compile: {e}", t.name))?;
            }
            let schemas = Schemas::compile(&input_schema, output_schema.as_ref()).with_context(|| format!("tool '{}'", t.name))?;
            specs.push(ToolSpec {
                name: t.name,
                title: t.title,
                description: t.description,
                input_schema,
                output_schema,
                annotations: t.annotations,
                prefixes: t.egress_prefixes.into(),
                schemas,
                component: loaded.clone(),
            });
        }
        let mut resources = Vec::new();
        for r in info.resources {
            if !specs.iter().any(|s| s.name == r.tool) {
                bail!("resource {}: tool '{}' is not one of this component's tools", r.uri_template, r.tool);
            }
            if !catalog::valid_resource_template(&r.uri_template) {
                bail!("resource {}: not a URI template of a scheme a component may serve", r.uri_template);
            }
            if resources.iter().any(|q: &ResourceSpec| q.uri_template == r.uri_template) {
                bail!("resource {}: described twice", r.uri_template);
            }
            let arguments = match serde_json::from_str(&r.arguments) {
                Ok(Value::Object(arguments)) => arguments,
                _ => bail!("resource {}: arguments are not a JSON object", r.uri_template),
            };
            resources.push(ResourceSpec {
                uri_template: r.uri_template,
                name: r.name,
                title: r.title,
                description: r.description,
                mime_type: r.mime_type,
                tool: r.tool,
                arguments,
            });
        }
        let mut prompts: Vec<PromptSpec> = Vec::new();
        for p in info.prompts {
            if prompts.iter().any(|q| q.name == p.name) {
                bail!("prompt '{}' is described twice", p.name);
            }
            let arguments = p
                .arguments
                .into_iter()
                .map(|a| {
                    let completion = match a.completion {
                        None => None,
                        Some(c) => match serde_json::from_str(&c.arguments) {
                            Ok(Value::Object(arguments)) => Some(CompletionSpec {
                                tool: c.tool,
                                arguments,
                                items: c.items,
                                value: c.value,
                                match_fields: c.match_fields,
                            }),
                            _ => bail!("prompt {}: completion arguments of '{}' are not a JSON object", p.name, a.name),
                        },
                    };
                    Ok(PromptArgumentSpec { name: a.name, description: a.description, required: a.required, values: a.values, completion })
                })
                .collect::<Result<_>>()?;
            let body = match p.body {
                PromptBody::Template(text) => PromptSource::Template(text),
                PromptBody::Tool(tool) if specs.iter().any(|s| s.name == tool) => PromptSource::Tool(tool),
                PromptBody::Tool(tool) => bail!("prompt {}: tool '{tool}' is not one of this component's tools", p.name),
            };
            prompts.push(PromptSpec { name: p.name, title: p.title, description: p.description, arguments, body });
        }
        Ok(Entry { loaded, tools: specs.into_iter().map(Arc::new).collect(), resources, prompts })
    }
}


/// The contract this host serves (`wit/tool.wit`; its versions in `wit/CHANGELOG.md`).
pub const CONTRACT: &str = "epmcp:tool/tools@0.1.0";

/// Compiles one component (or loads it from the precompiled cache), and links it.
pub fn compile_and_link(engine: &Engine, linker: &Linker<State>, cache_dir: &Path, file: &Path, bytes: &[u8], digest: &str) -> Result<ToolProviderPre<State>> {
    let component = compiled(engine, cache_dir, file, bytes, digest)?;
    // A component of another version of the contract is named as such (linking would only
    // say that one of its imports is missing).
    let exports: Vec<String> = component.component_type().exports(engine).map(|(name, _)| name.to_string()).collect();
    if !exports.iter().any(|e| e == CONTRACT)
        && let Some(other) = exports.iter().find(|e| e.starts_with("epmcp:tool/tools@"))
    {
        bail!("{} is built for {other}; this host serves {CONTRACT} (wit/CHANGELOG.md says what changed)", file.display());
    }
    let pre = linker.instantiate_pre(&component).map_err(|e| {
        let reason = format!("{e:#}");
        let hint = if reason.contains("wasi:filesystem") {
            "; a language runtime whose libc imports wasi:filesystem needs `empty_filesystem = true` in its signed manifest"
        } else {
            ""
        };
        anyhow::anyhow!("linking {} (it imports something the host does not grant{hint}): {reason}", file.display())
    })?;
    ToolProviderPre::new(pre).map_err(|e| anyhow::anyhow!("{e:#}")).with_context(|| format!("{} is not a tool-provider component", file.display()))
}

/// The cache file for a component: keyed by wasmtime version, engine configuration and
/// the component's digest, so a `.cwasm` this host did not make for this exact
/// component is never deserialised.
pub fn cache_path(engine: &Engine, cache_dir: &Path, file: &Path, digest: &str) -> PathBuf {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let engine_key = hasher.finish();
    let mut key = Sha256::new();
    key.update(env!("CARGO_PKG_VERSION"));
    key.update(wasmtime_version());
    key.update(engine_key.to_le_bytes());
    key.update(digest);
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    cache_dir.join(format!("{stem}-{}.cwasm", &hex(&key.finalize())[..32]))
}

/// Where a component's `describe()` answer is kept: beside its `.cwasm`, same key.
pub fn description_path(engine: &Engine, cache_dir: &Path, file: &Path, digest: &str) -> PathBuf {
    cache_path(engine, cache_dir, file, digest).with_extension("describe.json")
}

/// A kept description; `None` if there is none or it does not parse (then the component
/// is asked again).
pub fn read_description(path: &Path) -> Option<ComponentInfo> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).map_err(|e| tracing::warn!(file = %path.display(), "ignoring kept description: {e}")).ok()
}

pub fn write_description(path: &Path, info: &ComponentInfo) {
    let written = serde_json::to_vec(info).map_err(anyhow::Error::from).and_then(|bytes| write_atomically(path, &bytes));
    if let Err(e) = written {
        tracing::warn!(file = %path.display(), "could not keep the component's description: {e:#}");
    }
}

fn wasmtime_version() -> &'static str {
    // Pinned in host/Cargo.toml; part of the cache key.
    "48.0.8"
}

fn compiled(engine: &Engine, cache_dir: &Path, file: &Path, bytes: &[u8], digest: &str) -> Result<Component> {
    let cached = cache_path(engine, cache_dir, file, digest);
    if cached.is_file() {
        // SAFETY: the file name is keyed by this engine's configuration and the digest of
        // the very bytes we just read, and only `store_cache` (this host) writes it.
        match unsafe { Component::deserialize_file(engine, &cached) } {
            Ok(component) => return Ok(component),
            Err(e) => tracing::warn!(file = %cached.display(), "ignoring unusable precompiled component: {e}"),
        }
    }
    let component = Component::new(engine, bytes)
        .map_err(|e| anyhow::anyhow!("{e:#}"))
        .with_context(|| format!("compiling {}", file.display()))?;
    if let Err(e) = store_cache(&component, &cached) {
        tracing::warn!(file = %cached.display(), "could not write precompiled component: {e:#}");
    }
    Ok(component)
}

fn store_cache(component: &Component, path: &Path) -> Result<()> {
    let bytes = component.serialize().map_err(|e| anyhow::anyhow!("{e:#}"))?;
    write_atomically(path, &bytes)
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().context("cache path has no directory")?;
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

