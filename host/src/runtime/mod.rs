//! The WebAssembly runtime: one engine, one linker, one `InstancePre` per component,
//! and a fresh instance per call with an epoch deadline and a memory cap.

mod bindings;
mod client;
mod engine;
pub mod registry;
mod store;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use tokio::sync::Semaphore;
use wasmtime::component::Linker;
use wasmtime::{Engine, Store, UpdateDeadline};

pub use bindings::{ContentBlock, LogLevel, ResourceBody, ToolError, ToolOutput};
pub use client::{ClientLink, Link};
use client::CallClient;
use engine::EPOCH_TICK;
use registry::{Loaded, Registry, ToolSpec};
use store::State;

use crate::audit::Audit;
use crate::cache::{Provenance, ResponseCache};
use crate::limits::UpstreamLimiter;
use crate::config::{CallLimits, Config};
use crate::egress::Gateway;
use crate::metrics::Metrics;
use crate::upstream::Upstream;

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
}

/// How long an upstream request may wait for the endpoint's budget before failing.
const UPSTREAM_MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct Runtime {
    engine: Engine,
    linker: Linker<State>,
    limits: CallLimits,
    upstream: Arc<Upstream>,
    cache: Option<Arc<ResponseCache>>,
    upstream_limiter: Arc<UpstreamLimiter>,
    metrics: Arc<Metrics>,
    audit: Audit,
    registry: Registry,
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
    /// A component that fails to compile, link or describe itself is refused
    /// (logged) and the others are served.
    pub async fn start(config: &Config, upstream: Arc<Upstream>, metrics: Arc<Metrics>, audit: Audit) -> Result<Runtime> {
        let engine = engine::engine(&config.limits)?;
        let linker = engine::linker(&engine)?;
        let ticker = engine::start_epoch_ticker(&engine);
        let mut runtime = Runtime {
            engine,
            linker,
            limits: config.limits,
            upstream,
            cache: config.cache.map(|c| Arc::new(ResponseCache::new(c))),
            upstream_limiter: Arc::new(UpstreamLimiter::new(
                config.upstream_per_5min,
                std::time::Duration::from_secs(300),
                UPSTREAM_MAX_WAIT,
            )),
            metrics,
            audit,
            registry: Registry::default(),
            slots: Arc::new(Semaphore::new(config.limits.max_concurrent as usize)),
            ticker,
        };
        for file in registry::component_files(&config.components_dir)? {
            if let Err(e) = runtime.add_component(&config.cache_dir, &file).await {
                tracing::error!(file = %file.display(), "component refused: {e:#}");
            }
        }
        Ok(runtime)
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn cache(&self) -> Option<&ResponseCache> {
        self.cache.as_deref()
    }

    async fn add_component(&mut self, cache_dir: &Path, file: &Path) -> Result<()> {
        let (_component, pre, digest) = registry::load(&self.engine, &self.linker, cache_dir, file)?;
        // The description is kept beside the precompiled code, under the same key: a start
        // that finds it runs no component code at all until the first call.
        let description = registry::description_path(&self.engine, cache_dir, file, &digest);
        let info = match registry::read_description(&description) {
            Some(info) => info,
            None => {
                let mut store = self.store("describe", Arc::from(Vec::new()), Arc::default(), None);
                let instance = pre.instantiate_async(&mut store).await.map_err(|e| anyhow::anyhow!("{e:#}"))?;
                let info = instance
                    .epmcp_tool_tools()
                    .call_describe(&mut store)
                    .await
                    .map_err(|e| anyhow::anyhow!("describe() failed: {e:#}"))?;
                registry::write_description(&description, &info);
                info
            }
        };
        let loaded = Arc::new(Loaded { name: info.name.clone(), version: info.version.clone(), file: file.to_path_buf(), digest, pre });
        let (name, tools, resources, prompts) = (info.name.clone(), info.tools.len(), info.resources.len(), info.prompts.len());
        self.registry.add(loaded, info)?;
        tracing::info!(component = %name, file = %file.display(), tools, resources, prompts, "component loaded");
        Ok(())
    }

    fn store(&self, tool: &str, prefixes: Arc<[String]>, provenance: Arc<Provenance>, link: Link) -> Store<State> {
        let tool: Arc<str> = Arc::from(tool);
        let client = CallClient::new(link, tool.clone(), self.audit.clone(), provenance.clone());
        let gateway = Gateway {
            provenance,
            tool,
            prefixes,
            upstream: self.upstream.clone(),
            cache: self.cache.clone(),
            upstream_limiter: self.upstream_limiter.clone(),
            metrics: self.metrics.clone(),
            audit: self.audit.clone(),
        };
        let mut store = Store::new(&self.engine, State::new(gateway, client, self.limits.memory_bytes));
        store.limiter(|s| &mut s.limits);
        // Every tick the guest yields to the executor (other calls keep running, even
        // on one thread) and spends one tick of its budget; at zero it traps.
        let mut budget = (self.limits.deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            budget = budget.saturating_sub(1);
            Ok(if budget == 0 { UpdateDeadline::Interrupt } else { UpdateDeadline::Yield(1) })
        });
        store
    }

    /// Runs one tool call in a fresh instance. `arguments` has passed validation.
    /// `provenance` learns how fresh the EP responses it read were; `link` is the MCP
    /// client the component may talk to through the `client` interface.
    pub async fn call(
        &self,
        spec: &ToolSpec,
        arguments: &str,
        provenance: Arc<Provenance>,
        link: Link,
    ) -> Result<ToolOutput, CallFailure> {
        let slot = self.slots.clone().acquire_owned().await.map_err(|_| CallFailure::Trap("runtime is shutting down".into()))?;
        let mut store = self.store(&spec.name, spec.prefixes.clone(), provenance, link);
        let deadline = self.limits.deadline;
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
            Ok(Ok(Ok(output))) => Ok(output),
            Ok(Ok(Err(tool_error))) => Err(CallFailure::Tool(tool_error)),
            Ok(Err(_)) if memory_exceeded => Err(CallFailure::Memory(self.limits.memory_bytes >> 20)),
            Ok(Err(trap)) => match trap.downcast_ref::<wasmtime::Trap>() {
                Some(wasmtime::Trap::Interrupt) => Err(CallFailure::Deadline(deadline.as_millis())),
                Some(trap) => Err(CallFailure::Trap(trap.to_string())),
                None => Err(CallFailure::Trap(format!("{trap:#}"))),
            },
        }
    }
}
