//! What a call's outcome leaves behind: its audit record (and a security record for a
//! refusal or a sandbox trap), its metrics, and the records of anomaly detection.

use std::time::Instant;

use serde_json::{Value, json};

use super::error::CallError;
use super::{Answer, Dispatcher, host_tools};
use crate::controls::anomaly;
use crate::controls::tenant::Tenant;
use crate::identity::Caller;
use crate::runtime::CallFailure;

impl Dispatcher {
    /// The call record, plus a security record for refusals and sandbox traps.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn audit_call(&self, id: &str, caller: &Caller, tenant: &Tenant, tool: &str, mut record: Value, result: &Result<Answer, CallError>, started: Instant) {
        record["callId"] = id.into();
        let known = self.runtime.registry().get(tool).is_some() || host_tools::is_host_tool(tool);
        let label = if known { tool } else { "unknown" };
        record["tool"] = label.into();
        if !known {
            // A name that is no tool is a caller's free text: its digest and length only.
            record["toolDigest"] = crate::digest::sha256_hex(tool.as_bytes())[..16].into();
            record["toolLength"] = tool.len().into();
        }
        record["client"] = caller.id.as_str().into();
        record["role"] = caller.role.as_str().into();
        record["tenant"] = tenant.name().into();
        if let Some(address) = &caller.address {
            record["address"] = address.as_str().into();
        }
        record["durationMs"] = (started.elapsed().as_secs_f64() * 1000.0).into();
        let outcome = match result {
            Ok(_) => "ok",
            Err(e) if e.is_refusal() => "refused",
            Err(_) => "error",
        };
        record["outcome"] = outcome.into();
        if let Ok(Answer { reused: true, .. }) = result {
            record["reused"] = true.into();
        }
        let security = match result {
            Err(CallError::Invalid(invalid)) => Some(("validation_failure", invalid.kind())),
            Err(CallError::RateLimited { .. }) => Some(("rate_limit", "calls")),
            Err(CallError::TenantLimited { .. }) => Some(("rate_limit", "tenant")),
            Err(CallError::TooManyUsers { .. }) => Some(("rate_limit", "tenant users")),
            Err(CallError::Forbidden { .. }) => Some(("forbidden", "role")),
            Err(CallError::NotEnabled { .. }) => Some(("forbidden", "tenant")),
            Err(CallError::Busy { .. }) => Some(("rate_limit", "concurrency")),
            Err(CallError::BadOutput { .. }) => Some(("output_violation", "output schema")),
            Err(CallError::Failure { failure: CallFailure::Deadline(_), .. }) => Some(("sandbox_trap", "deadline")),
            Err(CallError::Failure { failure: CallFailure::Memory(_), .. }) => Some(("sandbox_trap", "memory")),
            Err(CallError::Failure { failure: CallFailure::Trap(_), .. }) => Some(("sandbox_trap", "crash")),
            Err(CallError::Failure { failure: CallFailure::Output(_), .. }) => Some(("sandbox_trap", "output")),
            _ => None,
        };
        if let Err(e) = result {
            record["error"] = e.health_reason().unwrap_or("refused").into();
        }
        if matches!(result, Err(CallError::Invalid(_) | CallError::UnknownTool(_) | CallError::NotOffered(_)))
            && let Some(fields) = record.as_object_mut()
        {
            fields.remove("ids"); // unvalidated values are not kept, even identifier-shaped ones
        }
        tenant.scope.audit.record("call", record);
        self.metrics.request(label, outcome, started.elapsed().as_secs_f64() * 1000.0);
        if let Some((event, detail)) = security {
            match event {
                "validation_failure" => self.metrics.validation_failed(label, detail),
                "sandbox_trap" => self.metrics.sandbox_trap(label, detail),
                "output_violation" => self.metrics.validation_failed(label, "output_schema"),
                _ => {}
            }
            tenant.scope.audit.security(event, json!({"callId": id, "tool": label, "client": caller.id, "tenant": tenant.name(), "detail": detail}));
        }
    }

    /// A response of anomaly detection: logged, counted and audited with its evidence.
    pub(super) fn record_detection(&self, tenant: &Tenant, action: &anomaly::Action) {
        let response = action.response.name();
        self.metrics.anomaly_response(response);
        tracing::warn!(subject = action.subject, response, seconds = action.seconds_left(), "anomaly: {}", action.reason);
        let record = json!({
            "subject": action.subject, "tenant": action.tenant, "response": response,
            "seconds": action.seconds_left(), "reason": action.reason, "evidence": action.evidence,
        });
        tenant.scope.audit.security("anomaly", record);
    }
}
