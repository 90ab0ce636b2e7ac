//! The MCP face of the host (rmcp `ServerHandler`): tools/list from the component
//! registry, tools/call through the [`Dispatcher`]. Only this module, `error` and
//! `transport` know rmcp or JSON-RPC.
// MCP logging is deprecated upstream (SEP-2577) but still part of every revision we serve.
#![allow(deprecated)]

use std::borrow::Cow;
use std::sync::Arc;

use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams, CompleteResult, CompletionInfo,
    ContentBlock, ErrorData, GetPromptRequestParams, GetPromptResponse, GetPromptResult, Implementation,
    ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams, Prompt,
    PromptArgument, PromptMessage, ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult,
    Reference, Resource, ResourceContents, ResourceTemplate, Role, ServerCapabilities, ServerConfig,
    SetLevelRequestParams, Tool, ToolAnnotations,
};
use rmcp::service::{RequestContext, RoleServer};
use serde_json::Value;

use crate::admin;
use crate::catalog::{PromptSpec, ResourceSpec};
use crate::dispatch::Dispatcher;
use crate::health;
use crate::identity::Caller;
use crate::summary;
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
    /// Results larger than this are summarised in the text block.
    text_max_bytes: usize,
    /// Who requests come from when the transport does not say (stdio: the local client).
    caller: Caller,
}

impl McpServer {
    pub fn new(dispatcher: Arc<Dispatcher>, text_max_bytes: usize, caller: Caller) -> McpServer {
        let host_tools = admin::tools().into_iter().map(|t| host_tool(t.name, t.title, t.description, &admin::input_schema(), &t.output_schema));
        let tools = dispatcher.tools().iter().map(|spec| tool(spec)).chain([health_tool()]).chain(host_tools).collect();
        McpServer { dispatcher, tools, text_max_bytes, caller }
    }

    /// The same server for a session whose every request comes from `caller` (WebSocket).
    pub fn with_caller(&self, caller: Caller) -> McpServer {
        McpServer { caller, ..self.clone() }
    }

    /// The caller of one request: the identity the HTTP listener authenticated (carried in
    /// the request's HTTP parts), else this server's own caller.
    fn caller(&self, context: &RequestContext<RoleServer>) -> Caller {
        context
            .extensions
            .get::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Caller>())
            .unwrap_or(&self.caller)
            .clone()
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

/// The host's health tool (see `health`).
fn health_tool() -> Tool {
    host_tool(health::TOOL, health::TITLE, health::DESCRIPTION, &health::input_schema(), &health::output_schema())
}

/// A tool the host answers itself: read-only, closed-world.
fn host_tool(name: &'static str, title: &'static str, description: &'static str, input: &Value, output: &Value) -> Tool {
    Tool::new_with_raw(name, Some(Cow::Borrowed(description)), object(input))
        .with_title(title)
        .with_raw_output_schema(object(output))
        .with_annotations(ToolAnnotations::from_raw(Some(title.into()), Some(true), Some(false), Some(false), Some(false)))
}

fn prompt(spec: &PromptSpec) -> Prompt {
    let arguments = spec
        .arguments
        .iter()
        .map(|a| PromptArgument::new(&a.name).with_description(&a.description).with_required(a.required))
        .collect();
    Prompt::new(&spec.name, Some(&spec.description), Some(arguments)).with_title(&spec.title)
}

fn resource(spec: &ResourceSpec) -> Resource {
    Resource::new(&spec.uri_template, &spec.name)
        .with_title(&spec.title)
        .with_description(&spec.description)
        .with_mime_type(&spec.mime_type)
}

fn resource_template(spec: &ResourceSpec) -> ResourceTemplate {
    ResourceTemplate::new(&spec.uri_template, &spec.name)
        .with_title(&spec.title)
        .with_description(&spec.description)
        .with_mime_type(&spec.mime_type)
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder()
                .enable_logging()
                .enable_completions()
                .enable_prompts()
                .enable_resources()
                .enable_tools()
                .build())
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
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let caller = self.caller(&context);
        let permitted = self.tools.iter().filter(|t| self.dispatcher.permits(&caller, &t.name));
        Ok(ListToolsResult::with_all_items(permitted.cloned().collect()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        match self.dispatcher.call_tool(&self.caller(&context), &request.name, request.arguments).await {
            Ok(value) => {
                // Clients of revisions with structuredContent get large results summarised in the
                // text block; older clients read only the text, so they get the JSON whole.
                let structured = context.peer.peer_info().is_some_and(|i| i.protocol_version >= ProtocolVersion::V_2025_06_18);
                let json = value.to_string();
                let text = if structured { summary::text(&value, json, self.text_max_bytes) } else { json };
                let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
                result.structured_content = Some(value);
                Ok(result.into())
            }
            Err(e) => e.to_mcp().map(Into::into),
        }
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let caller = self.caller(&context);
        let concrete = self.dispatcher.resources().iter().filter(|r| r.is_concrete() && self.dispatcher.permits(&caller, &r.tool));
        Ok(ListResourcesResult::with_all_items(concrete.map(resource).collect()))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let caller = self.caller(&context);
        let templates = self.dispatcher.resources().iter().filter(|r| !r.is_concrete() && self.dispatcher.permits(&caller, &r.tool));
        Ok(ListResourceTemplatesResult::with_all_items(templates.map(resource_template).collect()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let value = self.dispatcher.read_resource(&self.caller(&context), &request.uri).await.map_err(|e| e.to_mcp())?;
        let contents = ResourceContents::text(value.to_string(), request.uri).with_mime_type("application/json");
        Ok(ReadResourceResult::new(vec![contents]).into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let caller = self.caller(&context);
        let permitted = self.dispatcher.prompts().iter().filter(|p| self.dispatcher.permits(&caller, &p.name));
        Ok(ListPromptsResult::with_all_items(permitted.map(prompt).collect()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let caller = self.caller(&context);
        if !self.dispatcher.permits(&caller, &request.name) {
            let message = format!("prompts/get {}: not available to the role '{}'", request.name, caller.role);
            return Err(ErrorData::invalid_params(message, None));
        }
        let arguments = request.arguments.unwrap_or_default();
        let (spec, text) = self
            .dispatcher
            .get_prompt(&request.name, &arguments)
            .map_err(|e| ErrorData::invalid_params(format!("prompts/get {}: {e}", request.name), None))?;
        let mut result = GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]);
        result.description = Some(spec.description.clone());
        Ok(result.into())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let caller = self.caller(&context);
        let (name, prefix) = (&request.argument.name, &request.argument.value);
        let (values, total) = match &request.r#ref {
            Reference::Prompt(p) if self.dispatcher.permits(&caller, &p.name) => {
                self.dispatcher.complete_prompt_argument(&p.name, name, prefix).await
            }
            Reference::Resource(r) if self.dispatcher.resource_permitted(&caller, &r.uri) => {
                self.dispatcher.complete_resource_variable(&r.uri, name, prefix)
            }
            _ => (Vec::new(), 0),
        };
        let has_more = values.len() < total;
        let info = CompletionInfo::with_pagination(values, Some(total as u32), has_more)
            .map_err(|e| ErrorData::internal_error(e, None))?;
        Ok(CompleteResult::new(info))
    }

    async fn set_level(&self, request: SetLevelRequestParams, _context: RequestContext<RoleServer>) -> Result<(), ErrorData> {
        tracing::debug!(level = ?request.level, "client set log level");
        Ok(())
    }
}
