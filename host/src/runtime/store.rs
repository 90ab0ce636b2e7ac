//! Per-call store data: an empty WASI context (no files, sockets, env or args), the
//! wasi:http context whose hooks are the egress gateway, the call's MCP client (see
//! `client`), and the memory limiter.

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::client::CallClient;
use crate::egress::Gateway;

pub struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    gateway: Gateway,
    pub client: CallClient,
    pub limits: MemoryLimit,
}

impl State {
    pub fn new(gateway: Gateway, client: CallClient, memory_bytes: usize) -> State {
        // Capability-free: no args, env, preopens or network; stdio discarded.
        let wasi = WasiCtx::builder().allow_tcp(false).allow_udp(false).allow_ip_name_lookup(false).build();
        State {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            gateway,
            client,
            limits: MemoryLimit { max_bytes: memory_bytes, exceeded: false },
        }
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.gateway }
    }
}

/// Caps linear memory and remembers whether the cap was hit, so that the trap that
/// follows (Rust aborts on allocation failure) can be reported as what it is.
pub struct MemoryLimit {
    max_bytes: usize,
    pub exceeded: bool,
}

impl ResourceLimiter for MemoryLimit {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.exceeded = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}
