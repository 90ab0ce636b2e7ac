//! `get_plenary_session_document_items`: the items (subdivisions) of plenary-session
//! documents: agenda items of minutes and verbatim reports, speeches, vote lists.

use guest_client::args::DATE_PATTERN;
use guest_client::jsonld;
use guest_client::{Ep, Error, List, Query, Tool, Paging};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::collection::sitting_dates;
use crate::model::DOC_ID_PATTERN;

const ITEMS: &str = "plenary-session-documents-items";


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// Only items of this sitting or part-session, e.g. `MTG-PL-2022-06-22` or `GMTG-PL-2022-06-22`.
    #[schemars(length(min = 1, max = 200), pattern(DOC_ID_PATTERN))]
    parent_id: Option<String>,
    /// First sitting date (alone: up to the end of the current year).
    #[schemars(pattern(DATE_PATTERN))]
    date_from: Option<String>,
    /// Last sitting date (needs dateFrom).
    #[schemars(pattern(DATE_PATTERN))]
    date_to: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DocumentItem {
    /// Item id, e.g. `PV-9-2022-06-22-ITM-003`.
    pub id: String,
    /// The document or item this one is part of, e.g. `PV-9-2022-06-22`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// `ITM` (agenda item) or `OTH` (other, e.g. a speech).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdivision_type: Option<String>,
    /// Number as printed in the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Position within the parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numbering: Option<u32>,
    /// Title (English when available, else the first language given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Parliamentary term number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<u32>,
}

pub fn get_plenary_session_document_items() -> Tool {
    Tool::paged(
        "get_plenary_session_document_items",
        "Plenary session document items",
        "Items of European Parliament plenary-session documents (agenda items of minutes and verbatim reports, \
         speeches, votes), each with the document it belongs to: a page, optionally of one sitting or \
         part-session (parentId, e.g. MTG-PL-2022-06-22) or of sittings dateFrom..dateTo.",
        &[ITEMS],
        50, run,
    )
}


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SittingParams {
    /// Sitting id, e.g. `MTG-PL-2022-06-22` (from get_plenary_sessions).
    #[schemars(length(min = 1, max = 200), pattern(DOC_ID_PATTERN))]
    sitting_id: String,
}

/// The reference calls `/meetings/{id}/plenary-session-document-items`, which the API
/// does not define; the spec's way is the items list filtered by `parent-id`.
pub fn get_meeting_plenary_session_document_items() -> Tool {
    Tool::paged(
        "get_meeting_plenary_session_document_items",
        "Sitting document items",
        "The items of one plenary sitting's documents (agenda items of its minutes and verbatim report, speeches, \
         votes), each with the document it belongs to; sittingId from get_plenary_sessions.",
        &[ITEMS],
        20, |ep: &Ep, p: SittingParams, paging: Paging| {
            let query = Query::new([ITEMS]).param("parent-id", &p.sitting_id);
            let page = ep.page(&query, paging.offset, paging.limit)?;
            Ok(List::from_page(&page, page.items.iter().map(item).collect(), format!("{ITEMS}?parent-id={}", p.sitting_id)))
        },
    )
}

/// One document of a sitting: the parent of some of its items.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SittingDocument {
    /// Document id, e.g. `PV-9-2022-06-22` (minutes) or `CRE-9-2022-06-22` (verbatim report).
    pub id: String,
    /// Items of this document in the sitting.
    pub items: usize,
}

/// The documents of a sitting, as the distinct parents of its agenda-level items (the
/// API has no sitting filter on `/plenary-session-documents`).
pub fn get_meeting_plenary_session_documents() -> Tool {
    Tool::paged(
        "get_meeting_plenary_session_documents",
        "Sitting documents",
        "The plenary-session documents of one sitting (its minutes PV-…, verbatim report CRE-…, vote results), found \
         as the documents its agenda items belong to, with how many items each has; sittingId from \
         get_plenary_sessions. Open one with get_plenary_session_documents.",
        &[ITEMS],
        20, |ep: &Ep, p: SittingParams, paging: Paging| {
            let query = Query::new([ITEMS]).param("parent-id", &p.sitting_id);
            let mut documents: Vec<SittingDocument> = Vec::new();
            for parent in ep.all(&query, 500)?.iter().map(item).filter(|i| i.subdivision_type.as_deref() == Some("ITM")).filter_map(|i| i.parent_id) {
                match documents.iter_mut().find(|d| d.id == parent) {
                    Some(d) => d.items += 1,
                    None => documents.push(SittingDocument { id: parent, items: 1 }),
                }
            }
            Ok(List::slice(documents, paging.offset, paging.limit, format!("{ITEMS}?parent-id={}", p.sitting_id)))
        },
    )
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<DocumentItem>, Error> {
    let query = Query::new([ITEMS]).param_opt("parent-id", p.parent_id.as_deref());
    let query = sitting_dates(query, p.date_from.as_deref(), p.date_to.as_deref())?;
    let page = ep.page(&query, paging.offset, paging.limit)?;
    let data = page.items.iter().map(item).collect();
    Ok(List::from_page(&page, data, ITEMS))
}

fn item(v: &Value) -> DocumentItem {
    DocumentItem {
        id: jsonld::identifier(v),
        parent_id: jsonld::code(v, "is_part_of"),
        subdivision_type: jsonld::code(v, "type_subdivision"),
        number: jsonld::string(v, "number"),
        numbering: jsonld::string(v, "numbering").and_then(|n| n.parse().ok()),
        title: jsonld::text(v, "title_dcterms").or_else(|| jsonld::text(v, "title")),
        date: jsonld::string(v, "document_date").and_then(|d| jsonld::date(&d)),
        term: jsonld::term(v),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn reads_the_subdivision_shape() {
        // The `WorkSubdivision` shape of the real /speeches sample.
        let i = super::item(&json!({
            "id": "eli/dl/doc/CRE-9-2022-04-05-OTH-20680000", "type": "WorkSubdivision",
            "is_part_of": "eli/dl/doc/CRE-9-2022-04-05-ITM-003", "number": "2-068-0000",
            "type_subdivision": "http://publications.europa.eu/resource/authority/subdivision/OTH",
            "identifier": "CRE-9-2022-04-05-OTH-20680000", "numbering": 62
        }));
        assert_eq!(i.id, "CRE-9-2022-04-05-OTH-20680000");
        assert_eq!(i.parent_id.as_deref(), Some("CRE-9-2022-04-05-ITM-003"));
        assert_eq!(i.subdivision_type.as_deref(), Some("OTH"));
        assert_eq!((i.number.as_deref(), i.numbering), (Some("2-068-0000"), Some(62)));
        assert_eq!((i.title, i.date, i.term), (None, None, None));
    }
}
