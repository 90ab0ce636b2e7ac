//! `epmcp doctor`: every tool called once, with arguments that name records the EP API has
//! held for years, against the configured EP API (the live one by default), through the same dispatcher, controls and result checks as any call. Per tool
//! it says what came back: ok, empty, an error, a result its output schema refuses, the
//! warnings, the list items it could not read, and the time. It is what an operator runs
//! after the EP API changes; CI runs it against the loopback fake. The host's upstream
//! limiter keeps it within the EP's request budget, as it does every call.

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::dispatch::Dispatcher;
use crate::dispatch::error::CallError;
use crate::runtime::{CallFailure, ToolError};
use crate::identity::Caller;

/// Arguments of the tools that need some (real ids: an MEP, a sitting, procedures, a
/// recorded report); every other tool is called with `{}`, its defaults.
const SAMPLES: &[(&str, &str)] = &[
    ("get_mep_details", r#"{"id": "1294"}"#),
    ("get_committee_info", r#"{"showCurrent": true}"#),
    ("search_documents", r#"{"keyword": "climate", "dateFrom": "2025-01-01", "dateTo": "2025-12-31"}"#),
    ("get_meeting_decisions", r#"{"sittingId": "MTG-PL-2024-03-13"}"#),
    ("get_meeting_activities", r#"{"sittingId": "MTG-PL-2014-01-16"}"#),
    ("get_meeting_foreseen_activities", r#"{"sittingId": "MTG-PL-2014-01-16"}"#),
    ("get_meeting_plenary_session_documents", r#"{"sittingId": "MTG-PL-2022-06-22"}"#),
    ("get_meeting_plenary_session_document_items", r#"{"sittingId": "MTG-PL-2022-06-22"}"#),
    ("get_procedures", r#"{"processId": "2024-2006"}"#),
    ("get_procedure_events", r#"{"processId": "1972-0003"}"#),
    ("get_procedure_event_by_id", r#"{"processId": "1972-0003", "eventId": "1972-0003-DEC-DCPL-1991-07-10"}"#),
    ("get_plenary_documents", r#"{"docId": "A-9-2024-0163"}"#),
    ("search_vocabulary_concepts", r#"{"vocabulary": "ep-document-types", "text": "report"}"#),
    ("get_speeches", r#"{"dateFrom": "2024-01-15", "dateTo": "2024-01-18"}"#),
    ("track_legislation", r#"{"procedureId": "2016-0132"}"#),
    ("analyze_voting_patterns", r#"{"mepId": "1294", "dateFrom": "2024-03-01", "dateTo": "2024-03-31"}"#),
    ("compare_political_groups", r#"{"groupIds": ["EPP", "S&D"], "dateFrom": "2024-03-01", "dateTo": "2024-03-31"}"#),
    ("analyze_country_delegation", r#"{"country": "DE", "dateFrom": "2024-03-01", "dateTo": "2024-03-31"}"#),
    ("comparative_intelligence", r#"{"mepIds": ["1294", "197435"], "dateFrom": "2024-03-01", "dateTo": "2024-03-31"}"#),
    ("correlate_intelligence", r#"{"mepIds": ["1294"], "dateFrom": "2024-03-01", "dateTo": "2024-03-31"}"#),
    ("assess_mep_influence", r#"{"mepId": "1294", "dateFrom": "2024-03-01", "dateTo": "2024-03-31"}"#),
    ("analyze_legislative_effectiveness", r#"{"subjectType": "COMMITTEE", "subjectId": "AFCO", "dateFrom": "2024-03-01", "dateTo": "2024-03-31"}"#),
    ("analyze_committee_activity", r#"{"committeeId": "AFCO", "dateFrom": "2024-03-01", "dateTo": "2024-03-31"}"#),
    ("generate_report", r#"{"reportType": "VOTING_STATISTICS", "dateFrom": "2024-03-01", "dateTo": "2024-03-31"}"#),
];

/// What one call came to.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Ok,
    /// Answered, with no items (`count` 0, or an empty `data`).
    Empty,
    /// The record asked for is not there (a sample the API no longer holds, or never did).
    Missing(String),
    /// The tool failed, or refused the arguments (the message says which).
    Error(String),
    /// The result broke the tool's output schema: the records changed shape.
    Invalid(String),
}

pub struct Checked {
    pub tool: String,
    pub verdict: Verdict,
    /// `dataQualityWarnings` of the result.
    pub warnings: usize,
    /// Of those, the ones about list items with no id.
    pub unread: usize,
    pub took: Duration,
}

/// The arguments the doctor gives `tool`.
pub fn arguments(tool: &str) -> Map<String, Value> {
    let sample = SAMPLES.iter().find(|(name, _)| *name == tool).map_or("{}", |(_, args)| args);
    serde_json::from_str(sample).expect("the samples are JSON objects")
}

/// Calls every tool once, in name order, as `caller`.
pub async fn check_all(dispatcher: &Dispatcher, caller: &Caller) -> Vec<Checked> {
    let mut names: Vec<String> = dispatcher.registry().tools().iter().map(|t| t.name.clone()).collect();
    names.sort();
    let mut checked = Vec::with_capacity(names.len());
    for tool in names {
        let started = Instant::now();
        let answer = dispatcher.call_tool(caller, &tool, Some(arguments(&tool)), None).await;
        let took = started.elapsed();
        let (verdict, structured) = match answer {
            Ok(output) => {
                let structured = output.structured.unwrap_or(Value::Null);
                (if is_empty(&structured) { Verdict::Empty } else { Verdict::Ok }, structured)
            }
            Err(failed) => match failed.error {
                CallError::BadOutput { reason, .. } => (Verdict::Invalid(reason), Value::Null),
                CallError::Failure { failure: CallFailure::Tool(ToolError::NotFound(message)), .. } => (Verdict::Missing(message), Value::Null),
                other => (Verdict::Error(other.to_string()), Value::Null),
            },
        };
        let warnings: Vec<&str> = structured["dataQualityWarnings"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let unread = warnings.iter().filter(|w| w.contains("list items with no id")).count();
        checked.push(Checked { tool, verdict, warnings: warnings.len(), unread, took });
    }
    checked
}

/// No items: a list's `count` of 0, or an empty `data`.
fn is_empty(result: &Value) -> bool {
    result["count"] == json!(0) || result["data"].as_array().is_some_and(Vec::is_empty)
}

/// One line per tool, then a summary line; and whether all were answered within their schemas.
pub fn report(checked: &[Checked]) -> (String, bool) {
    let mut text = format!("{:<46} {:<8} {:>8} {:>9} {:>7}  detail\n", "tool", "result", "ms", "warnings", "unread");
    for c in checked {
        let (result, detail) = match &c.verdict {
            Verdict::Ok => ("ok", ""),
            Verdict::Empty => ("empty", ""),
            Verdict::Missing(m) => ("missing", m.as_str()),
            Verdict::Error(m) => ("ERROR", m.as_str()),
            Verdict::Invalid(m) => ("INVALID", m.as_str()),
        };
        let detail: String = detail.chars().take(160).collect();
        text.push_str(&format!("{:<46} {result:<8} {:>8} {:>9} {:>7}  {detail}\n", c.tool, c.took.as_millis(), c.warnings, c.unread));
    }
    let count = |f: fn(&Verdict) -> bool| checked.iter().filter(|c| f(&c.verdict)).count();
    let (ok, empty, missing) = (count(|v| *v == Verdict::Ok), count(|v| *v == Verdict::Empty), count(|v| matches!(v, Verdict::Missing(_))));
    let (errors, invalid) = (count(|v| matches!(v, Verdict::Error(_))), count(|v| matches!(v, Verdict::Invalid(_))));
    text.push_str(&format!("{} tools: {ok} ok, {empty} empty, {missing} missing, {errors} errors, {invalid} invalid results\n", checked.len()));
    (text, errors == 0 && invalid == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_objects_and_others_get_their_defaults() {
        for (tool, _) in SAMPLES {
            assert!(!arguments(tool).is_empty(), "{tool}");
        }
        assert!(arguments("get_current_meps").is_empty());
    }

    #[test]
    fn the_report_fails_on_an_error_or_an_invalid_result() {
        let line = |tool: &str, verdict| Checked { tool: tool.into(), verdict, warnings: 2, unread: 1, took: Duration::from_millis(12) };
        let (text, passed) = report(&[line("a", Verdict::Ok), line("b", Verdict::Empty)]);
        assert!(passed && text.ends_with("2 tools: 1 ok, 1 empty, 0 missing, 0 errors, 0 invalid results\n"), "{text}");
        let (text, passed) = report(&[line("a", Verdict::Invalid("data/0/id: not a string".into()))]);
        assert!(!passed && text.contains("INVALID") && text.contains("data/0/id"), "{text}");
        assert!(is_empty(&json!({"count": 0, "data": []})) && !is_empty(&json!({"count": 1, "data": [1]})));
    }
}
