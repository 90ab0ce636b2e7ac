//! `generate_report`: a report assembled from the other analyses' results (each section is
//! one of them, whole), with a summary whose every figure comes from those sections.

use guest_client::{Ep, Error, SOURCE, Tool, Dates};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::read::period::PERIOD;
use super::{attendance, committee_activity, groups, landscape, legislation, patterns};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportType {
    MepActivity,
    CommitteePerformance,
    VotingStatistics,
    LegislationProgress,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// The kind of report, which decides the subject it needs.
    report_type: ReportType,
    /// MEP_ACTIVITY: a person id; LEGISLATION_PROGRESS: a procedure (`2024-0006`); otherwise unused.
    #[schemars(length(min = 1, max = 100))]
    subject_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    pub title: &'static str,
    /// The analysis tool whose result this is (its methodology and warnings are inside).
    pub tool: &'static str,
    pub result: Value,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub report_type: ReportType,
    pub subject_id: Option<String>,
    /// Sentences stating figures taken from the sections.
    pub summary: Vec<String>,
    pub sections: Vec<Section>,
    pub methodology: &'static str,
    /// Every section's warnings, once each.
    pub data_quality_warnings: Vec<String>,
    pub source_attribution: &'static str,
}

const METHOD: &str = "Each section is the whole result of one analysis tool on the same arguments (see its methodology); \
    the summary restates figures from those results and adds none.";

pub fn tool() -> Tool {
    Tool::with(
        "generate_report",
        "Report",
        "A report assembled from the analyses: MEP_ACTIVITY (an MEP's roll-call voting and attendance), \
         VOTING_STATISTICS (composition, cohesion and coalitions), LEGISLATION_PROGRESS (a procedure's path), \
         COMMITTEE_PERFORMANCE (a committee's documented output). Each section is one analysis' full result; the \
         summary only restates their figures.",
        &["meetings", "meps", "procedures", "corporate-bodies", "committee-documents"],
        PERIOD, run,
    )
}

/// Runs an analysis with arguments given as JSON, as a call of that tool would (the same
/// checks, and its result rounded as it writes it: the figures restated below are those).
fn section(title: &'static str, tool: Tool, ep: &Ep, arguments: Value) -> Result<Section, Error> {
    let mut result = tool.run(ep, arguments)?;
    guest_client::output::rounded(&mut result);
    Ok(Section { title, tool: tool.name, result })
}

fn figure(value: &Value) -> String {
    match value {
        Value::Null => "not computable".into(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn run(ep: &Ep, p: Params, dates: Dates) -> Result<Report, Error> {
    let mut period = json!({});
    if let Some(from) = &dates.from {
        period["dateFrom"] = from.clone().into();
    }
    if let Some(to) = &dates.to {
        period["dateTo"] = to.clone().into();
    }
    let with = |mut args: Value| {
        if let (Some(args), Some(period)) = (args.as_object_mut(), period.as_object()) {
            args.extend(period.clone());
        }
        args
    };
    let subject = |what: &str| p.subject_id.clone().ok_or_else(|| Error::invalid(format!("subjectId is required: {what}")));
    let (sections, summary) = match p.report_type {
        ReportType::MepActivity => {
            let id = subject("the MEP's person id")?;
            let voting = section("Roll-call voting", patterns::tool(), ep, with(json!({"mepId": id})))?;
            let present = section("Attendance", attendance::tool(), ep, with(json!({"mepId": id, "limit": 1})))?;
            let v = &voting.result;
            let summary = vec![
                format!("Voted in {} of {} roll calls (participation {}).", v["voted"], v["rollCalls"], figure(&v["participationRate"])),
                format!("For {}, against {}, abstained {}.", v["positions"]["for"], v["positions"]["against"], v["positions"]["abstain"]),
                format!("Loyalty to the group's position: {}.", figure(&v["groupLine"]["loyalty"])),
            ];
            (vec![voting, present], summary)
        }
        ReportType::VotingStatistics => {
            let composition = section("Composition and cohesion", landscape::tool(), ep, with(json!({})))?;
            let coalitions = section("Coalitions", groups::coalition_tool(), ep, with(json!({})))?;
            let c = &composition.result;
            let summary = vec![
                format!("{} roll calls in {} sittings.", c["coverage"]["rollCalls"], c["coverage"]["sittings"]),
                format!("{} MEPs; majority threshold {}; effective number of groups {}.", c["totalMeps"], c["majorityThreshold"], figure(&c["effectiveNumberOfGroups"])),
            ];
            (vec![composition, coalitions], summary)
        }
        ReportType::LegislationProgress => {
            let id = subject("the procedure, e.g. 2024-0006")?;
            let path = section("Procedure", legislation::tool(), ep, json!({"procedureId": id}))?;
            let l = &path.result;
            let summary = vec![format!(
                "Current stage {}; {} events; last event {}.",
                figure(&l["currentStage"]),
                l["timeline"].as_array().map_or(0, Vec::len),
                figure(&l["lastEventDate"])
            )];
            (vec![path], summary)
        }
        ReportType::CommitteePerformance => {
            let id = subject("the committee's acronym or org id, e.g. ENVI")?;
            let activity = section("Committee output", committee_activity::tool(), ep, with(json!({"committeeId": id})))?;
            let a = &activity.result;
            let name = a["committee"]["name"].as_str().map(|n| format!(": {n}")).unwrap_or_default();
            let summary = vec![
                format!("{}{name}.", figure(&a["committee"]["abbreviation"])),
                format!("{} document(s) in parliamentary term(s) {}.", a["documents"]["total"], a["documents"]["terms"]),
            ];
            (vec![activity], summary)
        }
    };
    let mut warnings: Vec<String> = Vec::new();
    for s in &sections {
        for w in s.result["dataQualityWarnings"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !warnings.iter().any(|x| x == w) {
                warnings.push(w.to_string());
            }
        }
    }
    Ok(Report {
        report_type: p.report_type,
        subject_id: p.subject_id,
        summary,
        sections,
        methodology: METHOD,
        data_quality_warnings: warnings,
        source_attribution: SOURCE,
    })
}
