//! `get_adopted_texts`: texts adopted by the plenary (`TA-…`), one by id or a page of a
//! year's texts or of one procedure's texts.

use guest_client::args::{self, PROCESS_ID_PATTERN};
use guest_client::{Ep, Error, List, Tool, Paging};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::collection::{self, Collection, lookup_alone, year_or_current};
use crate::model::{DOC_ID_PATTERN, Document};

const ADOPTED_TEXTS: Collection = Collection { path: "adopted-texts", noun: "adopted text" };


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One adopted text by id, e.g. `TA-9-2022-0201`.
    #[schemars(length(min = 1, max = 200), pattern(DOC_ID_PATTERN))]
    doc_id: Option<String>,
    /// Year of adoption (default: the current year, unless processId is given).
    #[schemars(range(min = 1990, max = 2040))]
    year: Option<u32>,
    /// Only texts adopted in this procedure: `2024-0006` or `2024/0006(COD)`.
    #[schemars(length(min = 1, max = 200), pattern(PROCESS_ID_PATTERN))]
    process_id: Option<String>,
}

pub fn get_adopted_texts() -> Tool {
    Tool::paged(
        "get_adopted_texts",
        "Adopted texts",
        "Texts adopted by the European Parliament (ids like TA-9-2022-0201): \
         one by docId, or a page of a year's texts (default: the current year) or of a \
         procedure (processId).",
        &["adopted-texts"],
        50, run,
    )
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Document>, Error> {
    lookup_alone(p.doc_id.as_deref(), &[("year", p.year.is_some()), ("processId", p.process_id.is_some())])?;
    if let Some(id) = &p.doc_id {
        return ADOPTED_TEXTS.lookup(ep, id);
    }
    let mut query = ADOPTED_TEXTS.query();
    let mut filters = Vec::new();
    let year = match (p.year, &p.process_id) {
        (None, Some(_)) => None,
        (year, _) => Some(year_or_current(year)),
    };
    if let Some(year) = year {
        query = query.param("year", year);
        filters.push(format!("year={year}"));
    }
    if let Some(reference) = &p.process_id {
        let id = args::process_id(reference);
        query = query.param("related-process-id", &id);
        filters.push(format!("related-process-id={id}"));
    }
    let endpoint = format!("{}?{}", ADOPTED_TEXTS.path, filters.join("&"));
    let defaulted = year.filter(|_| p.year.is_none());
    Ok(collection::page(ep, &query, endpoint, paging.offset, paging.limit)?.for_default_year(defaulted, "adopted texts"))
}
