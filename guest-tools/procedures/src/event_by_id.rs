//! `get_procedure_event_by_id`: one event of one procedure.

use guest_client::args::{self, PROCESS_ID_PATTERN};
use guest_client::{Ep, Error, Query, SOURCE, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use guest_client::activity::{EVENT_ID_PATTERN, Event, event};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// The procedure: `2024-0006`, or its reference `2024/0006(COD)`.
    #[schemars(length(min = 1, max = 200), pattern(PROCESS_ID_PATTERN))]
    process_id: String,
    /// The event, as get_procedure_events lists it, e.g. `2024-0006-DEC-DCPL-2024-04-23`.
    #[schemars(length(min = 1, max = 200), pattern(EVENT_ID_PATTERN))]
    event_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProcedureEvent {
    /// The procedure id, e.g. `2024-0006`.
    pub process_id: String,
    #[serde(flatten)]
    pub event: Event,
    pub source: &'static str,
}

pub fn get_procedure_event_by_id() -> Tool {
    Tool::new(
        "get_procedure_event_by_id",
        "Procedure event",
        "One event of a European Parliament procedure: date, activity type, stage, label, decision outcome and \
         the documents it is based on. Takes processId (`2024-0006` or `2024/0006(COD)`) and an eventId from \
         get_procedure_events.",
        &["procedures"],
        run,
    )
}

fn run(ep: &Ep, p: Params) -> Result<ProcedureEvent, Error> {
    let id = args::process_id(&p.process_id);
    let query = Query::new(["procedures", id.as_str(), "events", p.event_id.as_str()]);
    let item = ep.one(&query, &format!("event {} of procedure {}", p.event_id, p.process_id))?;
    Ok(ProcedureEvent { process_id: id, event: event(&item), source: SOURCE })
}
