//! `search_documents`: one document by id, documents of a type, or a full-text search.

use guest_client::args::DATE_PATTERN;
use guest_client::{Ep, Error, List, Query, Tool, Paging};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::collection::{self, Collection, sitting_dates};
use crate::model::{DOC_ID_PATTERN, Document};

const DOCUMENTS: Collection = Collection { path: "documents", noun: "document" };


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
    #[schemars(length(min = 1, max = 200), pattern(DOC_ID_PATTERN))]
    doc_id: Option<String>,
    /// Words to find (EP full-text search over adopted texts).
    #[schemars(length(min = 2, max = 200), pattern(r"^[a-zA-Z0-9\s\-_]+$"))]
    keyword: Option<String>,
    /// List documents of one type (REPORT, RESOLUTION, OPINION, AMENDMENT).
    document_type: Option<DocumentType>,
    /// With keyword: first sitting date (alone: up to the end of the current year).
    #[schemars(pattern(DATE_PATTERN))]
    date_from: Option<String>,
    /// With keyword: last sitting date (needs dateFrom).
    #[schemars(pattern(DATE_PATTERN))]
    date_to: Option<String>,
    /// Not supported (document lists name no committee): see get_committee_documents.
    #[schemars(length(min = 1, max = 100))]
    committee: Option<String>,
}

pub fn search_documents() -> Tool {
    Tool::paged(
        "search_documents",
        "Search documents",
        "EP documents: one by docId (with its files), a keyword full-text search of adopted texts (optionally by \
         sitting dates dateFrom..dateTo), or a page of documents of one documentType.",
        &["documents", "adopted-texts"],
        20, run,
    )
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Document>, Error> {
    if p.committee.is_some() {
        return Err(Error::invalid("committee: EP document lists carry no committee; filter by keyword or documentType"));
    }
    if let Some(id) = p.doc_id.as_deref() {
        return DOCUMENTS.lookup(ep, id);
    }
    if let Some(keyword) = p.keyword.as_deref().map(str::trim) {
        if p.document_type.is_some() {
            return Err(Error::invalid("documentType cannot be combined with keyword (the full-text search covers adopted texts)"));
        }
        let query = Query::new(["adopted-texts"]).param("text", keyword).param("search-language", "en");
        let query = sitting_dates(query, p.date_from.as_deref(), p.date_to.as_deref())?;
        return collection::page(ep, &query, query.endpoint(), paging.offset, paging.limit);
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
    let query = DOCUMENTS.query().param("work-type", work_type);
    collection::page(ep, &query, query.endpoint(), paging.offset, paging.limit)
}

