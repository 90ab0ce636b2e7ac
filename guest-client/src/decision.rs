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
    /// Corrections of vote intention (`had_voter_intended_*`): what these MEPs said after
    /// the vote they meant to vote. They do not change the result, the tally or `voters`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intended: Option<Voters>,
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

impl Voters {
    fn is_empty(&self) -> bool {
        self.favor.is_empty() && self.against.is_empty() && self.abstention.is_empty()
    }
}

/// A decision item; `with_voters` keeps the voter lists (the counts are always kept).
pub fn decision(item: &Value, with_voters: bool) -> Decision {
    let ids = |field: &str| jsonld::strings(item, field).iter().map(|p| jsonld::tail(p).to_string()).collect::<Vec<_>>();
    let voters = Voters { favor: ids("had_voter_favor"), against: ids("had_voter_against"), abstention: ids("had_voter_abstention") };
    let listed = !voters.is_empty();
    let intended = Voters { favor: ids("had_voter_intended_favor"), against: ids("had_voter_intended_against"), abstention: ids("had_voter_intended_abstention") };
    let id = jsonld::string(item, "activity_id").or_else(|| jsonld::code(item, "id")).unwrap_or_default();
    Decision {
        sitting_id: id.find("-DEC-").or_else(|| id.find("-VOT-")).map(|at| id[..at].to_string()),
        date: jsonld::string(item, "activity_date").and_then(|d| jsonld::date(&d)),
        label: jsonld::text(item, "activity_label"),
        method: jsonld::code(item, "decision_method"),
        outcome: jsonld::outcome(item),
        voting_id: jsonld::string(item, "notation_votingId"),
        tally: listed.then_some(Tally { favor: voters.favor.len(), against: voters.against.len(), abstention: voters.abstention.len() }),
        voters: (listed && with_voters).then_some(voters),
        intended: (!intended.is_empty() && with_voters).then_some(intended),
        documents: ids("decided_on_a_realization_of"),
        id,
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outcomes_under_every_name_and_corrections_of_intention_apart() {
        for field in ["had_decision_outcome", "decision_outcome", "eli-dl:decision_outcome"] {
            let item = json!({"activity_id": "MTG-PL-2024-03-12-DEC-000001", "type": ["Decision", "Activity"], field: "def/ep-statuses/ADOPTED"});
            assert_eq!(decision(&item, false).outcome.as_deref(), Some("ADOPTED"), "{field}");
        }
        let item = json!({
            "activity_id": "MTG-PL-2024-03-12-DEC-000002", "type": "Decision",
            "had_voter_favor": ["person/1", "person/2"], "had_voter_against": "person/3",
            "had_voter_intended_against": ["person/2"], "had_voter_intended_abstention": "person/4"
        });
        let d = decision(&item, true);
        assert_eq!(d.outcome, None);
        let tally = d.tally.as_ref().unwrap();
        assert_eq!((tally.favor, tally.against, tally.abstention), (2, 1, 0), "corrections do not change the tally");
        let intended = d.intended.as_ref().unwrap();
        assert_eq!((intended.against.as_slice(), intended.abstention.as_slice()), (&["2".to_string()][..], &["4".to_string()][..]));
        assert!(decision(&item, false).intended.is_none());
    }
}
