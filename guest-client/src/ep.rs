//! The typed EP Open Data API client: URL building, paging, status handling.
//!
//! Every path segment and query value is percent-encoded here, so no argument can
//! change the shape of the URL (`../`, `?`, `#`, `@`, `%2e` all arrive as data).

use std::sync::atomic::{AtomicU32, Ordering};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::error::Error;
use crate::http::{self, Request};
use crate::jsonld;

/// Where tools address the EP API. Only the host knows where requests really go.
pub const EP_AUTHORITY: &str = "data.europarl.europa.eu";
pub const EP_BASE_PATH: &str = "/api/v2/";
pub const JSON_LD: &str = "application/ld+json";

/// Encode everything but the RFC 3986 unreserved characters, and `.` too, so that
/// a segment can never be `.` or `..`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'~');

pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// A GET request to the EP API, built from path segments and query pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    segments: Vec<String>,
    params: Vec<(String, String)>,
}

impl Query {
    /// `Query::new(["meps", id])` addresses `/api/v2/meps/{id}`.
    pub fn new<I, S>(segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Query { segments: segments.into_iter().map(Into::into).collect(), params: Vec::new() }
    }

    pub fn param(mut self, name: &str, value: impl ToString) -> Self {
        self.params.push((name.to_string(), value.to_string()));
        self
    }

    pub fn param_opt<T: ToString>(self, name: &str, value: Option<T>) -> Self {
        match value {
            Some(v) => self.param(name, v),
            None => self,
        }
    }

    /// The endpoint as a readable template-free path, e.g. `meps/show-current`.
    pub fn endpoint(&self) -> String {
        self.segments.join("/")
    }

    /// Path and query, encoded; `format` is always sent (the API wants both it and `Accept`).
    pub fn path_with_query(&self) -> String {
        let mut out = String::from(EP_BASE_PATH);
        let path: Vec<String> = self.segments.iter().map(|s| encode(s)).collect();
        out.push_str(&path.join("/"));
        out.push_str("?format=");
        out.push_str(&encode(JSON_LD));
        for (name, value) in &self.params {
            out.push('&');
            out.push_str(&encode(name));
            out.push('=');
            out.push_str(&encode(value));
        }
        out
    }

    fn request(&self) -> Request {
        Request {
            scheme: "https".into(),
            authority: EP_AUTHORITY.into(),
            path_with_query: self.path_with_query(),
            accept: JSON_LD,
        }
    }
}

/// One page of a list endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Value>,
    pub offset: u32,
    pub limit: u32,
    /// A full page means there may be more; the API returns no totals.
    pub has_more: bool,
}

/// Requests [`Ep::fetch_all`] keeps in flight at once: enough to hide the API's latency,
/// few enough not to hammer it (the host also bounds the rate per endpoint).
pub const CONCURRENCY: usize = 8;

/// Upper bound on pages walked by [`Ep::all`]: the API caps pages at about 1000 items,
/// so this is far more than any EP list today and still bounds a runaway loop.
pub const MAX_PAGES: u32 = 50;

/// The EP API client used by tools.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ep;

impl Ep {
    /// GET a JSON-LD document. 204, an empty body and 404 come back as `None`.
    pub fn fetch(&self, query: &Query) -> Result<Option<Value>, Error> {
        let response = http::send(&query.request());
        progress(1);
        document(query, response?)
    }

    /// GET several documents at once, [`CONCURRENCY`] at a time; answers in query order,
    /// each as [`Ep::fetch`] would give it.
    pub fn fetch_all(&self, queries: &[Query]) -> Vec<Result<Option<Value>, Error>> {
        let mut answers = Vec::with_capacity(queries.len());
        for chunk in queries.chunks(CONCURRENCY) {
            let requests: Vec<http::Request> = chunk.iter().map(Query::request).collect();
            for (query, response) in chunk.iter().zip(http::send_all(&requests)) {
                answers.push(response.map_err(Error::from).and_then(|response| document(query, response)));
            }
            progress(chunk.len());
        }
        answers
    }

    /// GET a single resource (`data[0]`); a missing item is [`Error::NotFound`].
    pub fn one(&self, query: &Query, what: &str) -> Result<Value, Error> {
        self.fetch(query)?
            .and_then(|doc| jsonld::into_data(doc).into_iter().next())
            .ok_or_else(|| Error::NotFound(format!("{what} not found")))
    }

    /// GET one page of a list endpoint.
    pub fn page(&self, query: &Query, offset: u32, limit: u32) -> Result<Page, Error> {
        let listed = query.endpoint();
        let query = query.clone().param("offset", offset).param("limit", limit);
        let items = self.fetch(&query)?.map(jsonld::into_data).unwrap_or_default();
        note_unidentified(&listed, offset, &items);
        let has_more = maybe_more(items.len(), limit);
        Ok(Page { items, offset, limit, has_more })
    }

    /// Walk every page of a list endpoint (bounded by [`MAX_PAGES`]).
    pub fn all(&self, query: &Query, page_size: u32) -> Result<Vec<Value>, Error> {
        let mut lists = self.all_of(std::slice::from_ref(query), page_size)?;
        Ok(lists.pop().unwrap_or_default())
    }

    /// Every page of several list endpoints, in query order (see [`Ep::each_of`]).
    pub fn all_of(&self, queries: &[Query], page_size: u32) -> Result<Vec<Vec<Value>>, Error> {
        let mut lists = Vec::with_capacity(queries.len());
        self.each_of(queries, page_size, |_, items| lists.push(items))?;
        Ok(lists)
    }

    /// Every page of several list endpoints, each list handed to `each` (with its query's
    /// index) as soon as it is whole: the first pages [`CONCURRENCY`] at a time, then the
    /// rest of any list longer than a page, page by page. At most [`CONCURRENCY`] lists are
    /// held at once, so a year of sittings need not fit in memory all together.
    pub fn each_of(&self, queries: &[Query], page_size: u32, mut each: impl FnMut(usize, Vec<Value>)) -> Result<(), Error> {
        for (chunk, batch) in queries.chunks(CONCURRENCY).enumerate() {
            let first: Vec<Query> = batch.iter().map(|q| q.clone().param("offset", 0).param("limit", page_size)).collect();
            for (i, (query, answer)) in batch.iter().zip(self.fetch_all(&first)).enumerate() {
                let mut items = answer?.map(jsonld::into_data).unwrap_or_default();
                note_unidentified(&query.endpoint(), 0, &items);
                let mut more = maybe_more(items.len(), page_size);
                for _ in 1..MAX_PAGES {
                    if !more {
                        break;
                    }
                    // From what was received, not what was asked: a capped page leaves no gap.
                    let page = self.page(query, items.len() as u32, page_size)?;
                    more = page.has_more && !page.items.is_empty();
                    items.extend(page.items);
                }
                if more {
                    return Err(Error::upstream(None, format!("{} has more than {} items; narrow the query", query.endpoint(), MAX_PAGES * page_size)));
                }
                each(chunk * CONCURRENCY + i, items);
            }
        }
        Ok(())
    }
}

/// Whether a list may go on after a page of `received` items asked as `asked`. A full page
/// may; so may a short one of a round size (a multiple of 50, the API's default `limit`),
/// since the API documents no maximum page size and a server-side cap (or an ignored
/// `limit`) would look exactly like that: the next page is read to find out. Any other short
/// page is the last.
pub fn maybe_more(received: usize, asked: u32) -> bool {
    received >= asked as usize || (received > 0 && received.is_multiple_of(50))
}

/// EP API answers received during this call (see [`start_call`]).
static ANSWERS: AtomicU32 = AtomicU32::new(0);

/// List items of this call that are no record with an id (see [`note_unidentified`]).
static UNIDENTIFIED: std::sync::Mutex<Option<crate::Unread>> = std::sync::Mutex::new(None);

/// A call starts with no answers read.
pub(crate) fn start_call() {
    ANSWERS.store(0, Ordering::Relaxed);
    *UNIDENTIFIED.lock().unwrap_or_else(|e| e.into_inner()) = None;
}

/// Notes the items of a list page (from `offset`) that are not a record with an `id` or
/// `identifier`: whatever a tool makes of them, the result will say they were not whole.
fn note_unidentified(endpoint: &str, offset: u32, items: &[Value]) {
    let named = |item: &Value| ["id", "identifier"].iter().any(|f| item.get(f).and_then(Value::as_str).is_some_and(|s| !s.is_empty()));
    note_unread_items(endpoint, items.iter().enumerate().filter(|(_, item)| !named(item)).map(|(at, _)| offset as usize + at));
}

/// Notes list items, by position in `endpoint`'s list, that could not be read whole; the
/// call's result says so in its warnings. [`Ep`]'s list reads note theirs; a tool that
/// reads a list another way notes the items it could not use.
pub fn note_unread_items(endpoint: &str, positions: impl IntoIterator<Item = usize>) {
    let mut positions = positions.into_iter().peekable();
    if positions.peek().is_none() {
        return;
    }
    let mut unread = UNIDENTIFIED.lock().unwrap_or_else(|e| e.into_inner());
    let unread = unread.get_or_insert_with(Default::default);
    for at in positions {
        unread.note("list items with no id (unreadable, or read in part)", format!("{endpoint} #{at}"));
    }
}

/// The warnings about list items of this call that had no id, once.
pub(crate) fn take_unidentified() -> Vec<String> {
    UNIDENTIFIED.lock().unwrap_or_else(|e| e.into_inner()).take().map(crate::Unread::warnings).unwrap_or_default()
}

/// Counts `n` more answers and tells the client, as `notifications/progress` (the host
/// sends it only if the request carried a progress token): a long analysis reads hundreds.
fn progress(n: usize) {
    let read = ANSWERS.fetch_add(n as u32, Ordering::Relaxed) + n as u32;
    #[cfg(target_family = "wasm")]
    crate::epmcp::tool::client::progress(f64::from(read), None, Some(&format!("{read} EP API answers read")));
    #[cfg(not(target_family = "wasm"))]
    let _ = read;
}

/// The EP API's status rules (ENDPOINTS.md §1), for every reader of it: 204, 404 and an
/// empty 200 mean "nothing" (`None`); a 200's body is the answer; any other status is an
/// error naming the endpoint.
pub fn answered<'a>(endpoint: &str, status: u16, body: &'a [u8]) -> Result<Option<&'a [u8]>, Error> {
    match status {
        200 if body.iter().all(u8::is_ascii_whitespace) => Ok(None),
        200 => Ok(Some(body)),
        204 | 404 => Ok(None),
        429 => Err(Error::upstream(Some(429), format!("the EP API is rate limiting requests for {endpoint}; retry later"))),
        status => Err(Error::upstream(Some(status), format!("the EP API answered HTTP {status} for {endpoint}"))),
    }
}

/// A 200's body as an EP JSON-LD document: one with `data`; JSON without it (an `error`
/// in a 200, or nothing) is an upstream failure whose own text stays out.
pub fn json_document(endpoint: &str, body: &[u8]) -> Result<Value, Error> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Error::upstream(Some(200), format!("the EP API sent malformed JSON for {endpoint}: {e}")))?;
    if value.get("data").is_none() {
        let what = if value.get("error").is_some() { "reported an error" } else { "sent no data" };
        return Err(Error::upstream(Some(200), format!("the EP API {what} for {endpoint}")));
    }
    Ok(value)
}

/// A response as a JSON-LD document, by the status rules of [`answered`].
fn document(query: &Query, response: http::Response) -> Result<Option<Value>, Error> {
    let endpoint = query.endpoint();
    answered(&endpoint, response.status, &response.body)?.map(|body| json_document(&endpoint, body)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_segments_stay_one_segment() {
        let q = Query::new(["meps", "../corporate-bodies?x=1#frag"]);
        assert_eq!(
            q.path_with_query(),
            "/api/v2/meps/%2E%2E%2Fcorporate-bodies%3Fx%3D1%23frag?format=application%2Fld%2Bjson"
        );
    }

    #[test]
    fn query_values_are_encoded() {
        let q = Query::new(["adopted-texts"]).param("text", "a&b=c @evil.com %2e");
        assert!(q.path_with_query().ends_with("&text=a%26b%3Dc%20%40evil%2Ecom%20%252e"));
    }

    #[test]
    fn a_short_page_of_a_round_size_may_be_a_cap() {
        assert!(maybe_more(500, 500));
        assert!(maybe_more(100, 500), "a server cap of 100, or an ignored limit");
        assert!(maybe_more(50, 100));
        assert!(!maybe_more(37, 500));
        assert!(!maybe_more(0, 500));
    }

    #[test]
    fn dot_segments_are_encoded() {
        assert_eq!(encode(".."), "%2E%2E");
        assert_eq!(encode("MTG-PL-2024_01~x"), "MTG-PL-2024_01~x");
    }
}
