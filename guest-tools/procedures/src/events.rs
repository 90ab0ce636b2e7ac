//! `get_procedure_events`: every event of one procedure, oldest first.

use guest_client::args::{self, PROCESS_ID_PATTERN};
use guest_client::{Ep, Error, List, Query, Tool, Paging};
use schemars::JsonSchema;
use serde::Deserialize;

use guest_client::activity::{Event, chronological, event};

/// The spec gives `/procedures/{id}/events` no paging, yet the reference server pages it:
/// asking for large pages returns every event under either reading.
const EVENTS_PAGE: u32 = 500;


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// The procedure: `2024-0006`, or its reference `2024/0006(COD)`.
    #[schemars(length(min = 1, max = 200), pattern(PROCESS_ID_PATTERN))]
    process_id: String,
}

pub fn get_procedure_events() -> Tool {
    Tool::paged(
        "get_procedure_events",
        "Procedure events",
        "The events of one European Parliament procedure (referrals, tabling, debates, votes, decisions), oldest \
         first, each with date, activity type, stage and event id (for get_procedure_event_by_id).",
        &["procedures"],
        50, run,
    )
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Event>, Error> {
    let id = args::process_id(&p.process_id);
    let query = Query::new(["procedures", id.as_str(), "events"]);
    let items = ep.all(&query, EVENTS_PAGE)?;
    if items.is_empty() {
        return Err(Error::NotFound(format!("no events found for procedure {}", p.process_id)));
    }
    let events = chronological(items.iter().map(event).collect());
    Ok(List::slice(events, paging.offset, paging.limit, query.endpoint()))
}
