//! Call errors' one mapping to what an MCP client sees. Internals (traps, upstream
//! bodies, schema details of our own output) go to the log, not the client; the client
//! gets a short reason and the call id that finds the audit records.

use rmcp::model::{CallToolResult, ContentBlock, ErrorData};
use serde_json::json;

use crate::dispatch::error::{CallError, Failed, ReadError, invalid_arguments, public};
use crate::runtime::{CallFailure, ToolError};

impl Failed {
    pub fn to_mcp(&self) -> Result<CallToolResult, ErrorData> {
        self.error.to_mcp(&self.id)
    }
}

impl CallError {
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

impl ReadError {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::validate::Invalid;

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
