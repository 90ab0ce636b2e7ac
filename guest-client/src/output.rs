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
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
