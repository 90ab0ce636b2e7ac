//! The shape every document collection of the EP API shares (`/adopted-texts`,
//! `/plenary-documents`, `/committee-documents`, …): `/{collection}/{doc-id}` for one
//! document (`data[0]`, FRBR detail) and `/{collection}?offset&limit` for a page.

use guest_client::args;
use guest_client::{Ep, Error, List, Query, Unread};

use crate::model::{Document, document};

/// A document collection: its path segment and what one of its documents is called.
#[derive(Debug, Clone, Copy)]
pub struct Collection {
    pub path: &'static str,
    pub noun: &'static str,
}

impl Collection {
    /// One document with its files; a missing one is `NotFound` naming the id.
    pub fn lookup(self, ep: &Ep, id: &str) -> Result<List<Document>, Error> {
        let item = ep.one(&Query::new([self.path, id]), &format!("{} {id}", self.noun))?;
        let mut unread = Unread::default();
        let document = document(&item, true, &mut unread);
        Ok(List::new(vec![document], 0, 1, false, format!("{}/{id}", self.path)).warning(unread.warnings()))
    }

    /// The unfiltered collection, to add query parameters to.
    pub fn query(self) -> Query {
        Query::new([self.path])
    }

}

/// One page of documents from `query`; `endpoint` says which filters were sent.
pub fn page(ep: &Ep, query: &Query, endpoint: String, offset: u32, limit: u32) -> Result<List<Document>, Error> {
    let page = ep.page(query, offset, limit)?;
    let mut unread = Unread::default();
    let data = page.items.iter().map(|i| document(i, false, &mut unread)).collect();
    Ok(List::from_page(&page, data, endpoint).warning(unread.warnings()))
}

/// A `docId` lookup takes no list filters: refuse the ones given rather than ignore them.
pub fn lookup_alone(doc_id: Option<&str>, filters: &[(&str, bool)]) -> Result<(), Error> {
    match filters.iter().find(|(_, given)| *given) {
        Some((name, _)) if doc_id.is_some() => {
            Err(Error::invalid(format!("{name} filters lists; it cannot be combined with docId (one document)")))
        }
        _ => Ok(()),
    }
}

/// `year`, or the current year: the spec's default (2022) is a stale example, so a
/// year is always sent explicitly.
pub fn year_or_current(year: Option<u32>) -> u32 {
    year.unwrap_or_else(args::current_year)
}

/// A plenary sitting-date range as the EP API reads it (`sitting-date` alone means that
/// one day): `dateFrom` alone runs to the end of the current year; `dateTo` needs `dateFrom`.
pub fn sitting_dates(query: Query, from: Option<&str>, to: Option<&str>) -> Result<Query, Error> {
    args::date_range(from, to)?;
    match (from, to) {
        (None, None) => Ok(query),
        (None, Some(_)) => Err(Error::invalid("dateTo needs dateFrom (the EP API's sitting-date range starts at dateFrom)")),
        (Some(f), to) => {
            let end = to.map(str::to_string).unwrap_or_else(|| format!("{}-12-31", args::current_year()));
            Ok(query.param("sitting-date", f).param("sitting-date-end", end))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(q: Result<Query, Error>) -> String {
        q.unwrap().path_with_query()
    }

    #[test]
    fn a_lookup_refuses_list_filters() {
        assert!(lookup_alone(Some("TA-9-2022-0201"), &[("year", false)]).is_ok());
        assert!(lookup_alone(None, &[("year", true)]).is_ok());
        let err = lookup_alone(Some("TA-9-2022-0201"), &[("year", false), ("processId", true)]).unwrap_err();
        assert!(matches!(err, Error::InvalidArguments(m) if m.starts_with("processId")));
    }

    #[test]
    fn sitting_date_ranges() {
        let q = || Query::new(["adopted-texts"]);
        assert!(path(sitting_dates(q(), Some("2024-01-02"), Some("2024-02-03"))).ends_with("&sitting-date=2024-01-02&sitting-date-end=2024-02-03"));
        let open = path(sitting_dates(q(), Some("2024-01-02"), None));
        assert!(open.ends_with(&format!("&sitting-date-end={}-12-31", args::current_year())), "{open}");
        assert!(!path(sitting_dates(q(), None, None)).contains("sitting"));
        assert!(sitting_dates(q(), None, Some("2024-02-03")).is_err());
        assert!(sitting_dates(q(), Some("2024-02-30"), None).is_err());
        assert!(sitting_dates(q(), Some("2024-03-01"), Some("2024-02-01")).is_err());
    }
}
