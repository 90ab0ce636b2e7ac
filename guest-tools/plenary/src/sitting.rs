//! Lists under one sitting (`/meetings/{sitting-id}/…`): what took place
//! (`activities`) and what was planned (`foreseen-activities`).

use guest_client::activity::{EVENT_ID_PATTERN, Event, event};
use guest_client::{Ep, Error, List, Query, Tool, Paging};
use schemars::JsonSchema;
use serde::Deserialize;


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// Sitting id, e.g. `MTG-PL-2023-07-12` (from get_plenary_sessions).
    #[schemars(length(min = 1, max = 200), pattern(EVENT_ID_PATTERN))]
    sitting_id: String,
}

/// A page of `/meetings/{sitting-id}/{list}` as activities.
fn sitting_list(name: &'static str, title: &'static str, description: &'static str, list: &'static str) -> Tool {
    Tool::paged(name, title, description, &["meetings"], 20, move |ep: &Ep, p: Params, paging: Paging| -> Result<List<Event>, Error> {
        let query = Query::new(["meetings", p.sitting_id.as_str(), list]);
        let page = ep.page(&query, paging.offset, paging.limit)?;
        let data = page.items.iter().map(event).collect();
        Ok(List::from_page(&page, data, query.endpoint()))
    })
}

pub fn get_meeting_activities() -> Tool {
    sitting_list(
        "get_meeting_activities",
        "Sitting activities",
        "What took place in one plenary sitting (debates, votes, other items), each with its type, label, the \
         documents it was based on and the minutes that record it; sittingId from get_plenary_sessions.",
        "activities",
    )
}

pub fn get_meeting_foreseen_activities() -> Tool {
    sitting_list(
        "get_meeting_foreseen_activities",
        "Sitting agenda",
        "What was planned for one plenary sitting (its agenda items), each with its type, label and documents; \
         sittingId from get_plenary_sessions.",
        "foreseen-activities",
    )
}
