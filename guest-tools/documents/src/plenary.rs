//! `get_plenary_documents`: documents tabled for the plenary (reports `A-…`, motions for
//! resolutions `B-…`), one by id or a year's page.

use guest_client::{Ep, Error, List, Tool, Paging};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::collection::{self, Collection, lookup_alone, year_or_current};
use crate::model::{DOC_ID_PATTERN, Document};

const PLENARY_DOCUMENTS: Collection = Collection { path: "plenary-documents", noun: "plenary document" };


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One plenary document by id, e.g. `A-9-2022-0066`.
    #[schemars(length(min = 1, max = 200), pattern(DOC_ID_PATTERN))]
    doc_id: Option<String>,
    /// Year of the documents (default: the current year).
    #[schemars(range(min = 1990, max = 2040))]
    year: Option<u32>,
}

pub fn get_plenary_documents() -> Tool {
    Tool::paged(
        "get_plenary_documents",
        "Plenary documents",
        "Documents tabled for the European Parliament's plenary (committee reports A-…, motions for resolutions \
         B-…, joint motions RC-…): one by docId (e.g. A-9-2022-0066), or a page of a \
         year's documents (default: the current year).",
        &["plenary-documents"],
        50, run,
    )
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Document>, Error> {
    lookup_alone(p.doc_id.as_deref(), &[("year", p.year.is_some())])?;
    if let Some(id) = &p.doc_id {
        return PLENARY_DOCUMENTS.lookup(ep, id);
    }
    let year = year_or_current(p.year);
    let query = PLENARY_DOCUMENTS.query().param("year", year);
    let defaulted = Some(year).filter(|_| p.year.is_none());
    let list = collection::page(ep, &query, format!("{}?year={year}", PLENARY_DOCUMENTS.path), paging.offset, paging.limit)?;
    Ok(list.for_default_year(defaulted, "plenary documents"))
}
