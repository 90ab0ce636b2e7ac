//! Per-session MCP state and the link a call uses to reach its client: the log level the
//! client asked for, and [`PeerLink`], the transport side of the `client` interface of
//! `wit/tool.wit` (rmcp's peer). What a component may send is bounded in
//! `runtime::client`; what reaches the client is typed and checked here.
// MCP logging and sampling are deprecated upstream (SEP-2577) but part of every revision we serve.
#![allow(deprecated)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::{
    CreateMessageRequestParams, ElicitRequestParams, LoggingLevel, LoggingMessageNotificationParam, ProgressNotificationParam,
    ProgressToken,
};
use rmcp::service::{Peer, RoleServer};
use serde_json::Value;

use crate::runtime::{ClientLink, LogLevel};

/// Messages below `warning` are not sent until the client sets a level.
const DEFAULT_LEVEL: u8 = 3;

/// What one MCP session remembers between requests.
pub struct Session {
    /// The least severe level the client wants (0 = debug … 7 = emergency).
    log_level: AtomicU8,
}

impl Default for Session {
    fn default() -> Session {
        Session { log_level: AtomicU8::new(DEFAULT_LEVEL) }
    }
}

impl Session {
    pub fn set_log_level(&self, level: LoggingLevel) {
        self.log_level.store(severity_of(level), Ordering::Relaxed);
    }
}

fn severity_of(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

fn level_of(level: LogLevel) -> LoggingLevel {
    match level {
        LogLevel::Debug => LoggingLevel::Debug,
        LogLevel::Info => LoggingLevel::Info,
        LogLevel::Notice => LoggingLevel::Notice,
        LogLevel::Warning => LoggingLevel::Warning,
        LogLevel::Error => LoggingLevel::Error,
        LogLevel::Critical => LoggingLevel::Critical,
        LogLevel::Alert => LoggingLevel::Alert,
        LogLevel::Emergency => LoggingLevel::Emergency,
    }
}

/// One request's client: its session, its peer and its progress token.
pub struct PeerLink {
    pub peer: Peer<RoleServer>,
    pub session: Arc<Session>,
    pub progress_token: Option<ProgressToken>,
}

impl ClientLink for PeerLink {
    fn log(&self, level: LogLevel, logger: &str, message: String) -> BoxFuture<'static, ()> {
        let level = level_of(level);
        if severity_of(level) < self.session.log_level.load(Ordering::Relaxed) {
            return futures::future::ready(()).boxed();
        }
        let mut param = LoggingMessageNotificationParam::new(level, Value::String(message));
        param.logger = Some(logger.to_string());
        let peer = self.peer.clone();
        async move {
            let _ = peer.notify_logging_message(param).await; // a gone client is not the component's problem
        }
        .boxed()
    }

    fn progress(&self, progress: f64, total: Option<f64>, message: Option<String>) -> BoxFuture<'static, ()> {
        let Some(token) = self.progress_token.clone() else { return futures::future::ready(()).boxed() };
        let mut param = ProgressNotificationParam::new(token, progress);
        param.total = total;
        param.message = message;
        let peer = self.peer.clone();
        async move {
            let _ = peer.notify_progress(param).await;
        }
        .boxed()
    }

    fn sample(&self, params: Value) -> BoxFuture<'static, Result<Value, String>> {
        let peer = self.peer.clone();
        async move {
            if !peer.peer_info().is_some_and(|i| i.capabilities.sampling.is_some()) {
                return Err("the client does not support sampling".to_string());
            }
            let params: CreateMessageRequestParams =
                serde_json::from_value(params).map_err(|e| format!("not a valid sampling request: {e}"))?;
            let result = peer.create_message(params).await.map_err(|e| format!("sampling failed: {e}"))?;
            serde_json::to_value(result).map_err(|e| e.to_string())
        }
        .boxed()
    }

    fn elicit(&self, params: Value) -> BoxFuture<'static, Result<Value, String>> {
        let peer = self.peer.clone();
        async move {
            if !peer.peer_info().is_some_and(|i| i.capabilities.elicitation.is_some()) {
                return Err("the client does not support elicitation".to_string());
            }
            let params: ElicitRequestParams =
                serde_json::from_value(params).map_err(|e| format!("not a valid elicitation request: {e}"))?;
            // A component may ask the user to fill in a form, never to open a link.
            if !matches!(params, ElicitRequestParams::FormElicitationParams { .. }) {
                return Err("only form elicitation is allowed".to_string());
            }
            let result = peer.create_elicitation(params).await.map_err(|e| format!("elicitation failed: {e}"))?;
            serde_json::to_value(result).map_err(|e| e.to_string())
        }
        .boxed()
    }
}
