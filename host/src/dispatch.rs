//! Every tool call from every transport goes through [`Dispatcher::call_tool`]: the one
//! place the order of the controls is written down.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value};

use crate::error::CallError;
use crate::runtime::Runtime;
use crate::runtime::registry::ToolSpec;

pub struct Dispatcher {
    runtime: Runtime,
}

impl Dispatcher {
    pub fn new(runtime: Runtime) -> Dispatcher {
        Dispatcher { runtime }
    }

    pub fn tools(&self) -> &[Arc<ToolSpec>] {
        self.runtime.registry().tools()
    }

    /// Validate → run in a fresh sandbox → validate the result.
    pub async fn call_tool(&self, name: &str, arguments: Option<Map<String, Value>>) -> Result<Value, CallError> {
        let spec = self.runtime.registry().get(name).ok_or_else(|| CallError::UnknownTool(name.to_string()))?;
        let arguments = spec.schemas.arguments(arguments).map_err(CallError::Invalid)?;
        let started = Instant::now();
        let outcome = self.runtime.call(spec, &arguments.to_string()).await;
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        match &outcome {
            Ok(_) => tracing::info!(tool = name, elapsed_ms, outcome = "ok", "tool call"),
            Err(failure) => tracing::warn!(tool = name, elapsed_ms, outcome = "error", "tool call failed: {failure}"),
        }
        let output = outcome.map_err(|failure| CallError::Failure { tool: name.to_string(), failure })?;
        let value: Value = serde_json::from_str(&output)
            .map_err(|e| CallError::BadOutput { tool: name.to_string(), reason: format!("not JSON: {e}") })?;
        if let Err(e) = spec.schemas.output(&value) {
            tracing::error!(tool = name, "result violates the output schema: {e}");
            return Err(CallError::BadOutput { tool: name.to_string(), reason: e.to_string() });
        }
        Ok(value)
    }
}
