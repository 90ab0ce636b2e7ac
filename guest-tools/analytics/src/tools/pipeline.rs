//! `monitor_legislative_pipeline`: the procedures in Parliament's pipeline during a period,
//! each with its stage and the days since its last recorded event, and which of them look
//! stalled — measured against how long procedures usually go between events, from the
//! procedures' own records (`/procedures`, `/procedures/{process-id}`).

use std::collections::BTreeMap;

use guest_client::activity::{self, Event, chronological};
use guest_client::participation::{self, Participant};
use guest_client::roles::Role;
use guest_client::args::DATE_PATTERN;
use guest_client::{Ep, Error, SOURCE, Tool, date, jsonld};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::read::period::Period;

use crate::read::files::{self, BATCH};
/// At most this many procedure records are read per call (about two seconds at 50 ms).
pub const MAX_EXAMINED: usize = 200;
/// Gaps between events needed before a stall threshold is set.
pub const MIN_GAPS: usize = 10;
/// Activity types that end a procedure: the act signed, or published in the Official Journal.
pub const FINAL_ACTS: [&str; 2] = ["SIGNATURE", "PUBLICATION_OFFICIAL_JOURNAL"];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// Only procedures this committee is responsible for (acronym, e.g. `ENVI`), as their records name it.
    #[schemars(length(min = 1, max = 20), pattern(r"^[A-Za-z]{2,10}$"))]
    committee: Option<String>,
    /// `ACTIVE` (default), `STALLED`, `COMPLETED` or `ALL`.
    #[serde(default)]
    status: StatusFilter,
    /// First day (default: 365 days before dateTo).
    #[schemars(pattern(DATE_PATTERN))]
    date_from: Option<String>,
    /// Last day (default: today); statuses are as of this day.
    #[schemars(pattern(DATE_PATTERN))]
    date_to: Option<String>,
    /// Procedures listed, 1–100 (default 20).
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 100))]
    limit: usize,
}

fn default_limit() -> usize {
    20
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatusFilter {
    All,
    #[default]
    Active,
    Stalled,
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// A final act (signature or Official Journal publication) is recorded.
    Completed,
    /// Open, last event within the stall threshold.
    Active,
    /// Open, no event for longer than the stall threshold.
    Stalled,
    /// Open, but too few events were seen to set a stall threshold.
    Undetermined,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Procedure {
    pub process_id: String,
    pub reference: Option<String>,
    pub title: Option<String>,
    /// e.g. `COD` (ordinary legislative procedure).
    pub procedure_type: Option<String>,
    /// The EP's current stage code, e.g. `RDG1`.
    pub current_stage: Option<String>,
    pub status: Status,
    pub first_event: Option<String>,
    pub last_event: Option<String>,
    /// Activity type of the last event, e.g. `PLENARY_AMEND_PROPOSAL`.
    pub last_event_type: Option<String>,
    /// The committee responsible, as the record names it.
    pub lead_committee: Option<String>,
    /// MEP ids of its rapporteurs.
    pub rapporteurs: Vec<String>,
    /// Days from the last event to `asOf`.
    pub days_since_last_event: Option<i64>,
    /// Dated events recorded, and those within the period.
    pub events: usize,
    pub events_in_period: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Procedures in the pipeline during the period (among those examined).
    pub in_pipeline: usize,
    pub active: usize,
    pub stalled: usize,
    pub completed: usize,
    pub undetermined: usize,
    /// Median days since the last event, over the open procedures in the pipeline.
    pub median_days_since_last_event: Option<i64>,
    /// Open procedures in the pipeline by current stage code.
    pub open_by_stage: BTreeMap<String, usize>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    /// Procedures in the EP's list.
    pub listed: usize,
    /// Procedure records read, the most recently registered first.
    pub examined: usize,
    /// Dated events in the records read.
    pub events: usize,
    /// Newest and oldest process ids examined.
    pub newest_examined: Option<String>,
    pub oldest_examined: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    pub period: Period,
    /// Statuses are as of this day (the period's last).
    pub as_of: String,
    /// Days without an event after which an open procedure counts as stalled: the 95th
    /// percentile (nearest rank) of the gaps between consecutive events in the records read.
    pub stall_threshold_days: Option<i64>,
    /// Gaps the threshold was computed from.
    pub stall_threshold_gaps: usize,
    /// Up to `limit` procedures with the status asked for, most recently active first.
    pub procedures: Vec<Procedure>,
    pub summary: Summary,
    pub coverage: Coverage,
    pub endpoints: Vec<String>,
    pub methodology: &'static str,
    pub data_quality_warnings: Vec<String>,
    pub source_attribution: &'static str,
}

pub const METHOD: &str = "Procedures: /procedures (every page), then the records of the most recently registered \
    (highest process id first, at most 200 per call) from /procedures/{process-id}, whose consists_of lists the dated events. \
    In the pipeline during the period: first event on or before its last day, and not completed before its first day. \
    Completed: a SIGNATURE or PUBLICATION_OFFICIAL_JOURNAL event on or before asOf. Stall threshold: the 95th percentile \
    (nearest rank) of the days between consecutive dated events of every procedure read (at least 10 gaps); an open \
    procedure whose last event is more days before asOf than that is STALLED, otherwise ACTIVE. Committee responsible and \
    rapporteurs: the record's had_participation; the committee filter keeps the procedures whose record names it responsible.";

pub fn tool() -> Tool {
    Tool::new(
        "monitor_legislative_pipeline",
        "Legislative pipeline",
        "Procedures in Parliament's pipeline over a period (default: the last 365 days), newest first: each one's \
         current stage, last event and days since, and whether it is completed, active, or stalled (no event for \
         longer than the 95th percentile of the gaps between events read), with its committee responsible and \
         rapporteurs. Filter by status or committee.",
        &["procedures"],
        run,
    )
}

/// The `p`-quantile of `values` by nearest rank; `None` for none.
pub fn nearest_rank(values: &mut [i64], p: f64) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (p * values.len() as f64).ceil().max(1.0) as usize;
    Some(values[rank.min(values.len()) - 1])
}

/// A procedure record as examined: read once into what the pipeline looks at.
struct Examined {
    id: String,
    record: Value,
    /// Its events dated on or before `asOf`, oldest first (an event given only by id has no date).
    events: Vec<Event>,
    /// Events the record gives only by id.
    by_id_only: usize,
    participants: Vec<Participant>,
}

impl Examined {
    fn read(id: String, record: Value, as_of: &str) -> Examined {
        let consists_of = activity::consists_of(&record);
        let dated = consists_of.list.into_iter().filter(|e| e.date.as_deref().is_some_and(|d| d <= as_of)).collect();
        let participants = participation::participants(&record).0;
        Examined { id, events: chronological(dated), by_id_only: consists_of.by_id_only.len(), participants, record }
    }

    fn lead_committee(&self) -> Option<&str> {
        participation::lead_committee(&self.participants)
    }
}

/// Days between consecutive events.
fn gaps(events: &[Event]) -> impl Iterator<Item = i64> + '_ {
    let day = |e: &Event| e.date.as_deref().and_then(date::days_of_iso);
    events.windows(2).filter_map(move |w| Some(day(&w[1])? - day(&w[0])?))
}

fn run(ep: &Ep, p: Params) -> Result<Pipeline, Error> {
    let committee = p.committee.as_deref().map(str::to_ascii_uppercase);
    let wanted_committee = |examined: &Examined| committee.as_deref().is_none_or(|c| examined.lead_committee() == Some(c));
    let period = match p.date_from {
        Some(_) => Period::new(p.date_from.as_deref(), p.date_to.as_deref())?,
        None => Period::ending(p.date_to.as_deref(), 365)?,
    };
    let as_of = period.to.clone();
    let (listed, ids) = files::newest_first(ep)?;

    // Read records newest first until enough procedures with the status asked for are seen
    // (statuses need the threshold, which needs the gaps of every record read so far).
    let mut records: Vec<Examined> = Vec::new();
    for batch in ids.chunks(BATCH).take(MAX_EXAMINED / BATCH) {
        records.extend(files::records(ep, batch)?.into_iter().map(|(id, record)| Examined::read(id, record, &as_of)));
        let (threshold, _) = stall_threshold(&records);
        let wanted = records
            .iter()
            .filter(|r| in_pipeline(&r.events, &period) && wanted_committee(r))
            .filter(|r| p.status.accepts(status(&r.events, threshold, &as_of)))
            .count();
        if wanted >= p.limit {
            break;
        }
    }
    let (threshold, gap_count) = stall_threshold(&records);

    let mut procedures: Vec<Procedure> = Vec::new();
    let mut summary = Summary { in_pipeline: 0, active: 0, stalled: 0, completed: 0, undetermined: 0, median_days_since_last_event: None, open_by_stage: BTreeMap::new() };
    let mut open_days = Vec::new();
    for examined in &records {
        let Examined { id, record, events, participants, .. } = examined;
        if !in_pipeline(events, &period) || !wanted_committee(examined) {
            continue;
        }
        let status = status(events, threshold, &as_of);
        let last = events.last();
        let days_since = last.and_then(|e| e.date.as_deref()).and_then(date::days_of_iso).zip(date::days_of_iso(&as_of)).map(|(last, now)| now - last);
        let current_stage = jsonld::code(record, "current_stage");
        summary.in_pipeline += 1;
        match status {
            Status::Completed => summary.completed += 1,
            Status::Active => summary.active += 1,
            Status::Stalled => summary.stalled += 1,
            Status::Undetermined => summary.undetermined += 1,
        }
        if status != Status::Completed {
            open_days.extend(days_since);
            *summary.open_by_stage.entry(current_stage.clone().unwrap_or_else(|| "unknown".into())).or_default() += 1;
        }
        if p.status.accepts(status) {
            procedures.push(Procedure {
                process_id: jsonld::string(record, "process_id").unwrap_or_else(|| id.clone()),
                reference: jsonld::text(record, "label"),
                title: jsonld::text(record, "process_title"),
                procedure_type: jsonld::code(record, "process_type"),
                current_stage,
                status,
                first_event: events.first().and_then(|e| e.date.clone()),
                last_event: last.and_then(|e| e.date.clone()),
                last_event_type: last.and_then(|e| e.activity_type.clone()),
                lead_committee: examined.lead_committee().map(str::to_string),
                rapporteurs: participation::meps_in(participants, Role::Rapporteur),
                days_since_last_event: days_since,
                events: events.len(),
                events_in_period: events.iter().filter(|e| e.date.as_deref().is_some_and(|d| period.contains(d))).count(),
            });
        }
    }
    summary.median_days_since_last_event = nearest_rank(&mut open_days, 0.5);
    procedures.sort_by(|a, b| b.last_event.cmp(&a.last_event).then_with(|| b.process_id.cmp(&a.process_id)));
    procedures.truncate(p.limit);

    let named = records.iter().filter(|r| r.lead_committee().is_some()).count();
    let mut warnings = vec![
        format!("{named} of the {} procedure records read name the committee responsible (had_participation).", records.len()),
        "Completion is recognised only from a signature or Official Journal publication event; procedures that end \
         otherwise (e.g. an own-initiative resolution voted in plenary) stay open here."
            .to_string(),
    ];
    if threshold.is_none() {
        warnings.push(format!(
            "Only {gap_count} gaps between events were seen (at least {MIN_GAPS} needed): no stall threshold, so open \
             procedures are UNDETERMINED."
        ));
    }
    if records.len() < ids.len() {
        warnings.push(format!(
            "{} of {} listed procedures were examined (the most recently registered); older procedures still open are not included.",
            records.len(),
            ids.len()
        ));
    }
    let by_id_only: usize = records.iter().map(|r| r.by_id_only).sum();
    if by_id_only > 0 {
        warnings.push(format!("{by_id_only} events in the records read are given only by id: undated, they place no procedure in time."));
    }
    if committee.is_some() {
        warnings.push("The committee filter keeps procedures whose record names that committee as responsible; records naming none are left out.".into());
    }
    let undated = records.iter().filter(|r| r.events.is_empty()).count();
    if undated > 0 {
        warnings.push(format!("{undated} procedure record(s) list no event dated on or before asOf and cannot be placed in the period."));
    }
    Ok(Pipeline {
        as_of,
        stall_threshold_days: threshold,
        stall_threshold_gaps: gap_count,
        procedures,
        summary,
        coverage: Coverage {
            listed,
            examined: records.len(),
            events: records.iter().map(|r| r.events.len()).sum(),
            newest_examined: records.first().map(|r| r.id.clone()),
            oldest_examined: records.last().map(|r| r.id.clone()),
        },
        period,
        endpoints: vec!["procedures".into(), "procedures/{process-id}".into()],
        methodology: METHOD,
        data_quality_warnings: warnings,
        source_attribution: SOURCE,
    })
}

/// The stall threshold over every record read, and the number of gaps it rests on.
fn stall_threshold(records: &[Examined]) -> (Option<i64>, usize) {
    let mut all: Vec<i64> = records.iter().flat_map(|r| gaps(&r.events)).collect();
    let count = all.len();
    let value = if count >= MIN_GAPS { nearest_rank(&mut all, 0.95) } else { None };
    (value, count)
}

/// The events that end a procedure (see [`FINAL_ACTS`]).
fn final_acts(events: &[Event]) -> impl Iterator<Item = &Event> {
    events.iter().filter(|e| e.activity_type.as_deref().is_some_and(|t| FINAL_ACTS.contains(&t)))
}

fn completed(events: &[Event]) -> bool {
    final_acts(events).next().is_some()
}

/// In the pipeline during the period: begun by its end, and not completed before its start.
fn in_pipeline(events: &[Event], period: &Period) -> bool {
    let Some(first) = events.first().and_then(|e| e.date.as_deref()) else { return false };
    let completed_before = final_acts(events).any(|e| e.date.as_deref().is_some_and(|d| d < period.from.as_str()));
    first <= period.to.as_str() && !completed_before
}

fn status(events: &[Event], threshold: Option<i64>, as_of: &str) -> Status {
    if completed(events) {
        return Status::Completed;
    }
    let last = events.last().and_then(|e| e.date.as_deref()).and_then(date::days_of_iso);
    match (threshold, last, date::days_of_iso(as_of)) {
        (Some(limit), Some(last), Some(now)) if now - last > limit => Status::Stalled,
        (Some(_), Some(_), Some(_)) => Status::Active,
        _ => Status::Undetermined,
    }
}

impl StatusFilter {
    fn accepts(self, status: Status) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Active => status == Status::Active,
            StatusFilter::Stalled => status == Status::Stalled,
            StatusFilter::Completed => status == Status::Completed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles_by_hand() {
        let mut gaps = vec![10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        assert_eq!(nearest_rank(&mut gaps, 0.95), Some(100), "ceil(9.5) = 10th of 10");
        assert_eq!(nearest_rank(&mut gaps, 0.5), Some(50), "5th of 10");
        assert_eq!(nearest_rank(&mut [7], 0.5), Some(7));
        assert_eq!(nearest_rank(&mut [], 0.5), None);
    }

    #[test]
    fn statuses_from_final_acts_and_the_threshold() {
        let e = |date: &str, kind: &str| Event {
            id: format!("{date}-{kind}"),
            kind: None,
            date: Some(date.into()),
            activity_type: Some(kind.into()),
            stage: None,
            label: None,
            outcome: None,
            documents: vec![],
            recorded_in: vec![],
            part_of: vec![],
        };
        let open = [e("2024-01-01", "REFERRAL"), e("2024-03-01", "PLENARY_AMEND_PROPOSAL")];
        assert_eq!(status(&open, Some(60), "2024-04-30"), Status::Active, "60 days since");
        assert_eq!(status(&open, Some(60), "2024-05-01"), Status::Stalled, "61 days since");
        assert_eq!(status(&open, None, "2024-05-01"), Status::Undetermined);
        let signed = [e("2024-01-01", "REFERRAL"), e("2024-02-01", "SIGNATURE")];
        assert_eq!(status(&signed, Some(1), "2025-01-01"), Status::Completed);
        let march = Period { from: "2024-03-01".into(), to: "2024-03-31".into() };
        assert!(!in_pipeline(&signed, &march), "completed before the period");
        assert!(in_pipeline(&open, &march));
        assert!(!in_pipeline(&[e("2024-04-01", "REFERRAL")], &march), "begun after it");
        assert_eq!(gaps(&open).collect::<Vec<_>>(), [60]);
    }
}
