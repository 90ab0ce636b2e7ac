//! `get_mep_declarations`: MEPs' declarations (conflicts of interest and the like), one
//! by id with its files, or a year's page, optionally of one MEP. Declarations are EP
//! documents (`Work`s), so they share the document model and collection code.

use guest_client::args::{self, MEP_ID_PATTERN};
use guest_client::{Ep, Error, List, Tool, Paging};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::collection::{self, Collection, lookup_alone, year_or_current};
use crate::model::Document;

const DECLARATIONS: Collection = Collection { path: "meps-declarations", noun: "declaration" };

/// The spec's declaration id, e.g. `DCI-197491-2024-07-19-123456`.
const DECLARATION_ID_PATTERN: &str = r"^[A-Z]{2,8}-[0-9]{4,7}-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{4,7}$";


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One declaration by id, e.g. `DCI-197491-2024-07-19-123456`.
    #[schemars(length(min = 1, max = 200), pattern(DECLARATION_ID_PATTERN))]
    doc_id: Option<String>,
    /// Year the declarations were filed (default: the current year).
    #[schemars(range(min = 1990, max = 2040))]
    year: Option<u32>,
    /// Only this MEP's declarations: `124936`, `MEP-124936` or `person/124936`.
    #[schemars(length(min = 1, max = 100), pattern(MEP_ID_PATTERN))]
    mep_id: Option<String>,
}

pub fn get_mep_declarations() -> Tool {
    Tool::paged(
        "get_mep_declarations",
        "MEP declarations",
        "Declarations filed by MEPs (e.g. conflicts of interest) with their files: one by docId, or a page of a \
         year's declarations (default: the current year), optionally of one MEP.",
        &["meps-declarations"],
        50, run,
    )
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Document>, Error> {
    lookup_alone(p.doc_id.as_deref(), &[("year", p.year.is_some()), ("mepId", p.mep_id.is_some())])?;
    if let Some(id) = &p.doc_id {
        return DECLARATIONS.lookup(ep, id);
    }
    let year = year_or_current(p.year);
    let mut query = DECLARATIONS.query().param("year", year);
    let mut endpoint = format!("{}?year={year}", DECLARATIONS.path);
    if let Some(mep) = &p.mep_id {
        let person = args::mep_id(mep)?;
        query = query.param("person-id", person);
        endpoint.push_str(&format!("&person-id={person}"));
    }
    let defaulted = Some(year).filter(|_| p.year.is_none());
    Ok(collection::page(ep, &query, endpoint, paging.offset, paging.limit)?.for_default_year(defaulted, "declarations"))
}
