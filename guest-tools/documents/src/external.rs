//! `get_external_documents`: documents from outside the Parliament (e.g. the
//! Commission's follow-up to adopted texts), one by id or a page.

use guest_client::{Ep, Error, List, Tool, Paging};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::collection::{self, Collection};
use crate::model::{DOC_ID_PATTERN, Document};

const EXTERNAL_DOCUMENTS: Collection = Collection { path: "external-documents", noun: "external document" };


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One external document by id, e.g. `SP-2022-180-TA-9-2022-0053`.
    #[schemars(length(min = 1, max = 200), pattern(DOC_ID_PATTERN))]
    doc_id: Option<String>,
}

pub fn get_external_documents() -> Tool {
    Tool::paged(
        "get_external_documents",
        "External documents",
        "Documents the European Parliament holds from other institutions, such as the Commission's follow-up to \
         an adopted text (ACT_FOLLOWUP): one by docId (e.g. SP-2022-180-TA-9-2022-0053) with title, date and \
         files, or a page of the list.",
        &["external-documents"],
        50, run,
    )
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Document>, Error> {
    if let Some(id) = &p.doc_id {
        return EXTERNAL_DOCUMENTS.lookup(ep, id);
    }
    let query = EXTERNAL_DOCUMENTS.query();
    collection::page(ep, &query, EXTERNAL_DOCUMENTS.path.to_string(), paging.offset, paging.limit)
}
