//! `get_voting_records`: the vote-result items of plenary sittings
//! (`/meetings/{sitting-id}/vote-results`): what was voted, on which documents, recorded
//! in which minutes. The EP publishes no tallies or positions there; those are in the
//! sitting's decisions (get_meeting_decisions), and no numbers are made up here.

use guest_client::activity::{Event, event};
use guest_client::args::{self, DATE_PATTERN};
use guest_client::{Ep, Error, List, Query, Tool};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::sessions::session;

/// Sittings read per call when no sessionId is given.
const MAX_SITTINGS: usize = 10;

fn fifty() -> u32 {
    50
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One sitting, e.g. `MTG-PL-2014-01-16` (from get_plenary_sessions).
    #[schemars(length(min = 1, max = 100), pattern(r"^[a-zA-Z0-9\-_]+$"))]
    session_id: Option<String>,
    /// Only votes whose label contains this text (case-insensitive).
    #[schemars(length(min = 1, max = 200))]
    topic: Option<String>,
    /// Sittings from this day, YYYY-MM-DD.
    #[schemars(pattern(DATE_PATTERN))]
    date_from: Option<String>,
    /// Sittings up to this day, YYYY-MM-DD.
    #[schemars(pattern(DATE_PATTERN))]
    date_to: Option<String>,
    #[serde(default = "fifty")]
    #[schemars(range(min = 1, max = 100))]
    limit: u32,
    #[serde(default)]
    #[schemars(range(min = 0, max = 100000))]
    offset: u32,
}

pub fn get_voting_records() -> Tool {
    Tool::new(
        "get_voting_records",
        "Plenary vote results",
        "What the European Parliament voted on in plenary: the vote-result items of one sitting (sessionId) or of the \
         latest sittings within dateFrom..dateTo (up to 10 sittings per call, newest first), optionally only those \
         whose label mentions a topic; each with the documents voted on, the minutes recording it and its \
         procedure. Tallies and each MEP's position are in get_meeting_decisions.",
        &["meetings"],
        run,
    )
}

fn run(ep: &Ep, p: Params) -> Result<List<Event>, Error> {
    args::date_range(p.date_from.as_deref(), p.date_to.as_deref())?;
    let topic = p.topic.as_deref().map(str::to_lowercase);
    let matches = |e: &Event| topic.as_deref().is_none_or(|t| e.label.as_deref().is_some_and(|l| l.to_lowercase().contains(t)));
    let vote_results = |sitting: &str| Query::new(["meetings", sitting, "vote-results"]);
    if let Some(id) = &p.session_id {
        if p.date_from.is_some() || p.date_to.is_some() {
            return Err(Error::invalid("dateFrom/dateTo select sittings; they cannot be combined with sessionId"));
        }
        let query = vote_results(id);
        if topic.is_none() {
            let page = ep.page(&query, p.offset, p.limit)?;
            return Ok(List::from_page(&page, page.items.iter().map(event).collect(), query.endpoint()));
        }
        let all: Vec<Event> = ep.all(&query, 500)?.iter().map(event).filter(|e| matches(e)).collect();
        return Ok(List::slice(all, p.offset, p.limit, query.endpoint()));
    }
    let wanted = (p.offset + p.limit) as usize;
    let mut found = Vec::new();
    let mut sittings = sitting_days(ep, p.date_from.as_deref(), p.date_to.as_deref())?;
    let more_sittings = sittings.len() > MAX_SITTINGS;
    sittings.truncate(MAX_SITTINGS);
    for id in &sittings {
        found.extend(ep.all(&vote_results(id), 500)?.iter().map(event).filter(|e| matches(e)));
        if found.len() > wanted {
            break;
        }
    }
    let mut list = List::slice(found, p.offset, p.limit, "meetings/{sitting-id}/vote-results");
    if more_sittings && !list.has_more {
        // Older sittings in the range were not read: say so rather than end the list.
        list = List::new(list.data, p.offset, p.limit, true, list.endpoint);
    }
    Ok(list)
}

/// Sitting ids within from..to (default: the current year up to today), newest first.
fn sitting_days(ep: &Ep, from: Option<&str>, to: Option<&str>) -> Result<Vec<String>, Error> {
    let year = |d: Option<&str>| d.and_then(|d| d.get(..4)).and_then(|y| y.parse::<u32>().ok());
    let last = year(to).unwrap_or_else(args::current_year);
    let first = year(from).unwrap_or(last).max(last.saturating_sub(5));
    let mut sittings: Vec<(String, String)> = Vec::new();
    for y in (first..=last).rev() {
        let items = ep.all(&Query::new(["meetings"]).param("year", y), 500)?;
        sittings.extend(items.iter().map(session).filter_map(|s| Some((s.date?, s.id))));
        if from.is_none() && sittings.len() > MAX_SITTINGS {
            break;
        }
    }
    sittings.retain(|(date, _)| from.is_none_or(|f| date.as_str() >= f) && to.is_none_or(|t| date.as_str() <= t));
    sittings.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(sittings.into_iter().map(|(_, id)| id).collect())
}
