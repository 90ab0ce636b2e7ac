//! `get_committee_documents`: committee draft reports, opinions and provisional
//! agreements, one by id or a page, optionally of one committee.

use guest_client::{Ep, Error, List, Tool, Paging};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::collection::{self, Collection, lookup_alone};
use crate::model::{DOC_ID_PATTERN, Document};

const COMMITTEE_DOCUMENTS: Collection = Collection { path: "committee-documents", noun: "committee document" };


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One committee document by id, e.g. `AFCO-PA-745315`.
    #[schemars(length(min = 1, max = 200), pattern(DOC_ID_PATTERN))]
    doc_id: Option<String>,
    /// Only this committee's documents, by acronym, e.g. `AFET`, `ENVI`.
    #[schemars(length(min = 2, max = 10), pattern(r"^[A-Z][A-Z0-9]{1,9}$"))]
    committee: Option<String>,
}

pub fn get_committee_documents() -> Tool {
    Tool::paged(
        "get_committee_documents",
        "Committee documents",
        "European Parliament committee documents (draft reports, opinions, amendments, provisional agreements; ids \
         like AFCO-PA-745315) with their files: one by docId, or a page, optionally of one committee.",
        &["committee-documents"],
        50, run,
    )
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Document>, Error> {
    lookup_alone(p.doc_id.as_deref(), &[("committee", p.committee.is_some())])?;
    if let Some(id) = &p.doc_id {
        return COMMITTEE_DOCUMENTS.lookup(ep, id);
    }
    let query = COMMITTEE_DOCUMENTS.query().param_opt("committee", p.committee.as_deref());
    let endpoint = match &p.committee {
        Some(c) => format!("{}?committee={c}", COMMITTEE_DOCUMENTS.path),
        None => COMMITTEE_DOCUMENTS.path.to_string(),
    };
    collection::page(ep, &query, endpoint, paging.offset, paging.limit)
}
