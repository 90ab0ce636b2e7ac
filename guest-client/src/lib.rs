//! What every epmcp tool component links.
//!
//! A tool crate declares its tools with [`tool::Tool::new`] (endpoint, parameters, output
//! shape) and exports them with [`component!`]. Everything else lives here: the WIT
//! bindings, the raw `wasi:http` client ([`http`]), the typed EP API client ([`ep`]),
//! JSON-LD helpers ([`jsonld`]) and the error type ([`error`]).

pub mod activity;
pub mod args;
pub mod catalog;
pub mod common;
pub mod date;
pub mod decision;
pub mod ep;
pub mod error;
pub mod group;
pub mod http;
pub mod jsonld;
pub mod output;
pub mod participation;
pub mod roles;
pub mod tool;
pub mod work;

pub use error::Error;
pub use catalog::{Argument, Completion, Prompt, Resource};
pub use ep::{Ep, Page, Query};
pub use output::{List, SOURCE, Unread};
pub use common::{Dated, Dates, Paging};
pub use tool::Tool;

// Re-exported for tool crates, so they need no direct dependency on these.
pub use schemars;
pub use serde;
pub use serde_json;

wit_bindgen::generate!({
    path: "../wit",
    world: "tool-provider",
    pub_export_macro: true,
    default_bindings_module: "guest_client",
    // Reuse the wasip2 crate's WASI types: one copy of them in every component.
    with: {
        "wasi:http/types@0.2.12": wasip2::http::types,
        "wasi:http/outgoing-handler@0.2.12": wasip2::http::outgoing_handler,
        "wasi:io/poll@0.2.12": wasip2::io::poll,
        "wasi:io/streams@0.2.12": wasip2::io::streams,
        "wasi:io/error@0.2.12": wasip2::io::error,
        "wasi:clocks/monotonic-clock@0.2.12": wasip2::clocks::monotonic_clock,
    },
});

/// Exports a component whose tools are returned by `$tools` (a `fn() -> Vec<Tool>`),
/// optionally with resource templates and prompts (`fn() -> Vec<Resource>` / `Vec<Prompt>`).
///
/// ```ignore
/// guest_client::component!("meps", tools);
/// guest_client::component!("meps", tools, resources = resources, prompts = prompts);
/// ```
#[macro_export]
macro_rules! component {
    ($family:literal, $tools:path) => {
        $crate::component!($family, $tools, resources = $crate::catalog::no_resources, prompts = $crate::catalog::no_prompts);
    };
    ($family:literal, $tools:path, resources = $resources:path) => {
        $crate::component!($family, $tools, resources = $resources, prompts = $crate::catalog::no_prompts);
    };
    ($family:literal, $tools:path, prompts = $prompts:path) => {
        $crate::component!($family, $tools, resources = $crate::catalog::no_resources, prompts = $prompts);
    };
    ($family:literal, $tools:path, resources = $resources:path, prompts = $prompts:path) => {
        /// The tool table, resources and prompts, also checked natively by `cargo test`.
        pub const TOOL_TABLE: fn() -> Vec<$crate::Tool> = $tools;
        pub const RESOURCES: fn() -> Vec<$crate::Resource> = $resources;
        pub const PROMPTS: fn() -> Vec<$crate::Prompt> = $prompts;

        #[allow(dead_code)] // natively nothing exports it
        struct Component;

        impl $crate::exports::epmcp::tool::tools::Guest for Component {
            fn describe() -> $crate::epmcp::tool::types::ComponentInfo {
                let mut info = $crate::tool::describe($family, env!("CARGO_PKG_VERSION"), &TOOL_TABLE());
                info.resources = RESOURCES().iter().map($crate::catalog::describe_resource).collect();
                info.prompts = PROMPTS().iter().map($crate::catalog::describe_prompt).collect();
                info
            }

            fn call(
                tool: String,
                arguments: String,
            ) -> Result<$crate::epmcp::tool::types::ToolOutput, $crate::epmcp::tool::types::ToolError> {
                $crate::tool::call(&TOOL_TABLE(), &tool, &arguments)
            }
        }

        // Export names are not valid native symbols: only the wasm build exports.
        #[cfg(target_family = "wasm")]
        $crate::export!(Component);

        #[cfg(test)]
        mod tool_table {
            #[test]
            fn tools_are_well_formed() {
                $crate::tool::check_table(&super::TOOL_TABLE());
                $crate::catalog::check(&super::TOOL_TABLE(), &super::RESOURCES(), &super::PROMPTS());
            }
        }
    };
}
