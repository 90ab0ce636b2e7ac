//! Decisions and roll-call votes of plenary sittings, from
//! `/meetings/{sitting-id}/decisions`: per vote the method, the outcome, and who voted
//! for, against and abstained (person ids, the same as `/meps`); counts are computed
//! from those voter lists.

use guest_client::activity::EVENT_ID_PATTERN;
use guest_client::decision::{Decision, decision};
use guest_client::args::{self, DATE_PATTERN};
use guest_client::{Ep, Error, List, Query, Tool, date, Paging};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::sessions::{Session, session};




#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DecisionsParams {
    /// Sitting id, e.g. `MTG-PL-2023-07-12` (from get_plenary_sessions).
    #[schemars(length(min = 1, max = 200), pattern(EVENT_ID_PATTERN))]
    sitting_id: String,
}

pub fn get_meeting_decisions() -> Tool {
    Tool::paged(
        "get_meeting_decisions",
        "Sitting decisions and roll-call votes",
        "The decisions of one plenary sitting with method, outcome and documents, and for roll-call votes who voted \
         for, against and abstained (person ids) and their counts. Roll calls are published weeks after the sitting.",
        &["meetings"],
        50, |ep: &Ep, p: DecisionsParams, paging: Paging| {
            let query = Query::new(["meetings", p.sitting_id.as_str(), "decisions"]);
            let page = ep.page(&query, paging.offset, paging.limit)?;
            let data = page.items.iter().map(|d| decision(d, true)).collect();
            Ok(List::from_page(&page, data, query.endpoint()))
        },
    )
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LatestParams {
    /// Votes of this sitting day.
    #[schemars(pattern(DATE_PATTERN))]
    date: Option<String>,
    /// Votes of the plenary week starting this Monday (Monday to Thursday are read).
    #[schemars(pattern(DATE_PATTERN))]
    week_start: Option<String>,
    /// Without date or weekStart: the latest sittings of this parliamentary term.
    #[schemars(range(min = 1, max = 15))]
    term: Option<u32>,
    /// Add each position's person ids (hundreds per vote), not only the counts.
    #[serde(default)]
    include_individual_votes: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LatestVotes {
    /// Sitting days read, newest first.
    pub sittings: Vec<String>,
    /// Sitting days read that had no published decisions yet.
    pub sittings_without_data: Vec<String>,
    #[serde(flatten)]
    pub votes: List<Decision>,
}

/// Sitting days examined when looking for the latest votes.
const MAX_SITTINGS: usize = 8;

pub fn get_latest_votes() -> Tool {
    Tool::paged(
        "get_latest_votes",
        "Latest plenary votes",
        "The most recent plenary votes with their results: of the latest sittings, of one date, or of the week \
         starting weekStart. includeIndividualVotes adds each MEP's position (person ids).",
        &["meetings"],
        20, run_latest,
    )
}

fn run_latest(ep: &Ep, p: LatestParams, paging: Paging) -> Result<LatestVotes, Error> {
    let days: Vec<String> = match (&p.date, &p.week_start, p.term) {
        (Some(_), Some(_), _) => return Err(Error::invalid("date and weekStart are mutually exclusive")),
        (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
            return Err(Error::invalid("term selects the latest sittings; it cannot be combined with date or weekStart"));
        }
        (Some(d), None, None) => {
            args::date("date", d)?;
            vec![d.clone()]
        }
        (None, Some(w), None) => week(w)?,
        (None, None, term) => latest_sittings(ep, term)?,
    };
    let mut sittings = Vec::new();
    let mut without = Vec::new();
    let mut votes = Vec::new();
    // Every day's decisions at once: a week costs about one round trip, not four.
    let queries: Vec<Query> = days
        .iter()
        .map(|day| {
            let sitting = format!("MTG-PL-{day}");
            Query::new(["meetings", sitting.as_str(), "decisions"])
        })
        .collect();
    for (day, items) in days.iter().zip(ep.all_of(&queries, 500)?) {
        let roll_calls: Vec<Decision> =
            items.iter().map(|d| decision(d, p.include_individual_votes)).filter(|d| d.tally.is_some()).collect();
        if roll_calls.is_empty() {
            without.push(day.clone());
        } else {
            sittings.push(day.clone());
            votes.extend(roll_calls);
        }
    }
    Ok(LatestVotes { sittings, sittings_without_data: without, votes: List::slice(votes, paging.offset, paging.limit, "meetings/{sitting-id}/decisions") })
}

/// Monday to Thursday of the week starting `monday`, newest first.
fn week(monday: &str) -> Result<Vec<String>, Error> {
    args::date("weekStart", monday)?;
    let start = date::days_of_iso(monday).unwrap_or_default();
    // 1970-01-01 was a Thursday: day 0 → weekday 3 (Monday = 0).
    if (start + 3).rem_euclid(7) != 0 {
        return Err(Error::invalid(format!("weekStart {monday} is not a Monday")));
    }
    Ok((0..4).rev().map(|i| date::iso(start + i)).collect())
}

/// The latest sitting days up to today (of `term`, if given), newest first.
fn latest_sittings(ep: &Ep, term: Option<u32>) -> Result<Vec<String>, Error> {
    let year = args::current_year();
    let mut sittings: Vec<Session> = Vec::new();
    for y in [year, year - 1] {
        let query = Query::new(["meetings"]).param("year", y);
        sittings.extend(ep.all(&query, 500)?.iter().map(session));
        if sittings.len() >= MAX_SITTINGS {
            break;
        }
    }
    let today = today();
    let mut days: Vec<String> = sittings
        .into_iter()
        .filter(|s| term.is_none_or(|t| s.term == Some(t)))
        .filter_map(|s| s.date)
        .filter(|d| *d <= today)
        .collect();
    days.sort();
    days.dedup();
    Ok(days.into_iter().rev().take(MAX_SITTINGS).collect())
}

pub(crate) fn today() -> String {
    date::iso(date::today())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_come_from_the_voter_lists() {
        let d = decision(
            &json!({"activity_id": "MTG-PL-2024-03-12-DEC-000001", "had_voter_favor": ["person/1", "person/2"],
                    "had_voter_against": "person/3", "number_of_votes_favor": 99,
                    "decision_method": "http://publications.europa.eu/resource/authority/decision-method/ROLL_CALL_EV"}),
            true,
        );
        let tally = d.tally.unwrap();
        assert_eq!((tally.favor, tally.against, tally.abstention), (2, 1, 0));
        assert_eq!(d.voters.unwrap().against, ["3"]);
        assert_eq!(d.sitting_id.as_deref(), Some("MTG-PL-2024-03-12"));
        assert_eq!(d.method.as_deref(), Some("ROLL_CALL_EV"));
        let hands = decision(&json!({"activity_id": "X-DEC-1"}), true);
        assert!(hands.tally.is_none() && hands.voters.is_none());
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(week("2024-03-11").unwrap(), ["2024-03-14", "2024-03-13", "2024-03-12", "2024-03-11"]);
        assert!(week("2024-03-12").is_err());
    }
}
