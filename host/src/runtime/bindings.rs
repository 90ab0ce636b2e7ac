//! The one `bindgen!` of the host: the `tool-provider` world of `wit/tool.wit`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "tool-provider",
    imports: { default: async },
    exports: { default: async },
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
    },
    require_store_data_send: true,
    // A component's description is kept beside its precompiled code (see `registry`).
    additional_derives: [serde::Serialize, serde::Deserialize],
});

pub use epmcp::tool::types::{Annotations, ComponentInfo, ContentBlock, PromptBody, ResourceBody, ToolError, ToolOutput};
pub use epmcp::tool::client::LogLevel;
