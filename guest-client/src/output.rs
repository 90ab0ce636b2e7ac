//! Output shapes shared by every tool.

use schemars::JsonSchema;
use serde::Serialize;

use crate::ep::Page;

/// Attribution the EP's open-data licence asks for.
pub const SOURCE: &str = "European Parliament Open Data Portal (data.europarl.europa.eu), CC BY 4.0";

/// A page of results: what was returned and how to get the next page.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct List<T> {
    pub data: Vec<T>,
    /// Items in `data`.
    pub count: usize,
    pub offset: u32,
    pub limit: u32,
    /// True when the EP API may hold more items (the API reports no totals).
    pub has_more: bool,
    /// The `offset` to pass for the next page, when `hasMore`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<u32>,
    /// The EP API endpoint the data came from.
    pub endpoint: String,
    pub source: &'static str,
    /// What an empty page means, when the caller did not choose what was read (an empty
    /// default year is "nothing yet", not "none exist").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What could not be read whole from the EP's records (how many, which ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_quality_warnings: Vec<String>,
}

impl<T> List<T> {
    /// A list built from one upstream page.
    pub fn from_page(page: &Page, data: Vec<T>, endpoint: impl Into<String>) -> Self {
        Self::new(data, page.offset, page.limit, page.has_more, endpoint)
    }

    /// A list sliced locally out of `all` (after client-side filtering of a whole roster).
    pub fn slice(all: Vec<T>, offset: u32, limit: u32, endpoint: impl Into<String>) -> Self {
        let total = all.len();
        let data: Vec<T> = all.into_iter().skip(offset as usize).take(limit as usize).collect();
        let has_more = (offset as usize).saturating_add(data.len()) < total;
        Self::new(data, offset, limit, has_more, endpoint)
    }

    pub fn new(data: Vec<T>, offset: u32, limit: u32, has_more: bool, endpoint: impl Into<String>) -> Self {
        let count = data.len();
        List {
            data,
            count,
            offset,
            limit,
            has_more,
            next_offset: has_more.then(|| offset.saturating_add(count as u32)),
            endpoint: endpoint.into(),
            source: SOURCE,
            note: None,
            data_quality_warnings: Vec::new(),
        }
    }

    /// The list with `warnings` about what its records did not hold whole.
    pub fn warning(mut self, warnings: impl IntoIterator<Item = String>) -> Self {
        self.data_quality_warnings.extend(warnings);
        self
    }

    /// A first page that came back empty for a year the caller did not give (the current
    /// year, by default) says so and names the year before.
    pub fn for_default_year(mut self, defaulted: Option<u32>, what: &str) -> Self {
        if let Some(year) = defaulted.filter(|_| self.data.is_empty() && self.offset == 0) {
            self.note = Some(format!("no {what} yet for {year} (the default year); try year {}", year - 1));
        }
        self
    }
}

/// Decimals every fractional number of a result is written with.
pub const DECIMALS: i32 = 4;

/// Rounds every fractional number in a result to [`DECIMALS`], once, as it is written:
/// measures are computed and compared from exact values, never from rounded ones.
pub fn rounded(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let scale = 10f64.powi(DECIMALS);
            // `+ 0.0` turns a rounded -0.0 into 0.0.
            if let Some(r) = n.as_f64().map(|x| (x * scale).round() / scale + 0.0).and_then(serde_json::Number::from_f64) {
                *n = r;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rounded),
        Value::Object(fields) => fields.values_mut().for_each(rounded),
        _ => {}
    }
}

/// What a tool could not read whole from the records, grouped by kind, for
/// `dataQualityWarnings`: "items without an id: 2 (positions 3, 7)".
#[derive(Debug, Default)]
pub struct Unread(std::collections::BTreeMap<String, Vec<String>>);

/// Ids listed per kind of warning; beyond them, only the count.
const IDS_SHOWN: usize = 10;

impl Unread {
    /// One more `what`, about `which` (an id, or a position when there is no id).
    pub fn note(&mut self, what: &str, which: impl Into<String>) {
        self.0.entry(what.to_string()).or_default().push(which.into());
    }

    pub fn warnings(self) -> Vec<String> {
        self.0
            .into_iter()
            .map(|(what, which)| {
                let more = if which.len() > IDS_SHOWN { " …" } else { "" };
                let shown: Vec<&str> = which.iter().take(IDS_SHOWN).map(String::as_str).collect();
                format!("{what}: {} ({}{more})", which.len(), shown.join(", "))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_rounded_once_when_written() {
        let mut v = serde_json::json!({"a": 0.123449, "b": [2.0 / 3.0, 1, -0.00004], "c": {"d": 0.5}, "e": "0.123456"});
        rounded(&mut v);
        assert_eq!(v, serde_json::json!({"a": 0.1234, "b": [0.6667, 1, 0.0], "c": {"d": 0.5}, "e": "0.123456"}));
    }

    #[test]
    fn unread_items_are_grouped_and_counted() {
        let mut unread = Unread::default();
        for i in 0..12 {
            unread.note("items without an id", format!("position {i}"));
        }
        unread.note("creators neither a body nor a person", "A-9-2024-0163");
        let warnings = unread.warnings();
        assert_eq!(warnings[0], "creators neither a body nor a person: 1 (A-9-2024-0163)");
        assert!(warnings[1].starts_with("items without an id: 12 (position 0, ") && warnings[1].ends_with("position 9 …)"), "{}", warnings[1]);
    }

    #[test]
    fn slice_reports_next_page() {
        let l = List::slice((0..7).collect::<Vec<u32>>(), 2, 3, "x");
        assert_eq!(l.data, vec![2, 3, 4]);
        assert!(l.has_more);
        assert_eq!(l.next_offset, Some(5));
        let l = List::slice((0..7).collect::<Vec<u32>>(), 5, 3, "x");
        assert_eq!((l.count, l.has_more, l.next_offset), (2, false, None));
    }

    #[test]
    fn an_empty_default_year_says_so() {
        let empty = || List::<u32>::new(Vec::new(), 0, 10, false, "x");
        let note = empty().for_default_year(Some(2026), "adopted texts").note;
        assert_eq!(note.as_deref(), Some("no adopted texts yet for 2026 (the default year); try year 2025"));
        assert!(empty().for_default_year(None, "adopted texts").note.is_none(), "a year the caller chose");
        assert!(List::new(vec![1], 0, 10, false, "x").for_default_year(Some(2026), "texts").note.is_none());
        assert!(List::<u32>::new(Vec::new(), 50, 10, false, "x").for_default_year(Some(2026), "texts").note.is_none(), "a later page");
    }
}
