//! `get_procedure_events`: every event of one procedure, oldest first.

use guest_client::args::{self, PROCESS_ID_PATTERN};
use guest_client::{Ep, Error, List, Query, Tool};
use schemars::JsonSchema;
use serde::Deserialize;

use guest_client::activity::{Event, chronological, event};

/// The spec gives `/procedures/{id}/events` no paging, yet the reference server pages it:
/// asking for large pages returns every event under either reading.
const EVENTS_PAGE: u32 = 500;

fn default_limit() -> u32 {
    50
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// The procedure: `2024-0006`, or its reference `2024/0006(COD)`.
    #[schemars(length(min = 1, max = 200), pattern(PROCESS_ID_PATTERN))]
    process_id: String,
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 100))]
    limit: u32,
    #[serde(default)]
    #[schemars(range(min = 0, max = 100000))]
    offset: u32,
}

pub fn get_procedure_events() -> Tool {
    Tool::new(
        "get_procedure_events",
        "Procedure events",
        "The events of one European Parliament procedure (referrals, tabling, debates, votes, decisions), oldest \
         first, each with date, activity type, stage and event id (for get_procedure_event_by_id).",
        &["procedures"],
        run,
    )
}

fn run(ep: &Ep, p: Params) -> Result<List<Event>, Error> {
    let id = args::process_id(&p.process_id);
    let query = Query::new(["procedures", id.as_str(), "events"]);
    let items = ep.all(&query, EVENTS_PAGE)?;
    if items.is_empty() {
        return Err(Error::NotFound(format!("no events found for procedure {}", p.process_id)));
    }
    let events = chronological(items.iter().map(event).collect());
    Ok(List::slice(events, p.offset, p.limit, query.endpoint()))
}
