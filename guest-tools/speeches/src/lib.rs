//! Plenary speeches (`/speeches`): one by id, or a page within a sitting-date range,
//! optionally of one speaker, with the verbatim-report item that records each speech.

use guest_client::activity::{EVENT_ID_PATTERN, Event, event};
use guest_client::args::{self, DATE_PATTERN, MEP_ID_PATTERN};
use guest_client::{Ep, Error, List, Query, Tool, Paging};
use schemars::JsonSchema;
use serde::Deserialize;


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One speech by id, e.g. `MTG-PL-2024-01-15-OTH-188837518`.
    #[schemars(length(min = 1, max = 200), pattern(EVENT_ID_PATTERN))]
    speech_id: Option<String>,
    /// First sitting day.
    #[schemars(pattern(DATE_PATTERN))]
    date_from: Option<String>,
    /// Last sitting day (needs dateFrom).
    #[schemars(pattern(DATE_PATTERN))]
    date_to: Option<String>,
    /// Only this MEP's speeches: `124936`, `MEP-124936` or `person/124936`.
    #[schemars(length(min = 1, max = 100), pattern(MEP_ID_PATTERN))]
    mep_id: Option<String>,
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Event>, Error> {
    if let Some(id) = &p.speech_id {
        if p.date_from.is_some() || p.date_to.is_some() || p.mep_id.is_some() {
            return Err(Error::invalid("dateFrom, dateTo and mepId filter lists; they cannot be combined with speechId"));
        }
        let item = ep.one(&Query::new(["speeches", id.as_str()]), &format!("speech {id}"))?;
        return Ok(List::new(vec![event(&item)], 0, 1, false, format!("speeches/{id}")));
    }
    args::date_range(p.date_from.as_deref(), p.date_to.as_deref())?;
    // The API reads `sitting-date` alone as that single day: a range needs both ends.
    let end = match (&p.date_from, &p.date_to) {
        (None, Some(_)) => return Err(Error::invalid("dateTo needs dateFrom")),
        (Some(_), None) => Some(format!("{}-12-31", args::current_year())),
        (_, to) => to.clone(),
    };
    let person = p.mep_id.as_deref().map(args::mep_id).transpose()?;
    let query = Query::new(["speeches"])
        .param_opt("sitting-date", p.date_from.as_deref())
        .param_opt("sitting-date-end", end.as_deref())
        .param_opt("person-id", person);
    let page = ep.page(&query, paging.offset, paging.limit)?;
    let data = page.items.iter().map(event).collect();
    Ok(List::from_page(&page, data, query.endpoint()))
}

fn tools() -> Vec<Tool> {
    vec![Tool::paged(
        "get_speeches",
        "Plenary speeches",
        "European Parliament plenary speeches: one by speechId, or a page of those in sittings dateFrom..dateTo, \
         optionally of one MEP (mepId), each with its debate, date and verbatim-report item.",
        &["speeches"],
        50, run,
    )]
}

guest_client::component!("speeches", tools);
