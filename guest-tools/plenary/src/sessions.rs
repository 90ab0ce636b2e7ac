//! `get_plenary_sessions`: plenary sittings by year, date range and place, or one by id.

use guest_client::args::{self, DATE_PATTERN};
use guest_client::jsonld;
use guest_client::{Ep, Error, List, Query, Tool, Paging};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Sittings per page when walking a year (a year has about 60).
const YEAR_PAGE: u32 = 200;


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One sitting by id, e.g. `MTG-PL-2024-04-23`; other filters are then ignored.
    #[schemars(length(min = 1, max = 100), pattern(r"^[A-Za-z0-9-]+$"))]
    event_id: Option<String>,
    /// Year of the sittings (default: the year of dateFrom, else the current year).
    #[schemars(range(min = 1900, max = 2100))]
    year: Option<u32>,
    /// First day (inclusive).
    #[schemars(pattern(DATE_PATTERN))]
    date_from: Option<String>,
    /// Last day (inclusive).
    #[schemars(pattern(DATE_PATTERN))]
    date_to: Option<String>,
    /// `Strasbourg`, `Brussels` or an EU place code (any case).
    #[schemars(length(min = 1, max = 100))]
    location: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// Sitting id, e.g. `MTG-PL-2014-01-13`; pass it as `eventId`.
    pub id: String,
    /// Day of the sitting, YYYY-MM-DD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// `Strasbourg`, `Brussels`, or the EU place code when it is another place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// EU authority place code, e.g. `FRA_SXB`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place_code: Option<String>,
    /// Parliamentary term number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<u32>,
    /// EP activity type, e.g. `PLENARY_SITTING`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_type: Option<String>,
}

pub fn get_plenary_sessions() -> Tool {
    Tool::paged(
        "get_plenary_sessions",
        "Plenary sessions",
        "Plenary sittings of the European Parliament: one by id (eventId), or those of a year, optionally within \
         dateFrom..dateTo (every sitting of the year is read) and at a location (Strasbourg, Brussels).",
        &["meetings"],
        50, run,
    )
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Session>, Error> {
    if let Some(id) = &p.event_id {
        let item = ep.one(&Query::new(["meetings", id.as_str()]), &format!("sitting {id}"))?;
        return Ok(List::new(vec![session(&item)], 0, 1, false, format!("meetings/{id}")));
    }
    args::date_range(p.date_from.as_deref(), p.date_to.as_deref())?;
    let year_of = |d: &Option<String>| d.as_deref().and_then(|d| d.get(..4)).and_then(|y| y.parse::<u32>().ok());
    let years: Vec<u32> = match (p.year, year_of(&p.date_from), year_of(&p.date_to)) {
        (Some(y), _, _) => vec![y],
        (None, Some(from), Some(to)) if to >= from => (from..=to.min(from + 10)).collect(),
        (None, Some(y), _) | (None, None, Some(y)) => vec![y],
        (None, None, None) => vec![args::current_year()],
    };
    let year_list = years.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    let query = Query::new(["meetings"]).param("year", &year_list);
    let endpoint = format!("meetings?year={year_list}");
    let local_filter = p.date_from.is_some() || p.date_to.is_some() || p.location.is_some();
    if !local_filter {
        let page = ep.page(&query, paging.offset, paging.limit)?;
        let data = page.items.iter().map(session).collect();
        let defaulted = years.first().copied().filter(|_| p.year.is_none());
        return Ok(List::from_page(&page, data, endpoint).for_default_year(defaulted, "sittings"));
    }
    let location = p.location.as_deref().map(str::to_lowercase);
    let mut all: Vec<Session> = ep
        .all(&query, YEAR_PAGE)?
        .iter()
        .map(session)
        .filter(|s| in_range(s.date.as_deref(), p.date_from.as_deref(), p.date_to.as_deref()))
        .filter(|s| match &location {
            Some(l) => [&s.location, &s.place_code].iter().any(|v| v.as_deref().is_some_and(|v| v.to_lowercase().contains(l))),
            None => true,
        })
        .collect();
    all.sort_by(|a, b| a.date.cmp(&b.date));
    Ok(List::slice(all, paging.offset, paging.limit, endpoint))
}

fn in_range(date: Option<&str>, from: Option<&str>, to: Option<&str>) -> bool {
    let Some(date) = date else { return from.is_none() && to.is_none() };
    from.is_none_or(|f| date >= f) && to.is_none_or(|t| date <= t)
}

pub fn session(item: &Value) -> Session {
    let start = jsonld::string(item, "activity_start_date");
    let date = jsonld::string(item, "eli-dl:activity_date")
        .or_else(|| jsonld::string(item, "activity_date"))
        .or_else(|| start.clone())
        .and_then(|d| jsonld::date(&d));
    let place_code = jsonld::code(item, "hasLocality");
    let location = place_code.as_deref().map(|code| match code {
        "FRA_SXB" => "Strasbourg".to_string(),
        "BEL_BRU" => "Brussels".to_string(),
        other => other.to_string(),
    });
    Session {
        id: jsonld::string(item, "activity_id")
            .or_else(|| jsonld::code(item, "id"))
            .unwrap_or_default(),
        date,
        label: jsonld::text(item, "activity_label"),
        start,
        end: jsonld::string(item, "activity_end_date"),
        location,
        place_code,
        term: jsonld::term(item),
        activity_type: jsonld::code(item, "had_activity_type"),
    }
}
