//! The document collections of the EP API that share one shape (`/{collection}/{doc-id}`
//! for one document, `/{collection}?filters&offset&limit` for a page): adopted texts,
//! plenary, committee, plenary-session and external documents, and MEPs' declarations.
//! Each is a row of [`COLLECTIONS`]; one parameter type and one `run` serve them all, and
//! each tool's schema shows only the filters its collection takes.

use guest_client::args::{self, DATE_PATTERN, MEP_ID_PATTERN, PROCESS_ID_PATTERN};
use guest_client::serde_json::{Value, json};
use guest_client::{Ep, Error, List, Paging, Tool};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::collection::{self, Collection, lookup_alone, year_or_current};
use crate::model::{DOC_ID_PATTERN, Document};

/// A list filter beyond `year`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Filter {
    /// `processId` → `related-process-id`.
    Procedure,
    /// `committee` → `committee`.
    Committee,
    /// `partSessionDate` → `part-session-date`.
    PartSession,
    /// `mepId` → `person-id`.
    Mep,
}

impl Filter {
    /// Its argument name.
    fn argument(self) -> &'static str {
        match self {
            Filter::Procedure => "processId",
            Filter::Committee => "committee",
            Filter::PartSession => "partSessionDate",
            Filter::Mep => "mepId",
        }
    }
}

/// One collection's tool.
pub struct Spec {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    collection: Collection,
    /// What `docId` is, with an example.
    doc_id: &'static str,
    /// The pattern of its documents' ids.
    id_pattern: &'static str,
    /// What `year` is; `None`: the collection is not filtered by year.
    year: Option<&'static str>,
    filters: &'static [Filter],
    /// What a year's page is of, for the note on an empty default year.
    plural: &'static str,
}

/// The spec's declaration id, e.g. `DCI-197491-2024-07-19-123456`.
const DECLARATION_ID_PATTERN: &str = r"^[A-Z]{2,8}-[0-9]{4,7}-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{4,7}$";

pub const ADOPTED_TEXTS: Spec = Spec {
    name: "get_adopted_texts",
    title: "Adopted texts",
    description: "Texts adopted by the European Parliament (ids like TA-9-2022-0201): \
         one by docId, or a page of a year's texts (default: the current year) or of a \
         procedure (processId).",
    collection: Collection { path: "adopted-texts", noun: "adopted text" },
    doc_id: "One adopted text by id, e.g. `TA-9-2022-0201`.",
    id_pattern: DOC_ID_PATTERN,
    year: Some("Year of adoption (default: the current year, unless processId is given)."),
    filters: &[Filter::Procedure],
    plural: "adopted texts",
};

pub const PLENARY_DOCUMENTS: Spec = Spec {
    name: "get_plenary_documents",
    title: "Plenary documents",
    description: "Documents tabled for the European Parliament's plenary (committee reports A-…, motions for resolutions \
         B-…, joint motions RC-…): one by docId (e.g. A-9-2022-0066), or a page of a \
         year's documents (default: the current year).",
    collection: Collection { path: "plenary-documents", noun: "plenary document" },
    doc_id: "One plenary document by id, e.g. `A-9-2022-0066`.",
    id_pattern: DOC_ID_PATTERN,
    year: Some("Year of the documents (default: the current year)."),
    filters: &[],
    plural: "plenary documents",
};

pub const COMMITTEE_DOCUMENTS: Spec = Spec {
    name: "get_committee_documents",
    title: "Committee documents",
    description: "European Parliament committee documents (draft reports, opinions, amendments, provisional agreements; ids \
         like AFCO-PA-745315) with their files: one by docId, or a page, optionally of one committee.",
    collection: Collection { path: "committee-documents", noun: "committee document" },
    doc_id: "One committee document by id, e.g. `AFCO-PA-745315`.",
    id_pattern: DOC_ID_PATTERN,
    year: None,
    filters: &[Filter::Committee],
    plural: "committee documents",
};

pub const SESSION_DOCUMENTS: Spec = Spec {
    name: "get_plenary_session_documents",
    title: "Plenary session documents",
    description: "Documents of European Parliament plenary sittings: agendas, minutes (PV-…), verbatim reports (CRE-…), \
         attendance lists, vote results and roll-call vote documents. One by docId (e.g. PV-9-2023-11-21) with \
         files, or a page, optionally of one part-session (partSessionDate, its first day).",
    collection: Collection { path: "plenary-session-documents", noun: "plenary session document" },
    doc_id: "One document by id, e.g. `PV-9-2023-11-21` (minutes) or `CRE-9-2023-11-21` (verbatim).",
    id_pattern: DOC_ID_PATTERN,
    year: None,
    filters: &[Filter::PartSession],
    plural: "plenary session documents",
};

pub const EXTERNAL_DOCUMENTS: Spec = Spec {
    name: "get_external_documents",
    title: "External documents",
    description: "Documents the European Parliament holds from other institutions, such as the Commission's follow-up to \
         an adopted text (ACT_FOLLOWUP): one by docId (e.g. SP-2022-180-TA-9-2022-0053) with title, date and \
         files, or a page of the list.",
    collection: Collection { path: "external-documents", noun: "external document" },
    doc_id: "One external document by id, e.g. `SP-2022-180-TA-9-2022-0053`.",
    id_pattern: DOC_ID_PATTERN,
    year: None,
    filters: &[],
    plural: "external documents",
};

/// Declarations are EP documents (`Work`s) too, so they share the document model.
pub const DECLARATIONS: Spec = Spec {
    name: "get_mep_declarations",
    title: "MEP declarations",
    description: "Declarations filed by MEPs (e.g. conflicts of interest) with their files: one by docId, or a page of a \
         year's declarations (default: the current year), optionally of one MEP.",
    collection: Collection { path: "meps-declarations", noun: "declaration" },
    doc_id: "One declaration by id, e.g. `DCI-197491-2024-07-19-123456`.",
    id_pattern: DECLARATION_ID_PATTERN,
    year: Some("Year the declarations were filed (default: the current year)."),
    filters: &[Filter::Mep],
    plural: "declarations",
};

/// The parameters of every collection; each tool's schema keeps only its own.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One document by id (each tool names its own).
    #[schemars(length(min = 1, max = 200))]
    doc_id: Option<String>,
    #[schemars(range(min = 1990, max = 2040))]
    year: Option<u32>,
    /// Only texts adopted in this procedure: `2024-0006` or `2024/0006(COD)`.
    #[schemars(length(min = 1, max = 200), pattern(PROCESS_ID_PATTERN))]
    process_id: Option<String>,
    /// Only this committee's documents, by acronym, e.g. `AFET`, `ENVI`.
    #[schemars(length(min = 2, max = 10), pattern(r"^[A-Z][A-Z0-9]{1,9}$"))]
    committee: Option<String>,
    /// Only documents of the part-session starting on this day (its Monday).
    #[schemars(pattern(DATE_PATTERN))]
    part_session_date: Option<String>,
    /// Only this MEP's declarations: `124936`, `MEP-124936` or `person/124936`.
    #[schemars(length(min = 1, max = 100), pattern(MEP_ID_PATTERN))]
    mep_id: Option<String>,
}

impl Params {
    /// The value of `filter`, if given.
    fn of(&self, filter: Filter) -> Option<&str> {
        match filter {
            Filter::Procedure => self.process_id.as_deref(),
            Filter::Committee => self.committee.as_deref(),
            Filter::PartSession => self.part_session_date.as_deref(),
            Filter::Mep => self.mep_id.as_deref(),
        }
    }
}

/// The tool of one collection.
pub fn tool(spec: &'static Spec) -> Tool {
    Tool::paged(spec.name, spec.title, spec.description, std::slice::from_ref(&spec.collection.path), 50, move |ep: &Ep, p: Params, paging: Paging| run(spec, ep, p, paging))
        .narrowed(move |schema| narrow(spec, schema))
}

/// Keeps `docId`, and `year` and the filters the collection takes, each described as it is.
fn narrow(spec: &Spec, schema: &mut Value) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else { return };
    let mut kept: Vec<&str> = vec!["docId"];
    kept.extend(spec.year.map(|_| "year"));
    kept.extend(spec.filters.iter().map(|f| f.argument()));
    properties.retain(|name, _| kept.contains(&name.as_str()));
    if let Some(doc_id) = properties.get_mut("docId") {
        doc_id["description"] = json!(spec.doc_id);
        doc_id["pattern"] = json!(spec.id_pattern);
    }
    if let (Some(year), Some(description)) = (properties.get_mut("year"), spec.year) {
        year["description"] = json!(description);
    }
}

fn run(spec: &Spec, ep: &Ep, p: Params, paging: Paging) -> Result<List<Document>, Error> {
    let foreign = [Filter::Procedure, Filter::Committee, Filter::PartSession, Filter::Mep]
        .into_iter()
        .find(|f| !spec.filters.contains(f) && p.of(*f).is_some())
        .map(Filter::argument)
        .or_else(|| (spec.year.is_none() && p.year.is_some()).then_some("year"));
    if let Some(argument) = foreign {
        return Err(Error::invalid(format!("{argument} is not a parameter of {}", spec.name)));
    }
    let mut given: Vec<(&str, bool)> = vec![("year", p.year.is_some())];
    given.extend(spec.filters.iter().map(|f| (f.argument(), p.of(*f).is_some())));
    lookup_alone(p.doc_id.as_deref(), &given)?;
    let collection = spec.collection;
    if let Some(id) = &p.doc_id {
        return collection.lookup(ep, id);
    }
    let mut query = collection.query();
    let mut sent = Vec::new();
    // A year is always sent when the collection is filtered by one (its default is the
    // current year), except for a procedure's texts, which span years.
    let year = spec.year.and_then(|_| match (p.year, p.process_id.as_ref()) {
        (None, Some(_)) => None,
        (year, _) => Some(year_or_current(year)),
    });
    if let Some(year) = year {
        query = query.param("year", year);
        sent.push(format!("year={year}"));
    }
    for filter in spec.filters {
        let Some(value) = p.of(*filter) else { continue };
        let (name, value) = match filter {
            Filter::Procedure => ("related-process-id", args::process_id(value)),
            Filter::Committee => ("committee", value.to_string()),
            Filter::PartSession => {
                args::date("partSessionDate", value)?;
                ("part-session-date", value.to_string())
            }
            Filter::Mep => ("person-id", args::mep_id(value)?.to_string()),
        };
        query = query.param(name, &value);
        sent.push(format!("{name}={value}"));
    }
    let endpoint = if sent.is_empty() { collection.path.to_string() } else { format!("{}?{}", collection.path, sent.join("&")) };
    let defaulted = year.filter(|_| p.year.is_none());
    Ok(collection::page(ep, &query, endpoint, paging.offset, paging.limit)?.for_default_year(defaulted, spec.plural))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn properties(spec: &'static Spec) -> Vec<String> {
        let schema = tool(spec).input_schema();
        let mut names: Vec<String> = schema["properties"].as_object().unwrap().keys().cloned().collect();
        names.sort();
        names
    }

    #[test]
    fn each_collection_shows_only_its_own_filters_and_ids() {
        assert_eq!(properties(&ADOPTED_TEXTS), ["docId", "limit", "offset", "processId", "year"]);
        assert_eq!(properties(&COMMITTEE_DOCUMENTS), ["committee", "docId", "limit", "offset"]);
        assert_eq!(properties(&EXTERNAL_DOCUMENTS), ["docId", "limit", "offset"]);
        assert_eq!(properties(&SESSION_DOCUMENTS), ["docId", "limit", "offset", "partSessionDate"]);
        assert_eq!(properties(&DECLARATIONS), ["docId", "limit", "mepId", "offset", "year"]);
        let schema = tool(&DECLARATIONS).input_schema();
        assert_eq!(schema["properties"]["docId"]["pattern"], DECLARATION_ID_PATTERN);
        assert_eq!(schema["properties"]["year"]["description"], "Year the declarations were filed (default: the current year).");
    }

    #[test]
    fn another_collections_filter_is_refused_not_ignored() {
        let p = Params { doc_id: None, year: Some(2024), process_id: None, committee: None, part_session_date: None, mep_id: None };
        let error = run(&EXTERNAL_DOCUMENTS, &Ep, p, Paging { limit: 1, offset: 0 }).unwrap_err();
        assert!(error.to_string().contains("year is not a parameter of get_external_documents"), "{error}");
    }
}
