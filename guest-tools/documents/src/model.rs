//! What every document tool returns: an EP `Work` normalised from JSON-LD, and the
//! shared id rules. Lists carry little more than id and type; lookups add the FRBR
//! detail (title, date, term, files).

use guest_client::work::{self, File};
use guest_client::{Unread, jsonld};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// EP document ids: upper-case letter/digit groups joined by single hyphens, e.g.
/// `TA-9-2022-0201`, `AFCO-PA-745315`, `SP-2022-180-TA-9-2022-0053`.
pub const DOC_ID_PATTERN: &str = r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$";

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// Document id; pass it as `docId`.
    pub id: String,
    /// EP document type, e.g. `REPORT_PLENARY`, `TEXT_ADOPTED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_type: Option<String>,
    /// Title (English when available, else the first language given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Parliamentary term number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<u32>,
    /// Bodies among its authors: a report's committee (`AFCO`), a motion's groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bodies: Vec<String>,
    /// MEPs among its authors (person ids): a report's rapporteur, a motion's signatories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// The procedures it belongs to, e.g. `2024-2006` (get_procedures processId).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub procedures: Vec<String>,
    /// Downloadable files (single lookups only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<File>,
}

/// A `Work` as a [`Document`]; `with_files` walks Expression → Manifestation. What cannot
/// be read (no id, an author that is neither a body nor a person) goes to `unread`.
pub fn document(item: &Value, with_files: bool, unread: &mut Unread) -> Document {
    let id = jsonld::identifier(item);
    let files = if with_files { work::files(item, &id, unread) } else { Vec::new() };
    // `org/AFCO`, `person/197435` (or a full URI ending so): the segment before the id says which.
    let creators = jsonld::strings(item, "creator");
    let kind_of = |c: &str| c.rsplit('/').nth(1).map(str::to_string);
    let creators_of = |kind: &str| creators.iter().filter(|c| kind_of(c).as_deref() == Some(kind)).map(|c| jsonld::tail(c).to_string()).collect();
    for other in creators.iter().filter(|c| !matches!(kind_of(c).as_deref(), Some("org" | "person"))) {
        unread.note("authors neither a body nor a person", format!("{id}: {other}"));
    }
    if id.is_empty() {
        unread.note("documents without an id", jsonld::string(item, "label").unwrap_or_else(|| "?".into()));
    }
    Document {
        id,
        work_type: jsonld::code(item, "work_type"),
        title: work::title(item),
        date: jsonld::string(item, "document_date").and_then(|d| jsonld::date(&d)),
        term: jsonld::term(item),
        bodies: creators_of("org"),
        authors: creators_of("person"),
        procedures: jsonld::strings(item, "inverse_created_a_realization_of")
            .iter()
            .filter(|p| p.contains("/proc/"))
            .map(|p| jsonld::tail(p).to_string())
            .collect(),
        files,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_items_keep_what_they_carry_and_nothing_more() {
        let d = document(&json!({"id": "eli/dl/doc/TA-9-2022-0201", "type": "Work", "work_type": "def/ep-document-types/TEXT_ADOPTED"}), false, &mut Unread::default());
        assert_eq!(d.id, "TA-9-2022-0201");
        assert_eq!(d.work_type.as_deref(), Some("TEXT_ADOPTED"));
        assert_eq!((d.title, d.date, d.term), (None, None, None));
    }

    #[test]
    fn files_and_english_title_come_from_the_expressions() {
        let item = json!({
            "id": "eli/dl/doc/A-9-2022-0066", "identifier": "A-9-2022-0066", "document_date": "2022-03-24",
            "parliamentary_term": "org/ep-9",
            "is_realized_by": [
                {"language": "http://publications.europa.eu/resource/authority/language/FRA", "title": {"fr": "Rapport"}},
                {"language": "http://publications.europa.eu/resource/authority/language/ENG", "title": {"en": "Report"},
                 "is_embodied_by": {"format": "http://publications.europa.eu/resource/authority/file-type/PDF",
                                    "is_exemplified_by": "distribution/x/A-9-2022-0066_en.pdf"}}
            ]
        });
        let d = document(&item, true, &mut Unread::default());
        assert_eq!(d.title.as_deref(), Some("Report"));
        assert_eq!((d.date.as_deref(), d.term), (Some("2022-03-24"), Some(9)));
        assert_eq!(d.files.len(), 1);
        assert_eq!(d.files[0].language, "ENG");
        assert_eq!(d.files[0].url, "https://data.europarl.europa.eu/distribution/x/A-9-2022-0066_en.pdf");
        assert!(document(&item, false, &mut Unread::default()).files.is_empty());
    }
}
