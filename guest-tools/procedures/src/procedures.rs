//! `get_procedures`: a page of procedures, or one procedure with its events.

use guest_client::args::{self, PROCESS_ID_PATTERN};
use guest_client::jsonld;
use guest_client::{Ep, Error, List, Query, Tool, Paging};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use guest_client::activity::{self, Event, chronological};
use guest_client::participation::{self, Participant};


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One procedure: `2024-0006`, or its reference `2024/0006(COD)`.
    #[schemars(length(min = 1, max = 200), pattern(PROCESS_ID_PATTERN))]
    process_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Procedure {
    /// Procedure id, e.g. `2024-0006`; pass it as `processId`.
    pub id: String,
    /// Reference as printed, e.g. `2024/0006(COD)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Procedure type code, e.g. `COD` (ordinary legislative procedure).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procedure_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Current stage code (EU procedure-phase authority), e.g. `RDG2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_stage: Option<String>,
    /// Events (referrals, votes, decisions), oldest first; only on single lookups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    /// Ids of documents the procedure produced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
    /// Committees (responsible, for opinion) and MEPs (rapporteurs, shadows) taking part.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<Participant>,
}

pub fn get_procedures() -> Tool {
    Tool::paged(
        "get_procedures",
        "Procedures",
        "European Parliament procedures (legislative files): a page of the list, or with processId one procedure \
         with its title, type, current stage, events, documents, committees and rapporteurs.",
        &["procedures"],
        50, run,
    )
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Procedure>, Error> {
    if let Some(raw) = &p.process_id {
        let id = args::process_id(raw);
        let item = ep.one(&Query::new(["procedures", id.as_str()]), &format!("procedure {raw}"))?;
        let (procedure, warnings) = procedure(&item);
        return Ok(List::new(vec![procedure], 0, 1, false, format!("procedures/{id}")).warning(warnings));
    }
    let query = Query::new(["procedures"]);
    let page = ep.page(&query, paging.offset, paging.limit)?;
    let (data, warnings): (Vec<Procedure>, Vec<Vec<String>>) = page.items.iter().map(procedure).unzip();
    Ok(List::from_page(&page, data, query.endpoint()).warning(warnings.into_iter().flatten()))
}

/// A procedure record, and what in it could not be read whole.
fn procedure(item: &Value) -> (Procedure, Vec<String>) {
    let id = jsonld::string(item, "process_id").or_else(|| jsonld::code(item, "id")).unwrap_or_default();
    let events = activity::consists_of(item);
    let (participants, unread_participations) = participation::participants(item);
    let mut warnings = events.warnings(&id);
    warnings.extend(participation::unread_warning(&id, unread_participations));
    let procedure = Procedure {
        reference: jsonld::text(item, "label"),
        procedure_type: jsonld::code(item, "process_type"),
        title: jsonld::text(item, "process_title"),
        current_stage: jsonld::code(item, "current_stage"),
        events: chronological(events.list),
        documents: jsonld::strings(item, "created_a_realization_of").iter().map(|d| jsonld::tail(d).to_string()).collect(),
        participants,
        id,
    };
    (procedure, warnings)
}
