//! Why a call or a read failed. What an MCP client is told of it is `mcp::error`'s.

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
}

impl CallError {
    /// What is wrong with the arguments, when that is why the call failed: refused by the
    /// host's schema check or by the tool itself.
    pub(crate) fn argument_problem(&self) -> Option<String> {
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
}

/// A component's refusal of its arguments, as the caller reads it.
pub(crate) fn invalid_arguments(message: &str) -> String {
    format!("invalid arguments: {}", public(message))
}

/// A component's message, made safe to show: one line, printable, bounded.
pub(crate) fn public(message: &str) -> String {
    let clean: String = message.chars().map(|c| if c.is_control() { ' ' } else { c }).take(300).collect();
    clean.trim().to_string()
}
