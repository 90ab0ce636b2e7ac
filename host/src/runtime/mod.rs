//! The WebAssembly runtime: one engine, one linker, one `InstancePre` per component,
//! and a fresh instance per call with an epoch deadline and a memory cap.

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

use crate::audit::Audit;
use crate::egress::breaker::Breaker;
use crate::shared::Shared;
use crate::egress::cache::Provenance;
use crate::controls::tenant::{Tenant, Tenants};
use crate::controls::limits::UpstreamLimiter;
use crate::cli::settings::{CallLimits, Config};
use crate::egress::Gateway;
use crate::metrics::Metrics;
use crate::egress::upstream::Upstream;

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

/// How long an upstream request may wait for the endpoint's budget before failing.
const UPSTREAM_MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct Runtime {
    engine: Engine,
    linker: Linker<State>,
    /// The host's ceilings; each component runs under its own [`ComponentLimits`].
    limits: CallLimits,
    components_dir: PathBuf,
    cache_dir: PathBuf,
    trust: crate::runtime::trust::Trust,
    upstream: Arc<Upstream>,
    /// Each tenant's cache, upstream share and audit stream.
    tenants: Arc<Tenants>,
    upstream_limiter: Arc<UpstreamLimiter>,
    breaker: Option<Arc<Breaker>>,
    /// Redis, when instances share state.
    shared: Option<Arc<Shared>>,
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
    pub async fn start(config: &Config, upstream: Arc<Upstream>, metrics: Arc<Metrics>, audit: Audit) -> Result<(Arc<Runtime>, Refusals)> {
        let runtime = Arc::new(Runtime::new(config, upstream, metrics, audit)?);
        let refusals = runtime.reload().await?;
        Ok((runtime, refusals))
    }

    /// The engine and the empty registry, nothing loaded yet.
    pub fn new(config: &Config, upstream: Arc<Upstream>, metrics: Arc<Metrics>, audit: Audit) -> Result<Runtime> {
        let engine = engine::engine(&config.limits)?;
        let linker = engine::linker(&engine)?;
        let ticker = engine::start_epoch_ticker(&engine);
        let shared = config.redis_url.as_deref().map(|url| Shared::new(url, config.redis_ca.as_deref(), config.redis_client.as_ref(), metrics.clone()).map(Arc::new)).transpose()?;
        Ok(Runtime {
            engine,
            linker,
            limits: config.limits,
            components_dir: config.components_dir.clone(),
            cache_dir: config.cache_dir.clone(),
            trust: config.trust.clone(),
            upstream,
            tenants: Arc::new(Tenants::start(&config.tenants, &audit, config.audit.as_ref(), shared.clone(), config.upstream_per_5min, &metrics)?),
            shared: shared.clone(),
            upstream_limiter: Arc::new(UpstreamLimiter::new(
                config.upstream_per_5min,
                std::time::Duration::from_secs(300),
                UPSTREAM_MAX_WAIT,
                shared.clone(),
                "",
            )),
            breaker: config.breaker.map(|b| Arc::new(Breaker::new(b, metrics.clone(), audit.clone()))),
            metrics,
            audit,
            registry: ArcSwap::default(),
            installed: Default::default(),
            changes: tokio::sync::watch::Sender::new(Generations::default()),
            slots: Arc::new(Semaphore::new(config.limits.max_concurrent as usize)),
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

    pub fn tenants(&self) -> &Arc<Tenants> {
        &self.tenants
    }

    /// Redis, when instances share state.
    pub fn shared(&self) -> Option<&Arc<Shared>> {
        self.shared.as_ref()
    }

    /// The upstream circuit breaker's state (`closed`, `open`, `half_open`), if there is one.
    pub fn breaker_state(&self) -> Option<&'static str> {
        self.breaker.as_deref().map(Breaker::state)
    }

    fn host_limits(&self) -> ComponentLimits {
        ComponentLimits::of_host(&self.limits)
    }

    /// What a component file says about itself (compiled and run in the sandbox, not
    /// installed, not trusted): for `epmcp components sign`.
    pub async fn describe_file(&self, file: &Path) -> Result<(ComponentInfo, String)> {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let digest = crate::digest::sha256_hex(&bytes);
        let (_, info) = self.compile_and_describe(file, bytes, &digest).await?;
        Ok((info, digest))
    }

    /// A call's store: its requests go through the gateway as `tenant`'s.
    fn store(&self, tool: &str, prefixes: Arc<[String]>, provenance: Arc<Provenance>, link: Link, limits: &ComponentLimits, tenant: &Arc<Tenant>) -> Store<State> {
        let tool: Arc<str> = Arc::from(tool);
        let client = CallClient::new(link, tool.clone(), tenant.audit.clone(), provenance.clone());
        let gateway = Gateway {
            provenance,
            tool,
            prefixes,
            upstream: self.upstream.clone(),
            tenant: tenant.clone(),
            upstream_limiter: self.upstream_limiter.clone(),
            breaker: self.breaker.clone(),
            metrics: self.metrics.clone(),
        };
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

    /// Runs one tool call of `tenant`'s in a fresh instance. `arguments` has passed
    /// validation. `provenance` learns how fresh the EP responses it read were; `link` is
    /// the MCP client the component may talk to through the `client` interface.
    pub async fn call(
        &self,
        spec: &ToolSpec,
        arguments: &str,
        provenance: Arc<Provenance>,
        link: Link,
        tenant: &Arc<Tenant>,
    ) -> Result<ToolOutput, CallFailure> {
        let slot = self.slots.clone().acquire_owned().await.map_err(|_| CallFailure::Trap("runtime is shutting down".into()))?;
        let limits = spec.component.limits;
        let mut store = self.store(&spec.name, spec.prefixes.clone(), provenance, link, &limits, tenant);
        let deadline = limits.deadline;
        let paused = store.data().client.paused.clone();
        // The epoch traps CPU-bound guests; the wall clock bounds time spent waiting on
        // I/O, except time spent waiting for the client to answer (a person may be).
        let outcome = {
            let run = async {
                let instance = spec.component.pre.instantiate_async(&mut store).await?;
                instance.epmcp_tool_tools().call_call(&mut store, &spec.name, arguments).await
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
