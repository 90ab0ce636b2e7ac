//! The WebAssembly runtime: one engine, one linker, one `InstancePre` per component,
//! and a fresh instance per call with an epoch deadline and a memory cap.

pub mod artifact;
mod bindings;
pub mod catalog;
mod client;
mod directory;
mod engine;
mod install;
pub mod manifest;
pub mod portable;
pub mod registry;
mod store;
pub mod trust;
pub mod validate;
mod watch;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use arc_swap::ArcSwap;
use tokio::sync::Semaphore;
use wasmtime::component::Linker;
use wasmtime::{Engine, Store, UpdateDeadline};

pub use bindings::{ComponentInfo, ContentBlock, LogLevel, ResourceBody, ToolError, ToolOutput};
pub use client::{ClientLink, Link};
pub use install::{Generations, Refusals};
use client::CallClient;
use engine::EPOCH_TICK;
use manifest::ComponentLimits;
use registry::{Registry, ToolSpec};
use store::State;

pub use manifest::CallLimits;
use trust::Trust;
use validate::Arguments;

use crate::audit::Audit;
use crate::egress::cache::Provenance;
use crate::egress::{Egress, Gateway, Scope};
use crate::identity::DEFAULT_TENANT;
use crate::metrics::Metrics;

/// Why a call produced no result.
#[derive(Debug, thiserror::Error)]
pub enum CallFailure {
    /// The component returned its typed error.
    #[error("tool error: {0:?}")]
    Tool(ToolError),
    #[error("exceeded its deadline of {0} ms")]
    Deadline(u128),
    #[error("exceeded its memory limit of {0} MiB")]
    Memory(usize),
    /// Any other trap (a panic, an abort, an out-of-bounds access).
    #[error("crashed: {0}")]
    Trap(String),
    /// The result was larger than the component's output cap (bytes).
    #[error("returned more than its output limit of {0} bytes")]
    Output(usize),
}

/// What the runtime is configured with.
#[derive(Debug, Clone)]
pub struct RuntimeSettings {
    /// The host's ceilings for every call.
    pub limits: CallLimits,
    pub components_dir: PathBuf,
    /// Where precompiled components are kept.
    pub cache_dir: PathBuf,
    /// Which components may load.
    pub trust: Trust,
}

pub struct Runtime {
    engine: Engine,
    linker: Linker<State>,
    /// The same, plus a wasi:filesystem without directories (see `engine::with_empty_filesystem`).
    linker_with_empty_filesystem: Linker<State>,
    /// The host's ceilings; each component runs under its own [`ComponentLimits`].
    limits: CallLimits,
    components_dir: PathBuf,
    cache_dir: PathBuf,
    trust: Trust,
    /// The one way out for every call's requests.
    egress: Arc<Egress>,
    /// The scope of the host's own calls (a component describing itself): its audit log, no cache.
    host_scope: Arc<Scope>,
    metrics: Arc<Metrics>,
    audit: Audit,
    /// The snapshot new calls use; calls in flight hold the one they started with.
    registry: ArcSwap<Registry>,
    /// What is installed; its lock also makes reloads one at a time.
    installed: tokio::sync::Mutex<install::Installed>,
    /// Which lists changed, for the sessions that tell their clients.
    changes: tokio::sync::watch::Sender<Generations>,
    slots: Arc<Semaphore>,
    ticker: Arc<AtomicBool>,
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker.store(true, Ordering::Relaxed);
    }
}

impl Runtime {
    /// Builds the engine and loads every component of the configured directory.
    /// A component that is not trusted, or fails to compile, link or describe itself, is
    /// refused (logged, audited) and the others are served.
    pub async fn start(settings: &RuntimeSettings, egress: Arc<Egress>, metrics: Arc<Metrics>, audit: Audit) -> Result<(Arc<Runtime>, Refusals)> {
        let runtime = Arc::new(Runtime::new(settings, egress, metrics, audit)?);
        let refusals = runtime.reload().await?;
        Ok((runtime, refusals))
    }

    /// The engine and the empty registry, nothing loaded yet.
    pub fn new(settings: &RuntimeSettings, egress: Arc<Egress>, metrics: Arc<Metrics>, audit: Audit) -> Result<Runtime> {
        let engine = engine::engine(&settings.limits)?;
        let linker = engine::linker(&engine)?;
        let linker_with_empty_filesystem = engine::with_empty_filesystem(&linker)?;
        let ticker = engine::start_epoch_ticker(&engine);
        let host_scope = Scope { name: DEFAULT_TENANT.into(), cache: None, share: None, audit: audit.clone(), usage: Default::default() };
        Ok(Runtime {
            engine,
            linker,
            linker_with_empty_filesystem,
            limits: settings.limits,
            components_dir: settings.components_dir.clone(),
            cache_dir: settings.cache_dir.clone(),
            trust: settings.trust.clone(),
            egress,
            host_scope: Arc::new(host_scope),
            metrics,
            audit,
            registry: ArcSwap::default(),
            installed: Default::default(),
            changes: tokio::sync::watch::Sender::new(Generations::default()),
            slots: Arc::new(Semaphore::new(settings.limits.max_concurrent as usize)),
            ticker,
        })
    }

    /// Watches the components directory: changes are installed while serving.
    pub fn watch(self: &Arc<Self>) -> Result<()> {
        watch::start(self, &self.components_dir)
    }

    /// The current snapshot of tools, resources and prompts.
    pub fn registry(&self) -> Arc<Registry> {
        self.registry.load_full()
    }

    /// Counts of list changes; `changed()` wakes when a component is added, replaced or removed.
    pub fn changes(&self) -> tokio::sync::watch::Receiver<Generations> {
        self.changes.subscribe()
    }

    fn host_limits(&self) -> ComponentLimits {
        ComponentLimits::of_host(&self.limits)
    }

    /// What a component file says about itself (compiled and run in the sandbox, not
    /// installed, not trusted): for `epmcp components sign`.
    pub async fn describe_file(&self, file: &Path, empty_filesystem: bool) -> Result<(ComponentInfo, String)> {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let digest = crate::digest::sha256_hex(&bytes);
        let (_, info) = self.compile_and_describe(file, bytes, &digest, empty_filesystem).await?;
        Ok((info, digest))
    }

    /// A call's store: its requests go through the gateway in `scope`.
    fn store(&self, tool: &str, prefixes: Arc<[String]>, provenance: Arc<Provenance>, link: Link, limits: &ComponentLimits, scope: &Arc<Scope>) -> Store<State> {
        let tool: Arc<str> = Arc::from(tool);
        let client = CallClient::new(link, tool.clone(), scope.audit.clone(), provenance.clone());
        let gateway = Gateway { provenance, tool, prefixes, egress: self.egress.clone(), scope: scope.clone() };
        let mut store = Store::new(&self.engine, State::new(gateway, client, limits.memory_bytes));
        store.limiter(|s| &mut s.limits);
        // Every tick the guest yields to the executor (other calls keep running, even
        // on one thread) and spends one tick of its budget; at zero it traps.
        let mut budget = (limits.deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            budget = budget.saturating_sub(1);
            Ok(if budget == 0 { UpdateDeadline::Interrupt } else { UpdateDeadline::Yield(1) })
        });
        store
    }

    /// Runs one tool call in a fresh instance, its EP requests in `scope`. `provenance` learns how fresh the EP responses it read were; `link` is
    /// the MCP client the component may talk to through the `client` interface.
    pub async fn call(
        &self,
        spec: &ToolSpec,
        arguments: &Arguments,
        provenance: Arc<Provenance>,
        link: Link,
        scope: &Arc<Scope>,
    ) -> Result<ToolOutput, CallFailure> {
        let slot = self.slots.clone().acquire_owned().await.map_err(|_| CallFailure::Trap("runtime is shutting down".into()))?;
        let limits = spec.component.limits;
        let mut store = self.store(&spec.name, spec.prefixes.clone(), provenance, link, &limits, scope);
        let deadline = limits.deadline;
        let paused = store.data().client.paused.clone();
        // The epoch traps CPU-bound guests; the wall clock bounds time spent waiting on
        // I/O, except time spent waiting for the client to answer (a person may be).
        let outcome = {
            let run = async {
                let instance = spec.component.pre.instantiate_async(&mut store).await?;
                instance.epmcp_tool_tools().call_call(&mut store, &spec.name, &arguments.to_json()).await
            };
            tokio::pin!(run);
            let started = tokio::time::Instant::now();
            let limit = || started + deadline + EPOCH_TICK * 5 + paused.total();
            loop {
                match tokio::time::timeout_at(limit(), &mut run).await {
                    Ok(outcome) => break Ok(outcome),
                    // The client answered meanwhile: the pause moved the limit on.
                    Err(_) if limit() > tokio::time::Instant::now() => continue,
                    Err(elapsed) => break Err(elapsed),
                }
            }
        };
        let memory_exceeded = store.data().limits.exceeded;
        // Returning the instance to the pool resets its memory: done off the answer's path,
        // holding the pool slot until then.
        tokio::task::spawn_blocking(move || drop((store, slot)));
        match outcome {
            Err(_) => Err(CallFailure::Deadline(deadline.as_millis())),
            Ok(Ok(Ok(output))) if output_bytes(&output) > limits.max_output_bytes => Err(CallFailure::Output(limits.max_output_bytes)),
            Ok(Ok(Ok(output))) => Ok(output),
            Ok(Ok(Err(tool_error))) => Err(CallFailure::Tool(tool_error)),
            Ok(Err(_)) if memory_exceeded => Err(CallFailure::Memory(limits.memory_bytes >> 20)),
            Ok(Err(trap)) => match trap.downcast_ref::<wasmtime::Trap>() {
                Some(wasmtime::Trap::Interrupt) => Err(CallFailure::Deadline(deadline.as_millis())),
                Some(trap) => Err(CallFailure::Trap(trap.to_string())),
                None => Err(CallFailure::Trap(format!("{trap:#}"))),
            },
        }
    }
}

/// Bytes of a content block's payload (text, media data, or an embedded resource's body and URI).
pub fn content_bytes(block: &ContentBlock) -> usize {
    match block {
        ContentBlock::Text(text) => text.len(),
        ContentBlock::Image(media) | ContentBlock::Audio(media) => media.data.len(),
        ContentBlock::Resource(r) => {
            r.uri.len()
                + match &r.body {
                    ResourceBody::Text(text) => text.len(),
                    ResourceBody::Blob(blob) => blob.len(),
                }
        }
    }
}

/// The size of a result, as the output cap counts it.
fn output_bytes(output: &ToolOutput) -> usize {
    output.structured.as_ref().map_or(0, String::len) + output.content.iter().map(content_bytes).sum::<usize>()
}
