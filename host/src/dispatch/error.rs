//! Call errors and their one mapping to what an MCP client sees. Internals (traps,
//! upstream bodies, schema details of our own output) go to the log, not the client;
//! the client gets a short reason and the call id that finds the audit records.

use rmcp::model::{CallToolResult, ContentBlock, ErrorData};
use serde_json::json;

use crate::runtime::{CallFailure, ToolError};
use crate::runtime::validate::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("unknown tool '{0}'")]
    UnknownTool(String),
    /// Installed, but outside the server's `--tools` profile.
    #[error("tool '{0}' is not offered by this server's tool profile: `--tools all` (EPMCP_TOOLS=all) offers every tool")]
    NotOffered(String),
    #[error("invalid arguments: {0}")]
    Invalid(Invalid),
    #[error("tool '{tool}' failed: {failure}")]
    Failure { tool: String, failure: CallFailure },
    #[error("tool '{tool}' returned an invalid result: {reason}")]
    BadOutput { tool: String, reason: String },
    #[error("rate limit exceeded: retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("tool '{tool}' is not available to the role '{role}'")]
    Forbidden { tool: String, role: String },
    #[error("too many calls at once from this client (at most {limit})")]
    Busy { limit: u32 },
    #[error("tool '{tool}' is not enabled for the tenant '{tenant}'")]
    NotEnabled { tool: String, tenant: String },
    #[error("rate limit exceeded for the tenant '{tenant}': retry after {retry_after_secs} s")]
    TenantLimited { tenant: String, retry_after_secs: u64 },
    #[error("the tenant '{tenant}' has its {limit} users for today")]
    TooManyUsers { tenant: String, limit: u32 },
    /// Anomaly detection's response: `blocked` or `isolated`.
    #[error("this client is {state} for {retry_after_secs} s after {reason}")]
    Blocked { state: &'static str, retry_after_secs: u64, reason: String },
}

/// A call that did not succeed, and the id of its audit records.
#[derive(Debug)]
pub struct Failed {
    pub id: String,
    pub error: CallError,
}

impl Failed {
    pub fn to_mcp(&self) -> Result<CallToolResult, ErrorData> {
        self.error.to_mcp(&self.id)
    }
}

impl CallError {
    /// When a refusal says when to try again: its seconds.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            CallError::RateLimited { retry_after_secs } | CallError::TenantLimited { retry_after_secs, .. } | CallError::Blocked { retry_after_secs, .. } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// Protocol errors (-32602) for calls of a tool the caller cannot call; `isError`
    /// results, which the model can read and act on, for everything else: arguments the
    /// tool refuses, and calls that could not be answered.
    /// Both name the call id (in the text, and as `errorId` in a protocol error's data).
    pub fn to_mcp(&self, id: &str) -> Result<CallToolResult, ErrorData> {
        let tool_error = |text: String| Ok(CallToolResult::error(vec![ContentBlock::text(format!("{text} (error id {id})"))]));
        let invalid = |text: String| Err(ErrorData::invalid_params(format!("{text} (error id {id})"), Some(json!({"errorId": id}))));
        match self {
            // A request for a tool the caller cannot call is malformed; arguments the tool
            // refuses are the model's to correct, so it must see them (SEP-1303).
            CallError::UnknownTool(_) | CallError::NotOffered(_) | CallError::Forbidden { .. } | CallError::NotEnabled { .. } => {
                invalid(self.to_string())
            }
            CallError::Invalid(_) => tool_error(self.to_string()),
            CallError::Failure { tool, failure } => match failure {
                CallFailure::Tool(ToolError::InvalidArguments(m)) => tool_error(invalid_arguments(m)),
                CallFailure::Tool(ToolError::NotFound(m)) => tool_error(format!("not found: {}", public(m))),
                CallFailure::Tool(ToolError::UpstreamUnavailable(m)) => {
                    tool_error(format!("the EP API is unavailable: {}", public(m)))
                }
                CallFailure::Tool(ToolError::UpstreamError(f)) => tool_error(format!("the EP API failed: {}", public(&f.message))),
                CallFailure::Tool(ToolError::Internal(_)) => tool_error(format!("tool '{tool}' failed with an internal error")),
                CallFailure::Tool(ToolError::Failed(m)) => tool_error(public(m)),
                CallFailure::Deadline(ms) => tool_error(format!("tool '{tool}' was stopped: it exceeded its deadline of {ms} ms")),
                CallFailure::Memory(mib) => {
                    tool_error(format!("tool '{tool}' was stopped: it exceeded its memory limit of {mib} MiB"))
                }
                CallFailure::Trap(_) => tool_error(format!("tool '{tool}' crashed and was stopped")),
                CallFailure::Output(bytes) => {
                    tool_error(format!("tool '{tool}' was stopped: its result exceeded its output limit of {} KiB", bytes >> 10))
                }
            },
            CallError::BadOutput { tool, .. } => {
                tool_error(format!("tool '{tool}' returned a result that does not match its output schema"))
            }
            CallError::Busy { limit } => {
                tool_error(format!("this client already has {limit} calls running: wait for one to finish, then retry"))
            }
            CallError::RateLimited { retry_after_secs } => tool_error(format!(
                "rate limit exceeded for this client: retry after {retry_after_secs} s (see get_server_health)"
            )),
            CallError::TenantLimited { .. } => tool_error(format!("{self}: the tenant's callers together used its calls per minute")),
            CallError::TooManyUsers { .. } => tool_error(format!("{self}: no other identity may call until one has been idle for a day")),
            CallError::Blocked { .. } => tool_error(format!("{self}; an administrator can lift it (admin_lift_block)")),
        }
    }
}

impl CallError {
    /// What is wrong with the arguments, when that is why the call failed: refused by the
    /// host's schema check or by the tool itself.
    fn argument_problem(&self) -> Option<String> {
        match self {
            CallError::Invalid(_) => Some(self.to_string()),
            CallError::Failure { failure: CallFailure::Tool(ToolError::InvalidArguments(m)), .. } => Some(invalid_arguments(m)),
            _ => None,
        }
    }

    /// Whether the call was refused (wrong, not allowed, or over a limit) rather than failed.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            CallError::UnknownTool(_)
                | CallError::NotOffered(_)
                | CallError::Invalid(_)
                | CallError::RateLimited { .. }
                | CallError::Forbidden { .. }
                | CallError::Busy { .. }
                | CallError::NotEnabled { .. }
                | CallError::TenantLimited { .. }
                | CallError::TooManyUsers { .. }
                | CallError::Blocked { .. }
        )
    }

    /// Whether the failure says something about the tool's health (an upstream or
    /// sandbox failure) rather than about the request; a short reason if so.
    pub fn health_reason(&self) -> Option<&'static str> {
        if self.is_refusal() {
            return None;
        }
        match self {
            CallError::BadOutput { .. } => Some("returned a result that violates its output schema"),
            CallError::Failure { failure, .. } => match failure {
                CallFailure::Tool(ToolError::InvalidArguments(_) | ToolError::NotFound(_) | ToolError::Failed(_)) => None,
                CallFailure::Tool(ToolError::UpstreamUnavailable(_)) => Some("the EP API was unavailable"),
                CallFailure::Tool(ToolError::UpstreamError(_)) => Some("the EP API answered with an error"),
                CallFailure::Tool(ToolError::Internal(_)) => Some("internal error in the component"),
                CallFailure::Deadline(_) => Some("exceeded its deadline"),
                CallFailure::Memory(_) => Some("exceeded its memory limit"),
                CallFailure::Trap(_) => Some("crashed"),
                CallFailure::Output(_) => Some("exceeded its output limit"),
            },
            _ => None, // the refusals, answered above
        }
    }
}

/// Why a resource or a prompt could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("no resource matches {0}")]
    NotFound(String),
    #[error("prompts/get {name}: {error}")]
    Prompt { name: String, error: crate::runtime::catalog::PromptError },
    #[error("{}", .0.error)]
    Call(Failed),
}

impl ReadError {
    /// No resource matches `uri` (kept short in the message).
    pub fn not_found(uri: &str) -> ReadError {
        ReadError::NotFound(uri.chars().take(200).collect())
    }

    /// Unknown URIs and missing items are -32002 (resource not found), bad variables
    /// -32602, anything else an internal error with the same sanitised text as a call.
    pub fn to_mcp(&self) -> ErrorData {
        match self {
            ReadError::NotFound(uri) => ErrorData::resource_not_found(
                format!("resource not found: {uri} (see resources/list and resources/templates/list)"),
                None,
            ),
            ReadError::Prompt { .. } => ErrorData::invalid_params(self.to_string(), None),
            ReadError::Call(Failed { id, error: CallError::Failure { failure: CallFailure::Tool(ToolError::NotFound(m)), .. } }) => {
                ErrorData::resource_not_found(format!("resource not found: {} (error id {id})", public(m)), Some(json!({"errorId": id})))
            }
            // A resource URI's variables that its tool refuses: the request is wrong.
            ReadError::Call(Failed { id, error }) if let Some(problem) = error.argument_problem() => {
                ErrorData::invalid_params(format!("{problem} (error id {id})"), Some(json!({"errorId": id})))
            }
            ReadError::Call(e) => match e.to_mcp() {
                Err(data) => data,
                Ok(result) => {
                    let text = result.content.first().and_then(|c| c.as_text()).map(|t| t.text.clone()).unwrap_or_default();
                    ErrorData::internal_error(text, Some(json!({"errorId": e.id})))
                }
            },
        }
    }
}

/// A component's refusal of its arguments, as the caller reads it.
fn invalid_arguments(message: &str) -> String {
    format!("invalid arguments: {}", public(message))
}

/// A component's message, made safe to show: one line, printable, bounded.
fn public(message: &str) -> String {
    let clean: String = message.chars().map(|c| if c.is_control() { ' ' } else { c }).take(300).collect();
    clean.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traps_are_not_described_to_clients() {
        let e = CallError::Failure { tool: "t".into(), failure: CallFailure::Trap("wasm backtrace: secret internals".into()) };
        let result = e.to_mcp("0123").unwrap();
        let text = serde_json::to_string(&result).unwrap();
        assert!(!text.contains("secret"));
        assert!(text.contains("(error id 0123)"));
        assert_eq!(result.is_error, Some(true));
    }

    #[test]
    fn invalid_arguments_are_results_the_model_reads() {
        let e = CallError::Invalid(Invalid::Schema { field: "limit".into(), message: "500 is greater than the maximum of 100".into() });
        let result = e.to_mcp("0123").unwrap();
        assert_eq!(result.is_error, Some(true));
        assert!(result.structured_content.is_none());
    }

    #[test]
    fn unknown_tools_are_protocol_errors() {
        let e = CallError::UnknownTool("nope".into());
        let error = e.to_mcp("0123").unwrap_err();
        assert_eq!(error.code, rmcp::model::ErrorCode::INVALID_PARAMS);
        assert_eq!(error.data, Some(json!({"errorId": "0123"})));
    }

    #[test]
    fn messages_are_sanitised() {
        assert_eq!(public("a\nb\u{7}c"), "a b c");
        assert_eq!(public(&"x".repeat(1000)).len(), 300);
    }
}
