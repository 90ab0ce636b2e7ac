//! EP events and activities (`/events`): sittings, debates, votes, tablings, signatures,
//! publications … one by id or a page, optionally of one activity type.

use guest_client::activity::{EVENT_ID_PATTERN, Event, event};
use guest_client::{Ep, Error, List, Query, Tool, Paging};
use schemars::JsonSchema;
use serde::Deserialize;


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One event by id, e.g. `MTG-PL-2023-07-12`.
    #[schemars(length(min = 1, max = 200), pattern(EVENT_ID_PATTERN))]
    event_id: Option<String>,
    /// Only events of this EP activity type, e.g. `PLENARY_DEBATE`, `SIGNATURE` (not with eventId).
    #[schemars(length(min = 1, max = 100), pattern(r"^[A-Z][A-Z_]*$"))]
    activity_type: Option<String>,
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Event>, Error> {
    if let Some(id) = &p.event_id {
        if p.activity_type.is_some() {
            return Err(Error::invalid("activityType filters lists; it cannot be combined with eventId"));
        }
        let item = ep.one(&Query::new(["events", id.as_str()]), &format!("event {id}"))?;
        return Ok(List::new(vec![event(&item)], 0, 1, false, format!("events/{id}")));
    }
    let query = Query::new(["events"]).param_opt("activity-type", p.activity_type.as_deref());
    let page = ep.page(&query, paging.offset, paging.limit)?;
    let data = page.items.iter().map(event).collect();
    Ok(List::from_page(&page, data, query.endpoint()))
}

fn tools() -> Vec<Tool> {
    vec![Tool::paged(
        "get_events",
        "EP events",
        "European Parliament events (sittings, debates, votes, signatures …): one by eventId, or a page, \
         optionally of one activityType (the EP API has no date filter here).",
        &["events"],
        50, run,
    )]
}

guest_client::component!("events", tools);
