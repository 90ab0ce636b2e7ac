//! An EP `Work` (a document, a question …) as the API describes it in FRBR: its
//! expressions (one per language) and their manifestations (the files). Every tool that
//! reads works reads titles and files here.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::jsonld;
use crate::output::Unread;

/// Where the files of works live: `is_exemplified_by` paths are relative to it.
pub const FILE_BASE: &str = "https://data.europarl.europa.eu/";

// A downloadable file of a work (no doc comment: it would become a schema description).
#[derive(Debug, Serialize, JsonSchema)]
pub struct File {
    /// EU language code, e.g. `ENG`.
    pub language: String,
    /// `PDF`, `DOCX` …
    pub format: String,
    pub url: String,
}

/// The English expression, else the first one.
fn english(item: &Value) -> Option<&Value> {
    let expressions = jsonld::objects(item, "is_realized_by");
    let english = expressions.iter().find(|e| jsonld::string(e, "language").is_some_and(|l| l.ends_with("/ENG")));
    english.or(expressions.first()).copied()
}

/// The title: the work's own (`title_dcterms`), else its English expression's, else its first expression's.
pub fn title(item: &Value) -> Option<String> {
    jsonld::text(item, "title_dcterms").or_else(|| english(item).and_then(|e| jsonld::text(e, "title")))
}

/// Every file of every expression; a manifestation without a location is noted in
/// `unread`, naming the work `id` and the language.
pub fn files(item: &Value, id: &str, unread: &mut Unread) -> Vec<File> {
    let mut files = Vec::new();
    for expression in jsonld::objects(item, "is_realized_by") {
        let language = jsonld::code(expression, "language").unwrap_or_default();
        for manifestation in jsonld::objects(expression, "is_embodied_by") {
            match jsonld::string(manifestation, "is_exemplified_by") {
                Some(path) => files.push(File {
                    language: language.clone(),
                    format: jsonld::code(manifestation, "format").unwrap_or_default(),
                    url: format!("{FILE_BASE}{path}"),
                }),
                None => unread.note("files without a location", format!("{id} ({language})")),
            }
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn titles_prefer_the_work_then_english_and_files_without_a_location_are_said() {
        let item = json!({
            "is_realized_by": [
                {"language": "http://publications.europa.eu/resource/authority/language/FRA", "title": {"fr": "Rapport"}},
                {"language": "http://publications.europa.eu/resource/authority/language/ENG", "title": {"en": "Report"},
                 "is_embodied_by": [
                    {"format": "http://publications.europa.eu/resource/authority/file-type/PDF", "is_exemplified_by": "distribution/x/a_en.pdf"},
                    {"format": "http://publications.europa.eu/resource/authority/file-type/DOCX"}
                 ]}
            ]
        });
        assert_eq!(title(&item).as_deref(), Some("Report"));
        let mut unread = Unread::default();
        let files = files(&item, "A-9-2022-0066", &mut unread);
        assert_eq!(files.len(), 1);
        assert_eq!((files[0].language.as_str(), files[0].format.as_str()), ("ENG", "PDF"));
        assert_eq!(files[0].url, "https://data.europarl.europa.eu/distribution/x/a_en.pdf");
        assert_eq!(unread.warnings(), ["files without a location: 1 (A-9-2022-0066 (ENG))"]);
    }
}
