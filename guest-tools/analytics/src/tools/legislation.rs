//! `track_legislation`: one procedure's path through Parliament — its events in order, the
//! stages they fall in and how long each lasted, from the procedure's own record and its
//! events (`/procedures/{process-id}`, `/procedures/{process-id}/events`).

use std::collections::BTreeSet;

use guest_client::activity::{self, Event, chronological, event};
use guest_client::args::{self, PROCESS_ID_PATTERN};
use guest_client::participation::{self, Participant};
use guest_client::roles::Role;
use guest_client::{Ep, Error, Query, SOURCE, Tool, date, jsonld};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// `2024-0006`, or as referenced `2024/0006(COD)`.
    #[schemars(length(min = 1, max = 100), pattern(PROCESS_ID_PATTERN))]
    procedure_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    /// Procedure-phase code, e.g. `RDG1` (first reading).
    pub stage: String,
    /// Date of its first and last event recorded at this stage (null without dated ones).
    pub first_event: Option<String>,
    pub last_event: Option<String>,
    /// Events recorded at this stage (events without a stage are in no stage: see `unstagedEvents`).
    pub events: usize,
    /// Days from this stage's first event to the next stage's first event (null for the last).
    pub days_to_next_stage: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Legislation {
    pub procedure_id: String,
    pub reference: Option<String>,
    pub title: Option<String>,
    /// e.g. `COD` (ordinary legislative procedure).
    pub procedure_type: Option<String>,
    /// The procedure's current stage code, as the EP records it.
    pub current_stage: Option<String>,
    /// Every event, oldest first (the procedure record's and the events endpoint's, once each).
    pub timeline: Vec<Event>,
    /// Stages in the order their first events happened.
    pub stages: Vec<Stage>,
    /// Timeline events the EP records at no stage (no `occured_at_stage`).
    pub unstaged_events: usize,
    /// The committee responsible, as the procedure record names it (e.g. `AFCO`).
    pub lead_committee: Option<String>,
    /// MEP ids of the rapporteurs the record names.
    pub rapporteurs: Vec<String>,
    /// Every participation the record gives: committees (responsible, for opinion) and MEPs (rapporteurs, shadows).
    pub participants: Vec<Participant>,
    pub last_event_date: Option<String>,
    /// Days from the last event to `asOf`.
    pub days_since_last_event: Option<i64>,
    /// Today, YYYY-MM-DD.
    pub as_of: String,
    /// Ids of documents the procedure produced.
    pub documents: Vec<String>,
    /// The endpoints that answered (one that failed is in the warnings instead).
    pub endpoints: Vec<String>,
    pub methodology: &'static str,
    pub data_quality_warnings: Vec<String>,
    pub source_attribution: &'static str,
}

pub const METHOD: &str = "Events: the procedure record's consists_of (an event given only by id kept as such) and \
    /procedures/{process-id}/events, merged by id, ordered by date. Stages: each event's occured_at_stage, in the order of \
    their first events; a stage lasts from its first event to the next stage's first event; events without a stage are in \
    the timeline and counted as unstaged, in no stage. Committees and rapporteurs: the record's had_participation. No \
    status is inferred beyond the EP's own current_stage.";

pub fn tool() -> Tool {
    Tool::new(
        "track_legislation",
        "Track a procedure",
        "One legislative procedure's path: every event in order, the stages they fall in and how long each lasted, \
         its current stage as the EP records it, the days since its last event, and its documents, from the \
         procedure's record and its events. Accepts `2024-0006` or `2024/0006(COD)`.",
        &["procedures"],
        run,
    )
}

pub(crate) fn run(ep: &Ep, p: Params) -> Result<Legislation, Error> {
    let id = args::process_id(&p.procedure_id);
    let record = Query::new(["procedures", id.as_str()]);
    let events_query = Query::new(["procedures", id.as_str(), "events"]).param("offset", 0).param("limit", 500);
    let mut answers = ep.fetch_all(&[record, events_query]).into_iter();
    let item = answers
        .next()
        .expect("two answers")?
        .and_then(|doc| jsonld::into_data(doc).into_iter().next())
        .ok_or_else(|| Error::NotFound(format!("procedure {} not found", p.procedure_id)))?;
    let mut warnings = Vec::new();
    let mut endpoints = vec!["procedures/{process-id}".to_string()];
    // The events endpoint adds to the record's events; without it the record's are all there is.
    let listed = match answers.next().expect("two answers") {
        Ok(Some(doc)) => {
            endpoints.push("procedures/{process-id}/events".into());
            jsonld::into_data(doc)
        }
        Ok(None) => {
            warnings.push("procedures/{process-id}/events answered nothing (404 or empty): the timeline is the record's events only.".into());
            Vec::new()
        }
        Err(e) => {
            warnings.push(format!("procedures/{{process-id}}/events could not be read ({e}): the timeline is the record's events only."));
            Vec::new()
        }
    };
    let recorded = activity::consists_of(&item);
    warnings.extend(recorded.warnings(&id));
    let mut seen = BTreeSet::new();
    let events: Vec<Event> = recorded.list.into_iter().chain(listed.iter().map(event)).filter(|e| seen.insert(e.id.clone())).collect();
    let timeline = chronological(events);
    let mut stages: Vec<Stage> = Vec::new();
    for e in &timeline {
        let Some(code) = &e.stage else { continue };
        match stages.iter_mut().find(|s| &s.stage == code) {
            Some(stage) => {
                stage.events += 1;
                if e.date.is_some() {
                    stage.last_event = e.date.clone();
                }
            }
            None => stages.push(Stage { stage: code.clone(), first_event: e.date.clone(), last_event: e.date.clone(), events: 1, days_to_next_stage: None }),
        }
    }
    stages.sort_by(|a, b| a.first_event.cmp(&b.first_event));
    let unstaged_events = timeline.iter().filter(|e| e.stage.is_none()).count();
    if unstaged_events > 0 {
        warnings.push(format!(
            "{unstaged_events} of {} events carry no stage: they are in the timeline, and in no stage's counts or dates.",
            timeline.len()
        ));
    }
    for i in 1..stages.len() {
        let gap = stages[i].first_event.as_deref().and_then(date::days_of_iso).zip(stages[i - 1].first_event.as_deref().and_then(date::days_of_iso));
        stages[i - 1].days_to_next_stage = gap.map(|(next, this)| next - this);
    }
    let current_stage = jsonld::code(&item, "current_stage");
    let (participants, unread_participations) = participation::participants(&item);
    if participants.is_empty() {
        warnings.push("The procedure record names no committees or rapporteurs (no had_participation).".into());
    }
    warnings.extend(participation::unread_warning(&id, unread_participations));
    warnings.push("Roll-call votes are not linked to procedures in the records read; see get_latest_votes for a sitting's votes.".into());
    if let Some(current) = &current_stage
        && !stages.iter().any(|s| &s.stage == current)
    {
        warnings.push(format!("The current stage {current} has no recorded event yet."));
    }
    let last_event_date = timeline.iter().filter_map(|e| e.date.clone()).max();
    let today = date::today();
    Ok(Legislation {
        procedure_id: jsonld::string(&item, "process_id").unwrap_or(id),
        reference: jsonld::text(&item, "label"),
        title: jsonld::text(&item, "process_title"),
        procedure_type: jsonld::code(&item, "process_type"),
        current_stage,
        days_since_last_event: last_event_date.as_deref().and_then(date::days_of_iso).map(|d| today - d),
        last_event_date,
        as_of: date::iso(today),
        stages,
        timeline,
        unstaged_events,
        lead_committee: participation::lead_committee(&participants).map(str::to_string),
        rapporteurs: participation::meps_in(&participants, Role::Rapporteur),
        participants,
        documents: jsonld::strings(&item, "created_a_realization_of").iter().map(|d| jsonld::tail(d).to_string()).collect(),
        endpoints,
        methodology: METHOD,
        data_quality_warnings: warnings,
        source_attribution: SOURCE,
    })
}
