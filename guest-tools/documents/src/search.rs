//! `search_documents`: one document by id, documents of a type, or a full-text search.

use guest_client::args::{self, DATE_PATTERN};
use guest_client::jsonld;
use guest_client::{Ep, Error, List, Query, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where document files live: `is_exemplified_by` paths are relative to it.
const FILE_BASE: &str = "https://data.europarl.europa.eu/";

fn default_limit() -> u32 {
    20
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DocumentType {
    Report,
    Resolution,
    Decision,
    Directive,
    Regulation,
    Opinion,
    Amendment,
}

impl DocumentType {
    /// The EP `work-type` for this kind of document, when the EP has one.
    fn work_type(self) -> Option<&'static str> {
        match self {
            DocumentType::Report => Some("REPORT_PLENARY"),
            DocumentType::Resolution => Some("RESOLUTION_MOTION"),
            DocumentType::Opinion => Some("OPINION_PARLIAMENTARY_COMMITTEE"),
            DocumentType::Amendment => Some("AMENDMENT_LIST"),
            // Acts, not EP document types: the EP API cannot filter documents by them.
            DocumentType::Decision | DocumentType::Directive | DocumentType::Regulation => None,
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One document by id, e.g. `A-10-2024-0034`, `TA-9-2022-0201`.
    #[schemars(length(min = 1, max = 200), pattern(r"^[A-Z][A-Z0-9-]*$"))]
    doc_id: Option<String>,
    /// Words to find (EP full-text search over adopted texts).
    #[schemars(length(min = 2, max = 200), pattern(r"^[a-zA-Z0-9\s\-_]+$"))]
    keyword: Option<String>,
    /// List documents of one type (REPORT, RESOLUTION, OPINION, AMENDMENT).
    document_type: Option<DocumentType>,
    /// With keyword: sitting date from, YYYY-MM-DD.
    #[schemars(pattern(DATE_PATTERN))]
    date_from: Option<String>,
    /// With keyword: sitting date to, YYYY-MM-DD.
    #[schemars(pattern(DATE_PATTERN))]
    date_to: Option<String>,
    /// Not supported: EP document lists carry no committee; use committee documents tools.
    #[schemars(length(min = 1, max = 100))]
    committee: Option<String>,
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 100))]
    limit: u32,
    #[serde(default)]
    #[schemars(range(min = 0, max = 100000))]
    offset: u32,
}

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
    /// Downloadable files (single lookups only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<File>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct File {
    /// EU language code, e.g. `ENG`.
    pub language: String,
    /// `PDF`, `DOCX` …
    pub format: String,
    pub url: String,
}

pub fn search_documents() -> Tool {
    Tool::new(
        "search_documents",
        "Search documents",
        "EP documents: one by docId (with its files), a keyword full-text search of adopted texts (optionally by \
         sitting dates dateFrom..dateTo), or a page of documents of one documentType.",
        &["documents", "adopted-texts"],
        run,
    )
}

fn run(ep: &Ep, p: Params) -> Result<List<Document>, Error> {
    if p.committee.is_some() {
        return Err(Error::invalid("committee: EP document lists carry no committee; filter by keyword or documentType"));
    }
    if let Some(id) = p.doc_id.as_deref().map(str::trim) {
        let item = ep.one(&Query::new(["documents", id]), &format!("document {id}"))?;
        return Ok(List::new(vec![document(&item, true)], 0, 1, false, format!("documents/{id}")));
    }
    if let Some(keyword) = p.keyword.as_deref().map(str::trim) {
        if p.document_type.is_some() {
            return Err(Error::invalid("documentType cannot be combined with keyword (the full-text search covers adopted texts)"));
        }
        args::date_range(p.date_from.as_deref(), p.date_to.as_deref())?;
        let query = Query::new(["adopted-texts"])
            .param("text", keyword)
            .param("search-language", "en")
            .param_opt("sitting-date", p.date_from.as_deref())
            .param_opt("sitting-date-end", p.date_to.as_deref());
        let page = ep.page(&query, p.offset, p.limit)?;
        let data = page.items.iter().map(|i| document(i, false)).collect();
        return Ok(List::from_page(&page, data, query.endpoint()));
    }
    let Some(kind) = p.document_type else {
        return Err(Error::invalid("one of docId, keyword or documentType is required"));
    };
    if p.date_from.is_some() || p.date_to.is_some() {
        return Err(Error::invalid("dateFrom/dateTo apply to keyword searches only"));
    }
    let work_type = kind.work_type().ok_or_else(|| {
        Error::invalid("documentType: DECISION, DIRECTIVE and REGULATION are acts, not EP document types; use REPORT, RESOLUTION, OPINION or AMENDMENT")
    })?;
    let query = Query::new(["documents"]).param("work-type", work_type);
    let page = ep.page(&query, p.offset, p.limit)?;
    let data = page.items.iter().map(|i| document(i, false)).collect();
    Ok(List::from_page(&page, data, query.endpoint()))
}

fn document(item: &Value, with_files: bool) -> Document {
    let expressions = jsonld::objects(item, "is_realized_by");
    let english = expressions
        .iter()
        .find(|e| jsonld::string(e, "language").is_some_and(|l| l.ends_with("/ENG")))
        .or(expressions.first());
    let title = jsonld::text(item, "title_dcterms").or_else(|| english.and_then(|e| jsonld::text(e, "title")));
    let files = if with_files {
        expressions
            .iter()
            .flat_map(|e| {
                let language = jsonld::code(e, "language").unwrap_or_default();
                jsonld::objects(e, "is_embodied_by").into_iter().filter_map(move |m| {
                    Some(File {
                        language: language.clone(),
                        format: jsonld::code(m, "format").unwrap_or_default(),
                        url: format!("{FILE_BASE}{}", jsonld::string(m, "is_exemplified_by")?),
                    })
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    Document {
        id: jsonld::string(item, "identifier")
            .or_else(|| jsonld::code(item, "id"))
            .unwrap_or_default(),
        work_type: jsonld::code(item, "work_type"),
        title,
        date: jsonld::string(item, "document_date").and_then(|d| jsonld::date(&d)),
        term: jsonld::term(item),
        files,
    }
}
