//! Reading a feed: JSON-LD asked for (with `format` and `Accept`, as the reference
//! does and the EP evidently honours), Atom accepted as the spec's declared format.
//!
//! Unlike [`guest_client::Ep::fetch`], this needs the response's content type, so it
//! sends through [`guest_client::http`] itself; the status rules are guest-client's.

use guest_client::ep::{EP_AUTHORITY, Query, answered, json_document, note_unread_items};
use guest_client::http::{self, Request};
use guest_client::{Error, jsonld};
use schemars::JsonSchema;
use serde::Serialize;

use crate::atom;
use crate::item::FeedItem;

/// JSON-LD preferred; Atom (what the spec declares for feeds) rather than a 406.
pub const ACCEPT: &str = "application/ld+json, application/atom+xml;q=0.5";

/// How the EP API answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Representation {
    JsonLd,
    Atom,
}

/// What a feed request gave: its records (none when nothing changed), and how it came.
#[derive(Debug, Default)]
pub struct Answer {
    pub items: Vec<FeedItem>,
    /// `None` when the EP API sent no body (204, empty 200, 404).
    pub representation: Option<Representation>,
    /// When the EP generated the feed (Atom's feed-level `updated`).
    pub generated: Option<String>,
}

pub fn read(query: &Query) -> Result<Answer, Error> {
    let request =
        Request { scheme: "https".into(), authority: EP_AUTHORITY.into(), path_with_query: query.path_with_query(), accept: ACCEPT };
    let response = http::send(&request)?;
    decode(&query.endpoint(), response.status, response.content_type.as_deref(), &response.body)
}

/// The EP API's status rules (guest-client's, as for every tool), then the body as Atom
/// or JSON-LD.
pub fn decode(endpoint: &str, status: u16, content_type: Option<&str>, body: &[u8]) -> Result<Answer, Error> {
    let Some(body) = answered(endpoint, status, body)? else { return Ok(Answer::default()) };
    if is_xml(content_type, body) {
        let text = std::str::from_utf8(body)
            .map_err(|_| Error::upstream(Some(200), format!("the EP API sent an Atom feed for {endpoint} that is not UTF-8")))?;
        let feed = atom::parse(text.trim_start_matches('\u{feff}'))
            .map_err(|e| Error::upstream(Some(200), format!("the EP API sent a malformed Atom feed for {endpoint}: {e}")))?;
        return Ok(Answer { items: feed.items, representation: Some(Representation::Atom), generated: feed.updated });
    }
    let doc = json_document(endpoint, body)?;
    // Entries without an id are not listed: the result's warnings say which.
    let mut items = Vec::new();
    let mut unlisted = Vec::new();
    for (at, entry) in jsonld::data(&doc).iter().enumerate() {
        match FeedItem::from_jsonld(entry) {
            Some(item) => items.push(item),
            None => unlisted.push(at),
        }
    }
    note_unread_items(endpoint, unlisted);
    Ok(Answer { items, representation: Some(Representation::JsonLd), generated: None })
}

/// Atom by its content type (`application/atom+xml`, `application/xml`, `text/xml`), or,
/// without one (the EP sometimes omits it), by a body that starts like XML.
fn is_xml(content_type: Option<&str>, body: &[u8]) -> bool {
    match content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase()) {
        Some(ct) if !ct.is_empty() => ct.ends_with("+xml") || ct == "application/xml" || ct == "text/xml",
        _ => {
            let start = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
            start.trim_ascii_start().starts_with(b"<")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ATOM: &[u8] = include_bytes!("../../../tests/fixtures/ep-api/meps-feed.constructed.atom.xml");
    const JSON: &[u8] = include_bytes!("../../../tests/fixtures/ep-api/meps-feed.constructed.json");

    fn ids(answer: &Answer) -> Vec<&str> {
        answer.items.iter().map(|i| i.id.as_str()).collect()
    }

    #[test]
    fn both_representations_give_the_same_records() {
        let json = decode("meps/feed", 200, Some("application/ld+json"), JSON).unwrap();
        assert_eq!((ids(&json), json.representation), (vec!["1294"], Some(Representation::JsonLd)));
        for content_type in [Some("application/atom+xml;charset=UTF-8"), Some("text/xml"), None] {
            let atom = decode("meps/feed", 200, content_type, ATOM).unwrap();
            assert_eq!((ids(&atom), atom.representation), (vec!["1294"], Some(Representation::Atom)), "{content_type:?}");
            assert_eq!(atom.generated.as_deref(), Some("2026-08-17T02:30:31Z"));
        }
        // JSON without a content type is still JSON.
        assert_eq!(decode("meps/feed", 200, None, JSON).unwrap().representation, Some(Representation::JsonLd));
    }

    #[test]
    fn nothing_changed_is_empty_not_an_error() {
        for (status, body) in [(204, &b""[..]), (200, b""), (200, b" \n"), (404, b"")] {
            let answer = decode("meps/feed", status, None, body).unwrap();
            assert!(answer.items.is_empty() && answer.representation.is_none(), "{status}");
        }
        let empty = decode("meps/feed", 200, Some("application/ld+json"), br#"{"data": []}"#).unwrap();
        assert_eq!((empty.items.len(), empty.representation), (0, Some(Representation::JsonLd)));
    }

    #[test]
    fn upstream_trouble_is_an_error_without_the_upstream_text() {
        let cases: [(u16, Option<&str>, &[u8], &str); 7] = [
            (200, Some("application/ld+json"), br#"{"error": "secret backend detail"}"#, "reported an error"),
            (200, Some("application/ld+json"), br#"{"meta": {}}"#, "sent no data"),
            (200, Some("application/ld+json"), br#"{"data": [ {"id""#, "malformed JSON"),
            (200, Some("text/html"), b"<html>secret</html>", "malformed JSON"),
            (200, Some("application/atom+xml"), b"<html><body>secret</body></html>", "malformed Atom"),
            (500, Some("text/html"), b"<html>secret</html>", "HTTP 500"),
            (429, None, b"", "rate limiting"),
        ];
        for (status, content_type, body, expected) in cases {
            let Err(Error::Upstream { message, status: s }) = decode("meps/feed", status, content_type, body) else {
                panic!("{status} {content_type:?} should fail");
            };
            assert!(message.contains(expected) && message.contains("meps/feed"), "{message}");
            assert!(!message.contains("secret"), "{message}");
            assert_eq!(s, Some(status));
        }
    }
}
