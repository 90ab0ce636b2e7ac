//! The one error type of guest code, and its mapping to the WIT `tool-error`.

use crate::epmcp::tool::types::{ToolError, UpstreamFailure};
use crate::http::HttpError;

/// Why a tool failed. Messages are lowercase and name the bad value.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// Arguments are unusable beyond what the schema checks (cross-field rules).
    InvalidArguments(String),
    /// A single-item lookup found nothing.
    NotFound(String),
    /// No usable response: denied by the host's egress policy, timed out, unreachable.
    Unavailable(String),
    /// The EP API answered with an error status or a body we cannot use.
    Upstream { status: Option<u16>, message: String },
    /// A bug in the component.
    Internal(String),
}

impl Error {
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidArguments(message.into())
    }

    pub fn upstream(status: Option<u16>, message: impl Into<String>) -> Self {
        Error::Upstream { status, message: message.into() }
    }
}

/// The message, for warnings that name a failure without failing the call.
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::InvalidArguments(m) | Error::NotFound(m) | Error::Unavailable(m) | Error::Internal(m) => f.write_str(m),
            Error::Upstream { status: Some(status), message } => write!(f, "HTTP {status}: {message}"),
            Error::Upstream { status: None, message } => f.write_str(message),
        }
    }
}

impl From<HttpError> for Error {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::Denied => Error::Unavailable("request denied by the host's egress policy".into()),
            HttpError::Timeout => Error::Unavailable("the EP API did not answer in time".into()),
            HttpError::Unreachable(m) => Error::Unavailable(m),
            HttpError::Protocol(m) => Error::upstream(None, m),
        }
    }
}

impl From<Error> for ToolError {
    fn from(e: Error) -> Self {
        match e {
            Error::InvalidArguments(m) => ToolError::InvalidArguments(m),
            Error::NotFound(m) => ToolError::NotFound(m),
            Error::Unavailable(m) => ToolError::UpstreamUnavailable(m),
            Error::Upstream { status, message } => ToolError::UpstreamError(UpstreamFailure { status, message }),
            Error::Internal(m) => ToolError::Internal(m),
        }
    }
}
