//! One feed tool from a row of the table: its parameters (by window kind), the
//! checks the schema cannot express, the request, and the result.

use guest_client::args::{self, DATE_PATTERN};
use guest_client::{Error, List, Query, Tool, date};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::fetch::{self, Representation};
use crate::item::FeedItem;
use crate::{Feed, Window};

/// The one filter some windowed feeds take.
#[derive(Clone, Copy)]
pub enum Filter {
    Activity,
    Process,
    Work,
}

impl Filter {
    /// The EP API's query parameter.
    fn api_name(self) -> &'static str {
        match self {
            Filter::Activity => "activity-type",
            Filter::Process => "process-type",
            Filter::Work => "work-type",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Timeframe {
    Today,
    OneDay,
    OneWeek,
    OneMonth,
    // `custom`: from `startDate` until now. (No doc comment: it would turn the schema's enum into a oneOf.)
    Custom,
}

impl Timeframe {
    pub fn api_value(self) -> &'static str {
        match self {
            Timeframe::Today => "today",
            Timeframe::OneDay => "one-day",
            Timeframe::OneWeek => "one-week",
            Timeframe::OneMonth => "one-month",
            Timeframe::Custom => "custom",
        }
    }
}

fn one_week() -> Timeframe {
    Timeframe::OneWeek
}

/// A filter value: one EP code (`PLENARY_SITTING`, `COD`, `TEXT_ADOPTED`). The spec's
/// lists are not exhaustive ("This is not an exhaustive list"), so a pattern, not an enum.
const CODE_PATTERN: &str = r"^[A-Z][A-Z0-9_]{0,199}$";

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WindowParams {
    /// The window (default one-week); custom runs from startDate until now.
    #[serde(default = "one_week")]
    timeframe: Timeframe,
    /// First day of a custom window (only with timeframe custom).
    #[schemars(pattern(DATE_PATTERN))]
    start_date: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActivityParams {
    /// The window (default one-week); custom runs from startDate until now.
    #[serde(default = "one_week")]
    timeframe: Timeframe,
    /// First day of a custom window (only with timeframe custom).
    #[schemars(pattern(DATE_PATTERN))]
    start_date: Option<String>,
    /// Only events of this activity type (an ep-activities code, e.g. `PLENARY_SITTING`).
    #[schemars(length(max = 200), pattern(CODE_PATTERN))]
    activity_type: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProcessParams {
    /// The window (default one-week); custom runs from startDate until now.
    #[serde(default = "one_week")]
    timeframe: Timeframe,
    /// First day of a custom window (only with timeframe custom).
    #[schemars(pattern(DATE_PATTERN))]
    start_date: Option<String>,
    /// Only procedures of this type (an ep-procedure-types code, e.g. `COD`, `INI`).
    #[schemars(length(max = 200), pattern(CODE_PATTERN))]
    process_type: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkTypeParams {
    /// The window (default one-week); custom runs from startDate until now.
    #[serde(default = "one_week")]
    timeframe: Timeframe,
    /// First day of a custom window (only with timeframe custom).
    #[schemars(pattern(DATE_PATTERN))]
    start_date: Option<String>,
    /// Only documents of this work type (an ep-document-types code, e.g. `TEXT_ADOPTED`).
    #[schemars(length(max = 200), pattern(CODE_PATTERN))]
    work_type: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FixedParams {
    /// Fixed by the EP API (see `window` in the result): only one-week or that window.
    #[serde(default = "one_week")]
    timeframe: Timeframe,
    /// Refused: the window is fixed.
    #[schemars(pattern(DATE_PATTERN))]
    start_date: Option<String>,
    /// Records per page (default: all).
    #[schemars(range(min = 1, max = 100))]
    limit: Option<u32>,
    /// Records to skip.
    offset: Option<u32>,
}

/// A feed's answer: the window, where the ids lead, and the records.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedResult {
    /// The window the records were published or updated in, e.g. `one-week`,
    /// `custom, from 2026-08-01`, `fixed by the EP API: the last month`.
    pub window: String,
    /// The `timeframe` sent to the EP API (feeds whose window can be chosen).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeframe: Option<Timeframe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// The tool that takes the items' `id`s for the full record, and its argument.
    pub detail_tool: &'static str,
    pub detail_argument: &'static str,
    /// How the EP API answered (JSON-LD asked for, Atom accepted); absent when it sent
    /// no body (nothing changed in the window).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub representation: Option<Representation>,
    /// When the EP generated the feed, when it says (Atom).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed_updated: Option<String>,
    #[serde(flatten)]
    pub list: List<FeedItem>,
}

pub fn tool(feed: &'static Feed) -> Tool {
    let (name, title, description, egress) = (feed.tool, feed.title, describe(feed), feed.egress);
    match feed.window {
        Window::Choice(None) => Tool::new(name, title, description, egress, move |_, p: WindowParams| {
            windowed(feed, p.timeframe, p.start_date, None)
        }),
        Window::Choice(Some(filter @ Filter::Activity)) => Tool::new(name, title, description, egress, move |_, p: ActivityParams| {
            windowed(feed, p.timeframe, p.start_date, p.activity_type.map(|v| (filter, v)))
        }),
        Window::Choice(Some(filter @ Filter::Process)) => Tool::new(name, title, description, egress, move |_, p: ProcessParams| {
            windowed(feed, p.timeframe, p.start_date, p.process_type.map(|v| (filter, v)))
        }),
        Window::Choice(Some(filter @ Filter::Work)) => Tool::new(name, title, description, egress, move |_, p: WorkTypeParams| {
            windowed(feed, p.timeframe, p.start_date, p.work_type.map(|v| (filter, v)))
        }),
        Window::Fixed { text, timeframe } => {
            Tool::new(name, title, description, egress, move |_, p: FixedParams| fixed(feed, text, timeframe, p))
        }
    }
}

/// The tools/list description, built from the row. Descriptions are `'static`; this
/// one is leaked, which lasts only as long as the call's fresh instance.
fn describe(feed: &Feed) -> &'static str {
    let window = match feed.window {
        Window::Choice(_) => "Choose the window with timeframe (today, one-day, one-week, one-month, or custom from startDate).".to_string(),
        Window::Fixed { text, .. } => format!("The EP API fixes the window ({text}); page with limit/offset."),
    };
    let (detail, argument) = feed.detail;
    let text = format!(
        "Which {} the European Parliament published or updated recently (its change feed). {window} \
         Returns each record's id, type, label and dates; pass an id to {detail} as `{argument}` for the full record. \
         An empty list means nothing changed in the window.",
        feed.what
    );
    Box::leak(text.into_boxed_str())
}

/// The feed's request: only its own path (which is also its only egress prefix).
pub fn query(feed: &Feed) -> Query {
    Query::new(feed.egress[0].split('/'))
}

fn windowed(feed: &Feed, timeframe: Timeframe, start_date: Option<String>, filter: Option<(Filter, String)>) -> Result<FeedResult, Error> {
    match (timeframe, &start_date) {
        (Timeframe::Custom, None) => return Err(Error::invalid("startDate is required when timeframe is custom")),
        (Timeframe::Custom, Some(d)) => check_start_date(d, &today_utc(1))?,
        (_, Some(_)) => {
            return Err(Error::invalid(format!(
                "startDate applies only to timeframe custom (timeframe is {})",
                timeframe.api_value()
            )));
        }
        (_, None) => {}
    }
    // `timeframe` always goes out: the spec's default contradicts its own prose.
    let mut query = query(feed).param("timeframe", timeframe.api_value()).param_opt("start-date", start_date.as_deref());
    if let Some((filter, value)) = &filter {
        query = query.param(filter.api_name(), value);
    }
    let answer = fetch::read(&query)?;
    let window = match &start_date {
        Some(d) => format!("custom, from {d}"),
        None => timeframe.api_value().to_string(),
    };
    let count = answer.items.len() as u32;
    Ok(FeedResult {
        window,
        timeframe: Some(timeframe),
        start_date,
        detail_tool: feed.detail.0,
        detail_argument: feed.detail.1,
        representation: answer.representation,
        feed_updated: answer.generated,
        list: List::new(answer.items, 0, count, false, query.endpoint()),
    })
}

fn fixed(feed: &Feed, text: &str, own: Timeframe, p: FixedParams) -> Result<FeedResult, Error> {
    if p.timeframe != Timeframe::OneWeek && p.timeframe != own {
        return Err(Error::invalid(format!(
            "timeframe '{}' cannot be honoured: {} covers a window fixed by the EP API ({text}); omit timeframe",
            p.timeframe.api_value(),
            feed.tool
        )));
    }
    if p.start_date.is_some() {
        return Err(Error::invalid(format!(
            "startDate cannot be honoured: {} covers a window fixed by the EP API ({text}); omit startDate",
            feed.tool
        )));
    }
    let query = query(feed);
    let answer = fetch::read(&query)?;
    let offset = p.offset.unwrap_or(0);
    let limit = p.limit.unwrap_or_else(|| (answer.items.len() as u32).saturating_sub(offset));
    Ok(FeedResult {
        window: format!("fixed by the EP API: {text}"),
        timeframe: None,
        start_date: None,
        detail_tool: feed.detail.0,
        detail_argument: feed.detail.1,
        representation: answer.representation,
        feed_updated: answer.generated,
        list: List::slice(answer.items, offset, limit, query.endpoint()),
    })
}

/// `startDate` must be a calendar date and not in the future anywhere on Earth:
/// `latest` is tomorrow's UTC date (time zones run up to 14 hours ahead of UTC), so a
/// caller's local "today" always passes, and a date no feed can have changes after fails.
fn check_start_date(date: &str, latest: &str) -> Result<(), Error> {
    args::date("startDate", date)?;
    if date > latest {
        return Err(Error::invalid(format!("startDate '{date}' is in the future: a feed lists changes up to now")));
    }
    Ok(())
}

/// The UTC date `days_ahead` days from now, YYYY-MM-DD, from the wall clock the host grants.
fn today_utc(days_ahead: i64) -> String {
    date::iso(date::today() + days_ahead)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert!(today_utc(1) > today_utc(0));
        assert_eq!(&today_utc(0)[..4], args::current_year().to_string());
    }

    #[test]
    fn start_dates_are_real_and_not_in_the_future() {
        assert!(check_start_date("2026-08-01", "2026-08-21").is_ok());
        assert!(check_start_date("2026-08-21", "2026-08-21").is_ok(), "tomorrow UTC is someone's today");
        let future = check_start_date("2026-08-22", "2026-08-21").unwrap_err();
        assert!(matches!(&future, Error::InvalidArguments(m) if m.contains("future")), "{future:?}");
        let unreal = check_start_date("2026-02-30", "2026-08-21").unwrap_err();
        assert!(matches!(&unreal, Error::InvalidArguments(m) if m.contains("calendar")), "{unreal:?}");
    }

    #[test]
    fn schemas_match_the_reference_parameters() {
        let windowed = guest_client::tool::schema_of::<ProcessParams>();
        assert_eq!(windowed["properties"]["timeframe"]["default"], "one-week");
        assert_eq!(windowed["properties"]["processType"]["maxLength"], 200);
        assert_eq!(windowed["additionalProperties"], false);
        let fixed = guest_client::tool::schema_of::<FixedParams>();
        assert_eq!(fixed["properties"]["timeframe"]["default"], "one-week");
        assert!(fixed["properties"]["limit"].get("default").is_none(), "the reference gives limit no default");
        assert_eq!(fixed["properties"]["limit"]["maximum"], 100);
    }
}
