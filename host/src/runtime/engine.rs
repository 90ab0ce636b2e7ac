//! The wasmtime engine and linker, configured once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use wasmtime::component::Linker;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::store::State;
use super::manifest::CallLimits;

/// How often the epoch advances: the granularity of call deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

pub fn engine(limits: &CallLimits) -> Result<Engine> {
    let mut pool = PoolingAllocationConfig::default();
    let slots = limits.max_concurrent + 1; // +1 for describe() at load time
    pool.total_component_instances(slots)
        .total_core_instances(slots * 8)
        .total_memories(slots * 2)
        .total_tables(slots * 8)
        .max_memories_per_component(2)
        .max_tables_per_component(8)
        .max_core_instances_per_component(8)
        .max_memory_size(limits.memory_bytes)
        .total_stacks(slots)
        .linear_memory_keep_resident(1 << 20)
        .table_keep_resident(64 << 10)
        .async_stack_keep_resident(256 << 10)
        .pagemap_scan(wasmtime::Enabled::Auto);
    let mut config = Config::new();
    config
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        .epoch_interruption(true)
        .max_wasm_stack(1 << 20)
        .wasm_component_model(true);
    Ok(Engine::new(&config)?)
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until `stop` is set.
pub fn start_epoch_ticker(engine: &Engine) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let (engine, flag) = (engine.clone(), stop.clone());
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .expect("spawning the epoch ticker");
    stop
}

/// What a component may import: wasi:http through the gateway, the call's MCP client
/// (`client`), plus the minimum Rust `std` needs (io, clocks, random, and cli backed by
/// an empty context). No filesystem and no sockets: a component importing them fails to
/// link, and is refused (but see [`with_empty_filesystem`]).
pub fn linker(engine: &Engine) -> Result<Linker<State>> {
    use wasmtime_wasi::cli::WasiCli;
    use wasmtime_wasi::p2::bindings::cli;

    let mut l = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_proxy_interfaces_async(&mut l)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut l)?;
    super::bindings::epmcp::tool::client::add_to_linker::<State, wasmtime::component::HasSelf<State>>(&mut l, |s| s)?;
    cli::environment::add_to_linker::<State, WasiCli>(&mut l, wasmtime_wasi::cli::WasiCliView::cli)?;
    cli::exit::add_to_linker::<State, WasiCli>(&mut l, wasmtime_wasi::cli::WasiCliView::cli)?;
    cli::terminal_input::add_to_linker::<State, WasiCli>(&mut l, wasmtime_wasi::cli::WasiCliView::cli)?;
    cli::terminal_output::add_to_linker::<State, WasiCli>(&mut l, wasmtime_wasi::cli::WasiCliView::cli)?;
    cli::terminal_stdin::add_to_linker::<State, WasiCli>(&mut l, wasmtime_wasi::cli::WasiCliView::cli)?;
    cli::terminal_stdout::add_to_linker::<State, WasiCli>(&mut l, wasmtime_wasi::cli::WasiCliView::cli)?;
    cli::terminal_stderr::add_to_linker::<State, WasiCli>(&mut l, wasmtime_wasi::cli::WasiCliView::cli)?;
    Ok(l)
}

/// `linker` plus wasi:filesystem on a context with no preopened directory, so there is
/// no file a component can name: for language runtimes whose libc imports it (JavaScript's
/// StarlingMonkey), granted only by a component's signed manifest (`empty_filesystem`).
pub fn with_empty_filesystem(linker: &Linker<State>) -> Result<Linker<State>> {
    use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
    use wasmtime_wasi::p2::bindings::filesystem;
    let mut l = linker.clone();
    filesystem::types::add_to_linker::<State, WasiFilesystem>(&mut l, State::filesystem)?;
    filesystem::preopens::add_to_linker::<State, WasiFilesystem>(&mut l, State::filesystem)?;
    Ok(l)
}
