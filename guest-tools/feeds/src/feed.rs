//! One feed tool: parameters by window kind, the request, and the normalised items.

use guest_client::args::{self, DATE_PATTERN};
use guest_client::{Ep, Error, List, Query, Tool, jsonld};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Feed;

/// How a feed's time window is chosen.
pub enum Window {
    /// `timeframe` (+ `startDate`), and optionally one filter.
    Choice(Option<Filter>),
    /// Set by the EP API (described for the user); takes no window parameters.
    Fixed(&'static str),
}

/// The one filter some windowed feeds take.
#[derive(Clone, Copy)]
pub enum Filter {
    ActivityType,
    ProcessType,
    WorkType,
}

impl Filter {
    /// The EP API's query parameter.
    fn api_name(self) -> &'static str {
        match self {
            Filter::ActivityType => "activity-type",
            Filter::ProcessType => "process-type",
            Filter::WorkType => "work-type",
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
    fn api_value(self) -> &'static str {
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

fn default_limit() -> u32 {
    50
}

/// A filter value: an EP code (`PLENARY_SITTING`, `COD`, `TEXT_ADOPTED`).
const CODE_PATTERN: &str = r"^[A-Z][A-Z0-9_]{0,199}$";

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WindowParams {
    /// The window: today, one-day, one-week (default), one-month, or custom (from startDate).
    #[serde(default = "one_week")]
    timeframe: Timeframe,
    /// First day of a custom window, YYYY-MM-DD (required with timeframe custom).
    #[schemars(pattern(DATE_PATTERN))]
    start_date: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActivityParams {
    #[serde(default = "one_week")]
    timeframe: Timeframe,
    #[schemars(pattern(DATE_PATTERN))]
    start_date: Option<String>,
    /// Only events of this activity type, e.g. `PLENARY_SITTING`.
    #[schemars(length(max = 200), pattern(CODE_PATTERN))]
    activity_type: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProcessParams {
    #[serde(default = "one_week")]
    timeframe: Timeframe,
    #[schemars(pattern(DATE_PATTERN))]
    start_date: Option<String>,
    /// Only procedures of this type, e.g. `COD`, `INI`.
    #[schemars(length(max = 200), pattern(CODE_PATTERN))]
    process_type: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkTypeParams {
    #[serde(default = "one_week")]
    timeframe: Timeframe,
    #[schemars(pattern(DATE_PATTERN))]
    start_date: Option<String>,
    /// Only documents of this work type, e.g. `TEXT_ADOPTED`.
    #[schemars(length(max = 200), pattern(CODE_PATTERN))]
    work_type: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FixedParams {
    /// Accepted for compatibility: this feed's window is fixed by the EP API, so only
    /// the default (one-week) is accepted.
    #[serde(default = "one_week")]
    timeframe: Timeframe,
    /// Not accepted: this feed's window is fixed by the EP API.
    #[schemars(pattern(DATE_PATTERN))]
    start_date: Option<String>,
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 100))]
    limit: u32,
    #[serde(default)]
    #[schemars(range(min = 0, max = 100000))]
    offset: u32,
}

/// One published or updated record.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedItem {
    /// Short id, usable with the matching detail tool (e.g. `1294` for get_mep_details).
    pub id: String,
    /// The EP's id of the record, e.g. `person/1294`.
    pub uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// When the record was published or updated, when the feed says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
}

impl FeedItem {
    fn from_item(item: &Value) -> Option<FeedItem> {
        let uri = jsonld::string(item, "id")?;
        Some(FeedItem {
            id: jsonld::string(item, "identifier").unwrap_or_else(|| jsonld::tail(&uri).to_string()),
            r#type: jsonld::string(item, "type"),
            label: ["label", "title", "prefLabel", "activity_label"].iter().find_map(|f| jsonld::text(item, f)),
            updated: ["modified", "updated", "issued"].iter().find_map(|f| jsonld::string(item, f)),
            uri,
        })
    }
}

/// A feed's answer: the window asked for, and the records (paged locally).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedResult {
    /// What the window was: a timeframe (with start date), or the EP API's fixed window.
    pub window: String,
    #[serde(flatten)]
    pub list: List<FeedItem>,
}

pub fn tool(feed: &'static Feed) -> Tool {
    match feed.window {
        Window::Choice(None) => Tool::new(feed.tool, feed.title, describe(feed), feed.egress, move |ep, p: WindowParams| {
            windowed(ep, feed, p.timeframe, p.start_date, None)
        }),
        Window::Choice(Some(filter @ Filter::ActivityType)) => {
            Tool::new(feed.tool, feed.title, describe(feed), feed.egress, move |ep, p: ActivityParams| {
                windowed(ep, feed, p.timeframe, p.start_date, p.activity_type.map(|v| (filter, v)))
            })
        }
        Window::Choice(Some(filter @ Filter::ProcessType)) => {
            Tool::new(feed.tool, feed.title, describe(feed), feed.egress, move |ep, p: ProcessParams| {
                windowed(ep, feed, p.timeframe, p.start_date, p.process_type.map(|v| (filter, v)))
            })
        }
        Window::Choice(Some(filter @ Filter::WorkType)) => {
            Tool::new(feed.tool, feed.title, describe(feed), feed.egress, move |ep, p: WorkTypeParams| {
                windowed(ep, feed, p.timeframe, p.start_date, p.work_type.map(|v| (filter, v)))
            })
        }
        Window::Fixed(window) => {
            Tool::new(feed.tool, feed.title, describe(feed), feed.egress, move |ep, p: FixedParams| fixed(ep, feed, window, p))
        }
    }
}

/// The tools/list description. Descriptions are `'static`; this one is built from the
/// table and leaked, which lasts only as long as the call's fresh instance.
fn describe(feed: &Feed) -> &'static str {
    let window = match feed.window {
        Window::Choice(_) => "Choose the window with timeframe (today, one-day, one-week, one-month, or custom from startDate)."
            .to_string(),
        Window::Fixed(window) => format!("The EP API fixes the window ({window}); page with limit/offset."),
    };
    let text = format!(
        "Which {} the European Parliament published or updated recently (its change feed). {window} \
         Items carry the record's id, usable with the matching detail tool.",
        feed.what
    );
    Box::leak(text.into_boxed_str())
}

fn feed_query(feed: &Feed) -> Query {
    Query::new(feed.egress[0].split('/'))
}

fn windowed(
    ep: &Ep,
    feed: &Feed,
    timeframe: Timeframe,
    start_date: Option<String>,
    filter: Option<(Filter, String)>,
) -> Result<FeedResult, Error> {
    match (timeframe, &start_date) {
        (Timeframe::Custom, None) => return Err(Error::invalid("startDate is required when timeframe is custom")),
        (Timeframe::Custom, Some(d)) => args::date("startDate", d)?,
        (_, Some(_)) => return Err(Error::invalid("startDate applies only to timeframe custom")),
        (_, None) => {}
    }
    let mut query = feed_query(feed).param("timeframe", timeframe.api_value()).param_opt("start-date", start_date.as_deref());
    if let Some((filter, value)) = &filter {
        query = query.param(filter.api_name(), value);
    }
    let items = read(ep, &query)?;
    let window = match start_date {
        Some(d) => format!("custom, from {d}"),
        None => timeframe.api_value().to_string(),
    };
    let count = items.len() as u32;
    Ok(FeedResult { window, list: List::new(items, 0, count.max(1), false, query.endpoint()) })
}

fn fixed(ep: &Ep, feed: &Feed, window: &str, p: FixedParams) -> Result<FeedResult, Error> {
    if p.timeframe != Timeframe::OneWeek || p.start_date.is_some() {
        return Err(Error::invalid(format!(
            "timeframe/startDate: {} has a window fixed by the EP API ({window}); omit them",
            feed.tool
        )));
    }
    let query = feed_query(feed);
    let items = read(ep, &query)?;
    Ok(FeedResult { window: format!("fixed by the EP API: {window}"), list: List::slice(items, p.offset, p.limit, query.endpoint()) })
}

/// The feed's items; 204 or an empty body mean nothing changed in the window.
fn read(ep: &Ep, query: &Query) -> Result<Vec<FeedItem>, Error> {
    let doc = ep.fetch(query)?;
    Ok(doc.map(|d| jsonld::data(&d)).unwrap_or_default().iter().filter_map(FeedItem::from_item).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_keep_ids_usable_with_detail_tools() {
        let item = FeedItem::from_item(&json!({"id": "person/1294", "type": "Person", "identifier": "1294", "label": "Elio DI RUPO"}))
            .unwrap();
        assert_eq!((item.id.as_str(), item.uri.as_str(), item.label.as_deref()), ("1294", "person/1294", Some("Elio DI RUPO")));
        let doc = FeedItem::from_item(&json!({"id": "eli/dl/doc/TA-10-2025-0001", "type": "Work"})).unwrap();
        assert_eq!(doc.id, "TA-10-2025-0001");
        assert!(FeedItem::from_item(&json!({"label": "no id"})).is_none());
    }
}
