//! `get_plenary_session_documents`: the documents of plenary sittings (agendas, minutes
//! `PV-…`, verbatim reports `CRE-…`, attendance and vote lists), one by id or a page.

use guest_client::args::{self, DATE_PATTERN};
use guest_client::{Ep, Error, List, Tool, Paging};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::collection::{self, Collection, lookup_alone};
use crate::model::{DOC_ID_PATTERN, Document};

const SESSION_DOCUMENTS: Collection = Collection { path: "plenary-session-documents", noun: "plenary session document" };


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One document by id, e.g. `PV-9-2023-11-21` (minutes) or `CRE-9-2023-11-21` (verbatim).
    #[schemars(length(min = 1, max = 200), pattern(DOC_ID_PATTERN))]
    doc_id: Option<String>,
    /// Only documents of the part-session starting on this day (its Monday).
    #[schemars(pattern(DATE_PATTERN))]
    part_session_date: Option<String>,
}

pub fn get_plenary_session_documents() -> Tool {
    Tool::paged(
        "get_plenary_session_documents",
        "Plenary session documents",
        "Documents of European Parliament plenary sittings: agendas, minutes (PV-…), verbatim reports (CRE-…), \
         attendance lists, vote results and roll-call vote documents. One by docId (e.g. PV-9-2023-11-21) with \
         files, or a page, optionally of one part-session (partSessionDate, its first day).",
        &["plenary-session-documents"],
        50, run,
    )
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Document>, Error> {
    lookup_alone(p.doc_id.as_deref(), &[("partSessionDate", p.part_session_date.is_some())])?;
    if let Some(id) = &p.doc_id {
        return SESSION_DOCUMENTS.lookup(ep, id);
    }
    let endpoint = match &p.part_session_date {
        Some(day) => {
            args::date("partSessionDate", day)?;
            format!("{}?part-session-date={day}", SESSION_DOCUMENTS.path)
        }
        None => SESSION_DOCUMENTS.path.to_string(),
    };
    let query = SESSION_DOCUMENTS.query().param_opt("part-session-date", p.part_session_date.as_deref());
    collection::page(ep, &query, endpoint, paging.offset, paging.limit)
}
