//! Atom, the feeds' representation as the spec declares it (`components.schemas.atom-xml`):
//! `<feed>` with `<updated>` and `<entry>`s carrying `<id>` (the record's URI), `<title>`,
//! `<updated>`, `<link rel="alternate">`, `<rdf:type rdf:resource>` and `<category term>`.
//! Read with quick-xml; elements are matched by local name, so prefixes do not matter.
//! Error messages are our own words: upstream text never reaches clients verbatim.

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::item::{FeedItem, relative};

/// A parsed feed: its entries, and when the EP generated it.
#[derive(Debug, Default)]
pub struct AtomFeed {
    pub items: Vec<FeedItem>,
    pub updated: Option<String>,
}

#[derive(Debug, Default)]
struct Entry {
    id: Option<String>,
    title: Option<String>,
    updated: Option<String>,
    published: Option<String>,
    rdf_type: Option<String>,
    category: Option<String>,
}

impl Entry {
    fn into_item(self) -> Option<FeedItem> {
        let uri = relative(self.id.as_deref()?.trim()).to_string();
        if uri.is_empty() {
            return None;
        }
        let r#type = self.rdf_type.as_deref().map(type_name).or(self.category.clone());
        Some(FeedItem {
            id: crate::item::short_id(&uri),
            kind: self.category.filter(|c| Some(c) != r#type.as_ref()),
            r#type,
            label: self.title,
            date: None,
            updated: self.updated.or(self.published),
            uri,
        })
    }
}

/// `http://www.w3.org/ns/person#Person` → `Person`; `…/ep-entities/Person` → `Person`.
fn type_name(uri: &str) -> String {
    uri.rsplit(['#', '/']).next().unwrap_or(uri).to_string()
}

/// Reads an Atom document; anything that is not well-formed XML with a `<feed>` root is an error.
pub fn parse(xml: &str) -> Result<AtomFeed, String> {
    let mut reader = Reader::from_str(xml);
    let mut feed = AtomFeed::default();
    // Local names of the open elements; `feed` at depth 0, `entry` at 1, its fields at 2.
    let mut open: Vec<String> = Vec::new();
    let mut entry: Option<Entry> = None;
    // Text being collected: the depth of its element, and the text so far.
    let mut text: Option<(usize, String)> = None;
    let mut root = false;
    loop {
        let event = reader.read_event().map_err(|_| format!("not well-formed XML at byte {}", reader.error_position()))?;
        match event {
            Event::Start(_) | Event::Empty(_) if open.is_empty() && root => {
                return Err("more than one root element".into());
            }
            Event::Start(e) => {
                let name = start(&e, &open, &mut root, &mut entry)?;
                if text.is_none() && collects(&open, &name, entry.is_some()) {
                    text = Some((open.len(), String::new()));
                }
                open.push(name);
            }
            Event::Empty(e) => {
                start(&e, &open, &mut root, &mut entry)?;
            }
            Event::Text(t) => {
                if let Some((_, buf)) = &mut text {
                    buf.push_str(&t.xml_content(XmlVersion::Implicit1_0));
                }
            }
            Event::CData(c) => {
                if let Some((_, buf)) = &mut text {
                    buf.push_str(&c.xml_content(XmlVersion::Implicit1_0));
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, buf)) = &mut text {
                    let name = r.xml_content(XmlVersion::Implicit1_0);
                    match r.resolve_char_ref().map_err(|_| "a bad character reference".to_string())? {
                        Some(c) => buf.push(c),
                        None => buf.push_str(resolve_predefined_entity(&name).ok_or("an unknown entity")?),
                    }
                }
            }
            Event::End(_) => {
                let name = open.pop().unwrap_or_default();
                if let Some((depth, _)) = &text
                    && *depth == open.len()
                {
                    let (_, value) = text.take().unwrap_or_default();
                    let value = value.trim().to_string();
                    let value = (!value.is_empty()).then_some(value);
                    match (&mut entry, name.as_str()) {
                        (Some(e), "id") => e.id = value,
                        (Some(e), "title") => e.title = value,
                        (Some(e), "updated") => e.updated = value,
                        (Some(e), "published") => e.published = value,
                        (None, "updated") => feed.updated = value,
                        _ => {}
                    }
                }
                if name == "entry" && open.len() == 1 {
                    feed.items.extend(entry.take().and_then(Entry::into_item));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !root {
        return Err("no root element".into());
    }
    Ok(feed)
}

/// Handles an opening (or empty) element: the root must be `<feed>`; an entry's
/// `rdf:type` and `category` carry their values in attributes. Returns the local name.
fn start(e: &BytesStart, open: &[String], root: &mut bool, entry: &mut Option<Entry>) -> Result<String, String> {
    let name = e.local_name().as_ref().to_string();
    if open.is_empty() {
        if name != "feed" {
            return Err("the root element is not an Atom <feed>".into());
        }
        *root = true;
    }
    if open.len() == 1 && name == "entry" {
        *entry = Some(Entry::default());
    }
    if open.len() == 2
        && let Some(entry) = entry
    {
        match name.as_str() {
            "type" => entry.rdf_type = attribute(e, "resource")?,
            "category" => entry.category = attribute(e, "term")?,
            _ => {}
        }
    }
    Ok(name)
}

/// Whether an element's text is wanted: the entry's fields, or the feed's `updated`.
fn collects(open: &[String], name: &str, in_entry: bool) -> bool {
    match open.len() {
        1 => name == "updated",
        2 => in_entry && matches!(name, "id" | "title" | "updated" | "published"),
        _ => false,
    }
}

fn attribute(e: &BytesStart, local: &str) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|_| "a malformed attribute".to_string())?;
        if a.key.local_name().as_ref() == local {
            let value = a.normalized_value(XmlVersion::Implicit1_0).map_err(|_| "a malformed attribute value".to_string())?;
            let value = value.trim();
            return Ok((!value.is_empty()).then(|| value.to_string()));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../../tests/fixtures/ep-api/meps-feed.constructed.atom.xml");

    #[test]
    fn reads_the_spec_shaped_sample() {
        let feed = parse(SAMPLE).unwrap();
        assert_eq!(feed.updated.as_deref(), Some("2026-08-17T02:30:31Z"));
        assert_eq!(feed.items.len(), 1);
        let item = &feed.items[0];
        assert_eq!((item.id.as_str(), item.uri.as_str()), ("1294", "person/1294"));
        assert_eq!((item.r#type.as_deref(), item.kind.as_deref()), (Some("Person"), None));
        assert_eq!(item.label.as_deref(), Some("Elio DI RUPO"));
        assert_eq!(item.updated.as_deref(), Some("2026-08-16T09:12:00Z"));
    }

    #[test]
    fn entities_cdata_and_prefixes() {
        let xml = r#"<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:updated>2026-01-01T00:00:00Z</a:updated>
            <a:entry><a:id> https://data.europarl.europa.eu/eli/dl/doc/TA-10-2025-0001 </a:id>
              <a:title type="text">Fish &amp; chips &#233;t&#xE9; <![CDATA[<raw>]]></a:title>
              <a:category term="TEXT_ADOPTED" scheme="x" label="y"/><a:published>2026-01-02</a:published></a:entry>
            <a:entry><a:title>no id: skipped</a:title></a:entry></a:feed>"#;
        let feed = parse(xml).unwrap();
        assert_eq!(feed.items.len(), 1);
        let item = &feed.items[0];
        assert_eq!((item.id.as_str(), item.uri.as_str()), ("TA-10-2025-0001", "eli/dl/doc/TA-10-2025-0001"));
        assert_eq!(item.label.as_deref(), Some("Fish & chips été <raw>"));
        assert_eq!((item.r#type.as_deref(), item.kind.as_deref()), (Some("TEXT_ADOPTED"), None));
        assert_eq!(item.updated.as_deref(), Some("2026-01-02"));
    }

    #[test]
    fn an_empty_feed_is_empty() {
        assert!(parse(r#"<feed xmlns="http://www.w3.org/2005/Atom"/>"#).unwrap().items.is_empty());
        assert!(parse("<?xml version=\"1.0\"?>\n<feed><title>t</title></feed>").unwrap().items.is_empty());
    }

    #[test]
    fn anything_else_is_an_error() {
        for bad in ["", "<html><body>x</body></html>", "<feed><entry><id>x</id></feed>", "<feed><updated>&bogus;</updated></feed>", "<feed/><feed/>", "not xml"] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
