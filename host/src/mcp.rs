//! The MCP face of the host (rmcp `ServerHandler`): tools/list from the component
//! registry, tools/call through the [`Dispatcher`]. Only this module, `error` and
//! `transport` know rmcp or JSON-RPC.
// MCP logging is deprecated upstream (SEP-2577) but still part of every revision we serve.
#![allow(deprecated)]

use std::borrow::Cow;
use std::sync::Arc;

use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData, Implementation, ListToolsResult,
    PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig, SetLevelRequestParams, Tool,
    ToolAnnotations,
};
use rmcp::service::{RequestContext, RoleServer};
use serde_json::Value;

use crate::dispatch::Dispatcher;
use crate::runtime::registry::ToolSpec;

/// The protocol revisions epmcp implements (all with the `initialize` handshake).
const VERSIONS: &[ProtocolVersion] = &[
    ProtocolVersion::V_2024_11_05,
    ProtocolVersion::V_2025_03_26,
    ProtocolVersion::V_2025_06_18,
    ProtocolVersion::V_2025_11_25,
];

#[derive(Clone)]
pub struct McpServer {
    dispatcher: Arc<Dispatcher>,
    /// The tools/list answer, built once: the registry does not change while serving.
    tools: Arc<[Tool]>,
}

impl McpServer {
    pub fn new(dispatcher: Arc<Dispatcher>) -> McpServer {
        let tools = dispatcher.tools().iter().map(|spec| tool(spec)).collect();
        McpServer { dispatcher, tools }
    }
}

fn object(value: &Value) -> Arc<serde_json::Map<String, Value>> {
    Arc::new(value.as_object().cloned().unwrap_or_default())
}

pub fn tool(spec: &ToolSpec) -> Tool {
    let a = &spec.annotations;
    Tool::new_with_raw(spec.name.clone(), Some(Cow::Owned(spec.description.clone())), object(&spec.input_schema))
        .with_title(spec.title.clone())
        .with_raw_output_schema(object(&spec.output_schema))
        .with_annotations(ToolAnnotations::from_raw(
            Some(spec.title.clone()),
            Some(a.read_only),
            Some(a.destructive),
            Some(a.idempotent),
            Some(a.open_world),
        ))
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_logging().enable_tools().build())
            .with_server_info(
                Implementation::new("epmcp", env!("CARGO_PKG_VERSION"))
                    .with_title("European Parliament open data (sandboxed WebAssembly tools)"),
            )
            .with_protocol_version(ProtocolVersion::V_2025_11_25)
            .with_instructions(
                "Tools over the European Parliament Open Data API v2: MEPs, plenary sessions, committees, \
                 procedures and documents. List tools return {data, count, offset, limit, hasMore, nextOffset}; \
                 pass nextOffset as offset for the next page. Ids in results are valid inputs to the detail tools. \
                 Data: European Parliament Open Data Portal, CC BY 4.0.",
            )
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(VERSIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.to_vec()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        match self.dispatcher.call_tool(&request.name, request.arguments).await {
            Ok(value) => {
                // The text block carries the same JSON, for clients that ignore structuredContent.
                let text = value.to_string();
                let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
                result.structured_content = Some(value);
                Ok(result.into())
            }
            Err(e) => e.to_mcp().map(Into::into),
        }
    }

    async fn set_level(&self, request: SetLevelRequestParams, _context: RequestContext<RoleServer>) -> Result<(), ErrorData> {
        tracing::debug!(level = ?request.level, "client set log level");
        Ok(())
    }
}
