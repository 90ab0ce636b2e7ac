//! The one normalised shape of an EP plenary decision (`/meetings/{sitting-id}/decisions`):
//! method, outcome, and for roll calls the person ids that voted for, against and
//! abstained (the same ids as `/meps`), with counts computed from those lists. Read by
//! the plenary tools and by the analytics.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::jsonld;

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Decision id, e.g. `MTG-PL-2024-03-12-DEC-000001`.
    pub id: String,
    /// The sitting it belongs to, e.g. `MTG-PL-2024-03-12`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sitting_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// How it was decided, e.g. `ROLL_CALL_EV` (electronic roll call), `SHOW_OF_HANDS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// e.g. `ADOPTED`, `REJECTED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The EP's voting number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voting_id: Option<String>,
    /// Counts from the voter lists; absent when the EP lists no voters (e.g. show of hands).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tally: Option<Tally>,
    /// Person ids per position (roll calls only; omitted when individual votes are not asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voters: Option<Voters>,
    /// Ids of the documents voted on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Tally {
    pub favor: usize,
    pub against: usize,
    pub abstention: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Voters {
    /// Person ids (usable with get_mep_details).
    pub favor: Vec<String>,
    pub against: Vec<String>,
    pub abstention: Vec<String>,
}

/// A decision item; `with_voters` keeps the voter lists (the counts are always kept).
pub fn decision(item: &Value, with_voters: bool) -> Decision {
    let ids = |field: &str| jsonld::strings(item, field).iter().map(|p| jsonld::tail(p).to_string()).collect::<Vec<_>>();
    let voters = Voters { favor: ids("had_voter_favor"), against: ids("had_voter_against"), abstention: ids("had_voter_abstention") };
    let listed = !(voters.favor.is_empty() && voters.against.is_empty() && voters.abstention.is_empty());
    let id = jsonld::string(item, "activity_id").or_else(|| jsonld::code(item, "id")).unwrap_or_default();
    Decision {
        sitting_id: id.find("-DEC-").or_else(|| id.find("-VOT-")).map(|at| id[..at].to_string()),
        date: jsonld::string(item, "activity_date").and_then(|d| jsonld::date(&d)),
        label: jsonld::text(item, "activity_label"),
        method: jsonld::code(item, "decision_method"),
        outcome: jsonld::code(item, "had_decision_outcome"),
        voting_id: jsonld::string(item, "notation_votingId"),
        tally: listed.then_some(Tally { favor: voters.favor.len(), against: voters.against.len(), abstention: voters.abstention.len() }),
        voters: (listed && with_voters).then_some(voters),
        documents: ids("decided_on_a_realization_of"),
        id,
    }
}

