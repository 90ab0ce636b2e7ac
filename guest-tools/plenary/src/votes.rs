//! `get_voting_records`: the vote-result items of plenary sittings
//! (`/meetings/{sitting-id}/vote-results`): what was voted, on which documents, recorded
//! in which minutes. The EP publishes no tallies or positions there; those are in the
//! sitting's decisions (get_meeting_decisions), and no numbers are made up here.

use guest_client::activity::{Event, event};
use guest_client::args::{self, DATE_PATTERN};
use guest_client::{Ep, Error, List, Query, Tool, Paging};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::sessions::session;

/// Sittings read per call when no sessionId is given.
const MAX_SITTINGS: usize = 10;
/// Years of `/meetings` read per call when looking for the sittings of a range.
const MAX_YEARS: u32 = 6;
/// The first European Parliament elected by direct universal suffrage met in 1979.
const FIRST_YEAR: u32 = 1979;


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One sitting, e.g. `MTG-PL-2014-01-16` (from get_plenary_sessions).
    #[schemars(length(min = 1, max = 100), pattern(r"^[a-zA-Z0-9\-_]+$"))]
    session_id: Option<String>,
    /// Only votes whose label contains this text (case-insensitive).
    #[schemars(length(min = 1, max = 200))]
    topic: Option<String>,
    /// Sittings from this day.
    #[schemars(pattern(DATE_PATTERN))]
    date_from: Option<String>,
    /// Sittings up to this day (default: today).
    #[schemars(pattern(DATE_PATTERN))]
    date_to: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VotingRecords {
    /// Sittings whose vote results this call read, newest first.
    pub sittings: Vec<String>,
    /// True when this page is the last one these sittings give but the date range holds
    /// older sittings that were not read: call again with dateTo before the oldest one listed.
    pub older_sittings_unread: bool,
    #[serde(flatten)]
    pub votes: List<Event>,
}

pub fn get_voting_records() -> Tool {
    Tool::paged(
        "get_voting_records",
        "Plenary vote results",
        "European Parliament plenary vote results of one sitting (sessionId) or of up to 10 sittings in \
         dateFrom..dateTo, newest first (if olderSittingsUnread, continue with an earlier dateTo), optionally by \
         topic, with documents, minutes and procedure. Tallies and each MEP's vote: get_meeting_decisions.",
        &["meetings"],
        50, run,
    )
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<VotingRecords, Error> {
    args::date_range(p.date_from.as_deref(), p.date_to.as_deref())?;
    let topic = p.topic.as_deref().map(str::to_lowercase);
    let matches = |e: &Event| topic.as_deref().is_none_or(|t| e.label.as_deref().is_some_and(|l| l.to_lowercase().contains(t)));
    let vote_results = |sitting: &str| Query::new(["meetings", sitting, "vote-results"]);
    if let Some(id) = &p.session_id {
        if p.date_from.is_some() || p.date_to.is_some() {
            return Err(Error::invalid("dateFrom/dateTo select sittings; they cannot be combined with sessionId"));
        }
        let query = vote_results(id);
        let votes = if topic.is_none() {
            let page = ep.page(&query, paging.offset, paging.limit)?;
            List::from_page(&page, page.items.iter().map(event).collect(), query.endpoint())
        } else {
            let all: Vec<Event> = ep.all(&query, 500)?.iter().map(event).filter(|e| matches(e)).collect();
            List::slice(all, paging.offset, paging.limit, query.endpoint())
        };
        return Ok(VotingRecords { sittings: vec![id.clone()], older_sittings_unread: false, votes });
    }
    let to = p.date_to.clone().unwrap_or_else(crate::decisions::today);
    let (mut sittings, mut older) = sitting_days(ep, p.date_from.as_deref(), &to)?;
    older |= sittings.len() > MAX_SITTINGS;
    sittings.truncate(MAX_SITTINGS);
    let wanted = paging.offset as usize + paging.limit as usize;
    let mut found = Vec::new();
    let mut read = Vec::new();
    for id in sittings {
        found.extend(ep.all(&vote_results(&id), 500)?.iter().map(event).filter(|e| matches(e)));
        read.push(id);
        if found.len() > wanted {
            break;
        }
    }
    let votes = List::slice(found, paging.offset, paging.limit, "meetings/{sitting-id}/vote-results");
    // Only once the sittings read are exhausted does continuing need an earlier dateTo.
    let older_sittings_unread = older && !votes.has_more;
    Ok(VotingRecords { sittings: read, older_sittings_unread, votes })
}

/// Sitting ids within from..=to, newest first, and whether older years of the range
/// were left unread. Years are read newest first until more sittings than one call
/// reads are in range.
fn sitting_days(ep: &Ep, from: Option<&str>, to: &str) -> Result<(Vec<String>, bool), Error> {
    let year = |d: &str| d.get(..4).and_then(|y| y.parse::<u32>().ok());
    let last = year(to).unwrap_or_else(args::current_year);
    let first = from.and_then(year).unwrap_or(FIRST_YEAR).max(FIRST_YEAR);
    let in_range = |date: &str| from.is_none_or(|f| date >= f) && date <= to;
    let mut sittings: Vec<(String, String)> = Vec::new();
    let mut next = last;
    while next >= first && last - next < MAX_YEARS && sittings.len() <= MAX_SITTINGS {
        for s in ep.all(&Query::new(["meetings"]).param("year", next), 500)?.iter().map(session) {
            if let Some(date) = s.date.filter(|d| in_range(d))
                && !sittings.iter().any(|(_, id)| *id == s.id)
            {
                sittings.push((date, s.id));
            }
        }
        next -= 1;
    }
    sittings.sort_by(|a, b| b.0.cmp(&a.0));
    Ok((sittings.into_iter().map(|(_, id)| id).collect(), next >= first))
}
