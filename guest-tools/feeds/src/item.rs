//! One feed record, normalised the same way whether it came as JSON-LD or Atom.

use guest_client::jsonld;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// Where relative JSON-LD ids resolve (`@base`), and what Atom ids start with.
const EP_BASES: &[&str] = &["https://data.europarl.europa.eu/", "http://data.europarl.europa.eu/"];

/// One record published or updated in the feed's window.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedItem {
    /// Short id, to pass to the detail tool named in `detailTool` (e.g. `1294`, `TA-10-2025-0001`).
    pub id: String,
    /// The EP's id of the record, relative to data.europarl.europa.eu (e.g. `person/1294`).
    pub uri: String,
    /// Record type (`Person`, `Work`, `Process`, `Activity`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// The record's EP code: work type (`TEXT_ADOPTED`), procedure type (`COD`), activity
    /// type (`PLENARY_SITTING`), body classification, or Atom category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name or title, English when the EP gives several languages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The record's own date (document or activity date), YYYY-MM-DD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// When the feed says the record was published or updated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
}

impl FeedItem {
    /// A JSON-LD feed record; `None` without an `id` (nothing to look it up by).
    pub fn from_jsonld(item: &Value) -> Option<FeedItem> {
        let uri = relative(&jsonld::string(item, "id")?).to_string();
        if uri.is_empty() {
            return None;
        }
        let first = |fields: &[&str], read: fn(&Value, &str) -> Option<String>| fields.iter().find_map(|f| read(item, f));
        Some(FeedItem {
            id: first(&["identifier", "process_id", "activity_id"], jsonld::string).unwrap_or_else(|| short_id(&uri)),
            r#type: jsonld::string(item, "type"),
            kind: first(&["work_type", "process_type", "had_activity_type", "classification"], jsonld::code),
            label: first(&["title_dcterms", "process_title", "activity_label", "prefLabel", "label", "title"], jsonld::text),
            date: first(&["document_date", "activity_date", "eli-dl:activity_date", "activity_start_date"], jsonld::string)
                .and_then(|d| jsonld::date(&d)),
            updated: first(&["updated", "modified"], jsonld::string),
            uri,
        })
    }
}

/// An EP URI relative to data.europarl.europa.eu: `https://…/person/1294` → `person/1294`.
pub fn relative(uri: &str) -> &str {
    EP_BASES.iter().find_map(|base| uri.strip_prefix(base)).unwrap_or(uri)
}

/// The id detail tools take: the last segment of the URI (`eli/dl/proc/2024-0006` → `2024-0006`).
pub fn short_id(uri: &str) -> String {
    jsonld::tail(uri).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_the_ones_detail_tools_take() {
        let cases = [
            (json!({"id": "person/1294", "type": "Person", "identifier": "1294", "label": "Elio DI RUPO"}), "1294"),
            (json!({"id": "eli/dl/doc/TA-10-2025-0001", "type": "Work"}), "TA-10-2025-0001"),
            (json!({"id": "eli/dl/proc/1972-0003", "process_id": "1972-0003", "label": "1972/0003(COD)"}), "1972-0003"),
            (json!({"id": "https://data.europarl.europa.eu/def/ep-decision-methods"}), "ep-decision-methods"),
            (json!({"id": "org/1", "identifier": "1", "label": "ECON"}), "1"),
        ];
        for (item, id) in cases {
            let parsed = FeedItem::from_jsonld(&item).unwrap();
            assert_eq!(parsed.id, id, "{item}");
            assert!(!parsed.uri.starts_with("http"), "{}", parsed.uri);
        }
        assert!(FeedItem::from_jsonld(&json!({"label": "no id"})).is_none());
        assert!(FeedItem::from_jsonld(&json!({"id": ""})).is_none());
    }

    #[test]
    fn codes_titles_and_dates_are_normalised() {
        let item = FeedItem::from_jsonld(&json!({
            "id": "eli/dl/event/MTG-PL-2014-01-13",
            "type": "Activity",
            "activity_id": "MTG-PL-2014-01-13",
            "activity_label": {"fr": "Lundi 13 janvier 2014", "en": "Monday, 13 January 2014"},
            "had_activity_type": "def/ep-activities/PLENARY_SITTING",
            "eli-dl:activity_date": {"@value": "2014-01-13T00:00:00+01:00", "type": "xsd:dateTime"}
        }))
        .unwrap();
        assert_eq!(item.kind.as_deref(), Some("PLENARY_SITTING"));
        assert_eq!(item.label.as_deref(), Some("Monday, 13 January 2014"));
        assert_eq!(item.date.as_deref(), Some("2014-01-13"));
        assert_eq!(item.updated, None, "no timestamp in the record: none in the output");
    }
}
