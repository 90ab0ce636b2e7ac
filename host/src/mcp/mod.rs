//! The MCP face of the host (rmcp `ServerHandler`): tools/list from the component
//! registry, tools/call through the [`Dispatcher`]. Only `mcp/` and `transport/` know
//! rmcp or JSON-RPC.

// MCP logging is deprecated upstream (SEP-2577) but still part of every revision we serve.
#![allow(deprecated)]

pub mod error;
pub mod session;

use std::borrow::Cow;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams, CompleteResult, CompletionInfo,
    ContentBlock, CustomRequest, CustomResult, ErrorData, GetPromptRequestParams, GetPromptResponse, GetPromptResult, Implementation,
    ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams, Prompt,
    PromptArgument, PromptMessage, ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult,
    Reference, Resource, ResourceContents, ResourceTemplate, Role, ServerCapabilities, ServerConfig,
    SetLevelRequestParams, SubscribeRequestParams, Tool, ToolAnnotations, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RequestContext, RoleServer};
use serde_json::Value;

use crate::dispatch::host_tools;
use crate::runtime::catalog::{PromptSpec, ResourceSpec};
use crate::dispatch::{Dispatcher, Output};
use crate::dispatch::error::ReadError;
use crate::identity::Caller;
use crate::runtime::portable::{advertised, advertised_input};
use crate::runtime::registry::{Registry, ToolSpec};
use crate::runtime::{self, Link, ResourceBody};
use session::{PeerLink, Session};

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
    /// The tools/list answer for one registry generation (rebuilt after a component change).
    tools: Arc<std::sync::Mutex<(u64, Arc<[Tool]>)>>,
    /// Who requests come from when the transport does not say (stdio: the local client).
    caller: Caller,
    /// This session's state (each HTTP or WebSocket session gets its own).
    session: Arc<Session>,
    /// How often subscribed resources are read again.
    subscription_poll: std::time::Duration,
    /// Subscriptions each client holds, across its sessions.
    subscriptions: Arc<session::SubscriptionQuota>,
}

impl McpServer {
    pub fn new(dispatcher: Arc<Dispatcher>, subscription_poll: std::time::Duration, caller: Caller) -> McpServer {
        let registry = dispatcher.registry();
        let tools = Arc::new(std::sync::Mutex::new((registry.generation, tool_list(&registry))));
        McpServer { dispatcher, tools, caller, session: Arc::default(), subscription_poll, subscriptions: Arc::default() }
    }

    /// The tools/list answer for the registry now serving.
    fn tools(&self) -> Arc<[Tool]> {
        let registry = self.dispatcher.registry();
        let mut cached = self.tools.lock().unwrap_or_else(|e| e.into_inner());
        if cached.0 != registry.generation {
            *cached = (registry.generation, tool_list(&registry));
        }
        cached.1.clone()
    }

    /// Admits and charges a new Streamable HTTP session like a call; `Err`: why not, and
    /// the seconds to wait before trying again.
    pub async fn admit_session(&self, caller: &Caller) -> Result<(), (String, u64)> {
        self.dispatcher.admit_session(caller).await.map_err(|e| (e.to_string(), e.retry_after_secs().unwrap_or(60)))
    }

    /// The same server for a new session.
    pub fn for_session(&self) -> McpServer {
        McpServer { session: Arc::default(), ..self.clone() }
    }

    /// The same server for a new session whose every request comes from `caller` (WebSocket).
    pub fn with_caller(&self, caller: Caller) -> McpServer {
        McpServer { caller, ..self.for_session() }
    }

    /// The client of one request, for the component that serves it.
    fn link(&self, context: &RequestContext<RoleServer>) -> Link {
        let progress_token = context.meta.get_progress_token();
        Some(Arc::new(PeerLink { peer: context.peer.clone(), session: self.session.clone(), progress_token }))
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

/// Request methods of the MCP revisions we serve.
pub const KNOWN_METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "logging/setLevel",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
];

/// What is wrong with a known method's params, naming the field (JSON-RPC -32602); `None`
/// when their shape is right. rmcp would otherwise take a request whose params do not
/// parse for an unknown method and answer -32601 with the bare method name.
pub fn params_problem(method: &str, params: Option<&Value>) -> Option<String> {
    let params = match params {
        None | Some(Value::Null) => &Value::Object(Default::default()),
        Some(p @ Value::Object(_)) => p,
        Some(_) => return Some("params must be an object".into()),
    };
    // A field of the wrong JSON type (absent or null is for `required` to say).
    let kind = |field: &str, want: Json| -> Option<String> {
        let value = params.get(field).filter(|v| !v.is_null())?;
        (!want.matches(value)).then(|| format!("params.{field} must be {}", want.name()))
    };
    let required = |field: &str, want: Json| -> Option<String> {
        match params.get(field).filter(|v| !v.is_null()) {
            None => Some(format!("params.{field} is required ({})", want.name())),
            Some(_) => kind(field, want),
        }
    };
    let strings = |field: &str| -> Option<String> {
        let values = params.get(field)?.as_object()?;
        values.iter().find(|(_, v)| !v.is_string()).map(|(k, _)| format!("params.{field}.{k} must be a string"))
    };
    let (string, object) = (Json::String, Json::Object);
    if let Some(problem) = kind("_meta", object).or_else(|| kind("cursor", string)) {
        return Some(problem);
    }
    match method {
        "tools/call" => required("name", string).or_else(|| kind("arguments", object)),
        "prompts/get" => required("name", string).or_else(|| kind("arguments", object)).or_else(|| strings("arguments")),
        "resources/read" | "resources/subscribe" | "resources/unsubscribe" => required("uri", string),
        "logging/setLevel" => required("level", string),
        "completion/complete" => required("ref", object).or_else(|| required("argument", object)),
        "initialize" => required("protocolVersion", string).or_else(|| required("capabilities", object)).or_else(|| required("clientInfo", object)),
        _ => None,
    }
}

/// The JSON types a request's fields are checked for.
#[derive(Clone, Copy)]
enum Json {
    String,
    Object,
}

impl Json {
    fn matches(self, value: &Value) -> bool {
        match self {
            Json::String => value.is_string(),
            Json::Object => value.is_object(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Json::String => "a string",
            Json::Object => "an object",
        }
    }
}

/// A component's content block as MCP content (media as base64).
fn content(block: runtime::ContentBlock) -> ContentBlock {
    match block {
        runtime::ContentBlock::Text(text) => ContentBlock::text(text),
        runtime::ContentBlock::Image(media) => ContentBlock::image(BASE64.encode(media.data), media.mime_type),
        runtime::ContentBlock::Audio(media) => ContentBlock::audio(BASE64.encode(media.data), media.mime_type),
        runtime::ContentBlock::Resource(r) => ContentBlock::resource(resource_contents(r.uri, r.mime_type, r.body)),
    }
}

fn resource_contents(uri: String, mime_type: String, body: ResourceBody) -> ResourceContents {
    match body {
        ResourceBody::Text(text) => ResourceContents::text(text, uri),
        ResourceBody::Blob(blob) => ResourceContents::blob(BASE64.encode(blob), uri),
    }
    .with_mime_type(mime_type)
}

/// What reading `uri` returns: the tool's content blocks as resource contents (text with
/// the template's media type, media as blobs, embedded resources as they are), or its
/// structured result as JSON.
fn read_contents(uri: &str, mime_type: &str, output: Output) -> Vec<ResourceContents> {
    if output.content.is_empty() {
        let json = output.structured.unwrap_or_default().to_string();
        return vec![ResourceContents::text(json, uri).with_mime_type("application/json")];
    }
    output
        .content
        .into_iter()
        .map(|block| match block {
            runtime::ContentBlock::Text(text) => ResourceContents::text(text, uri).with_mime_type(mime_type),
            runtime::ContentBlock::Image(m) | runtime::ContentBlock::Audio(m) => {
                resource_contents(uri.to_string(), m.mime_type, ResourceBody::Blob(m.data))
            }
            runtime::ContentBlock::Resource(r) => resource_contents(r.uri, r.mime_type, r.body),
        })
        .collect()
}

fn object(value: &Value) -> Arc<serde_json::Map<String, Value>> {
    Arc::new(value.as_object().cloned().unwrap_or_default())
}

/// Every tool: the components' and the host's own.
fn tool_list(registry: &Registry) -> Arc<[Tool]> {
    let host_tools = host_tools::tools().into_iter().map(|t| host_tool(t.name, t.title, t.description, &t.input_schema, &t.output_schema));
    registry.tools().iter().map(|spec| tool(spec)).chain(host_tools).collect()
}

pub fn tool(spec: &ToolSpec) -> Tool {
    let a = &spec.annotations;
    let mut tool = Tool::new_with_raw(spec.name.clone(), Some(Cow::Owned(spec.description.clone())), object(&advertised_input(&spec.input_schema)))
        .with_title(spec.title.clone());
    if let Some(output_schema) = &spec.output_schema {
        tool = tool.with_raw_output_schema(object(&advertised(output_schema)));
    }
    tool.with_annotations(annotations(a.read_only, a.destructive, a.idempotent, a.open_world))
}

/// Tool hints, without those the spec defines as meaningless (destructive and idempotent
/// say something only about a tool that writes), without the spec's defaults (open world)
/// and without a second copy of the title.
fn annotations(read_only: bool, destructive: bool, idempotent: bool, open_world: bool) -> ToolAnnotations {
    let writes = |hint: bool| (!read_only).then_some(hint);
    ToolAnnotations::from_raw(None, Some(read_only), writes(destructive), writes(idempotent), (!open_world).then_some(false))
}

/// A tool the host answers itself: read-only, closed-world.
fn host_tool(name: &'static str, title: &'static str, description: &'static str, input: &Value, output: &Value) -> Tool {
    Tool::new_with_raw(name, Some(Cow::Borrowed(description)), object(input))
        .with_title(title)
        .with_raw_output_schema(object(&advertised(output)))
        .with_annotations(annotations(true, false, false, false))
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
                .enable_prompts_list_changed()
                .enable_resources()
                .enable_resources_subscribe()
                .enable_resources_list_changed()
                .enable_tools()
                .enable_tool_list_changed()
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
        let tools = self.tools();
        let permitted = tools.iter().filter(|t| self.dispatcher.permits(&caller, &t.name));
        Ok(ListToolsResult::with_all_items(permitted.cloned().collect()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let link = self.link(&context);
        // One trace per call; an HTTP client's W3C trace context is its parent.
        let span = tracing::info_span!("tools/call", tool = %request.name);
        if let Some(parts) = context.extensions.get::<http::request::Parts>()
            && parts.headers.contains_key("traceparent")
        {
            use tracing_opentelemetry::OpenTelemetrySpanExt;
            let _ = span.set_parent(crate::telemetry::remote_parent(&parts.headers));
        }
        let caller = self.caller(&context);
        let called = self.dispatcher.call_tool(&caller, &request.name, request.arguments, link);
        match tracing::Instrument::instrument(called, span).await {
            Ok(Output { structured: Some(value), content: blocks }) if blocks.is_empty() => {
                // Many clients give the model only the text block: it is the whole result, as
                // compact JSON (its size is the caller's to choose, through limit and filters).
                let mut result = CallToolResult::success(vec![ContentBlock::text(value.to_string())]);
                result.structured_content = Some(value);
                Ok(result.into())
            }
            Ok(Output { structured, content: blocks }) => {
                let mut result = CallToolResult::success(blocks.into_iter().map(content).collect());
                result.structured_content = structured;
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
        let registry = self.dispatcher.registry();
        let concrete = registry.resources.iter().filter(|r| r.is_concrete() && self.dispatcher.permits(&caller, &r.tool));
        Ok(ListResourcesResult::with_all_items(concrete.map(resource).collect()))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let caller = self.caller(&context);
        let registry = self.dispatcher.registry();
        let templates = registry.resources.iter().filter(|r| !r.is_concrete() && self.dispatcher.permits(&caller, &r.tool));
        Ok(ListResourceTemplatesResult::with_all_items(templates.map(resource_template).collect()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let (caller, link) = (self.caller(&context), self.link(&context));
        let (mime_type, output) = self.dispatcher.read_resource(&caller, &request.uri, link).await.map_err(|e| e.to_mcp())?;
        Ok(ReadResourceResult::new(read_contents(&request.uri, &mime_type, output)).into())
    }

    /// Watches a resource the caller may read: its subscribers are told when it changes
    /// (see `session::watch`).
    async fn subscribe(&self, request: SubscribeRequestParams, context: RequestContext<RoleServer>) -> Result<(), ErrorData> {
        let caller = self.caller(&context);
        if !self.dispatcher.readable(&caller, &request.uri) {
            return Err(ReadError::not_found(&request.uri).to_mcp());
        }
        let start = self.session.subscribe(&request.uri, &caller, &self.subscriptions).map_err(|e| ErrorData::invalid_params(e, None))?;
        if start {
            let watch = session::watch(Arc::downgrade(&self.session), self.dispatcher.clone(), context.peer.clone(), self.subscription_poll, caller);
            tokio::spawn(watch);
        }
        Ok(())
    }

    async fn unsubscribe(&self, request: UnsubscribeRequestParams, _context: RequestContext<RoleServer>) -> Result<(), ErrorData> {
        self.session.unsubscribe(&request.uri);
        Ok(())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let caller = self.caller(&context);
        let registry = self.dispatcher.registry();
        let permitted = registry.prompts.iter().filter(|p| self.dispatcher.permits(&caller, &p.name));
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
        let link = self.link(&context);
        let (description, blocks) =
            self.dispatcher.get_prompt(&caller, &request.name, &arguments, link).await.map_err(|e| e.to_mcp())?;
        let messages = blocks.into_iter().map(|block| PromptMessage::new(Role::User, content(block))).collect();
        let mut result = GetPromptResult::new(messages);
        result.description = Some(description);
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
                self.dispatcher.complete_prompt_argument(&caller, &p.name, name, prefix).await
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

    /// A request rmcp could not read: a known method with params of the wrong shape is
    /// -32602 naming the field; anything else -32601 naming the method.
    async fn on_custom_request(&self, request: CustomRequest, _context: RequestContext<RoleServer>) -> Result<CustomResult, ErrorData> {
        let method = request.method.chars().take(100).collect::<String>();
        if KNOWN_METHODS.contains(&method.as_str()) {
            let problem = params_problem(&method, request.params.as_ref()).unwrap_or_else(|| "params do not match the method".into());
            return Err(ErrorData::invalid_params(format!("invalid params: {method}: {problem}"), None));
        }
        Err(ErrorData::new(rmcp::model::ErrorCode::METHOD_NOT_FOUND, format!("method not found: {method}"), None))
    }

    /// From now on the client hears when a component change alters its lists.
    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        let announce = session::announce_changes(self.session.ended(), self.dispatcher.changes(), context.peer);
        tokio::spawn(announce);
    }

    async fn set_level(&self, request: SetLevelRequestParams, _context: RequestContext<RoleServer>) -> Result<(), ErrorData> {
        tracing::debug!(level = ?request.level, "client set log level");
        self.session.set_log_level(request.level);
        Ok(())
    }
}
