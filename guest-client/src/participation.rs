//! Who took part in a procedure (`had_participation`): the committee responsible, the
//! committees for opinion, the rapporteurs and shadow rapporteurs with their person ids
//! and groups. Read by `get_procedures` and by the analyses that count files and rapporteurships.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::jsonld;
use crate::roles::{self, Role};

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    /// EP role, e.g. `COMMITTEE_LEAD`, `COMMITTEE_OPINION`, `RAPPORTEUR`, `RAPPORTEUR_SHADOW`;
    /// absent when the record gives none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The committee taking part (e.g. `AFCO`), or the one a person acts for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committee: Option<String>,
    /// The MEP taking part (a person id, as in get_mep_details).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mep_id: Option<String>,
    /// The MEP's political group then, e.g. `S-D`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub political_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

impl Participant {
    pub fn class(&self) -> Role {
        self.role.as_deref().map_or(Role::Other, roles::classify)
    }
}

/// The participations of a procedure record, and how many entries could not be read
/// (neither a committee nor a person named).
pub fn participants(record: &Value) -> (Vec<Participant>, usize) {
    let entries: Vec<&Value> = match record.get("had_participation") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item) => vec![item],
        None => Vec::new(),
    };
    let (mut read, mut unreadable) = (Vec::new(), 0);
    for p in entries {
        let participant = Participant {
            role: jsonld::code(p, "participation_role"),
            committee: jsonld::code(p, "had_participant_organization").or_else(|| jsonld::code(p, "participation_in_name_of")),
            mep_id: jsonld::code(p, "had_participant_person"),
            political_group: jsonld::code(p, "politicalGroup"),
            date: jsonld::string(p, "activity_date").and_then(|d| jsonld::date(&d)),
        };
        // A bare id or any other scalar names nobody either.
        if participant.committee.is_some() || participant.mep_id.is_some() {
            read.push(participant);
        } else {
            unreadable += 1;
        }
    }
    (read, unreadable)
}

/// The warning for `unread` participations of `procedure` (see [`participants`]).
pub fn unread_warning(procedure: &str, unread: usize) -> Option<String> {
    (unread > 0).then(|| format!("procedure {procedure}: {unread} participations name neither a committee nor a person"))
}

/// The committee responsible, when the record names one.
pub fn lead_committee(participants: &[Participant]) -> Option<&str> {
    participants.iter().find(|p| p.class() == Role::LeadCommittee).and_then(|p| p.committee.as_deref())
}

/// The MEPs in a role class (ids, each once, in record order).
pub fn meps_in(participants: &[Participant], class: Role) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for id in participants.iter().filter(|p| p.class() == class).filter_map(|p| p.mep_id.clone()) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_committees_rapporteurs_and_shadows_as_recorded() {
        let record = json!({"had_participation": [
            {"id": "eli/dl/participation/2016-0132-AVI-AFET", "had_participant_organization": ["org/AFET"], "participation_role": "def/ep-roles/COMMITTEE_OPINION"},
            {"had_participant_person": ["person/197650"], "participation_role": "def/ep-roles/RAPPORTEUR_SHADOW", "politicalGroup": "org/S-D", "activity_date": "2020-10-26"},
            {"had_participant_organization": ["org/JURI"]},
            {"had_participant_organization": "org/LIBE", "participation_role": "def/ep-roles/COMMITTEE_LEAD"},
            {"had_participant_person": "person/1473", "participation_in_name_of": "org/BUDG", "participation_role": "def/ep-roles/RAPPORTEUR_OPINION"},
            {"participation_role": "def/ep-roles/RAPPORTEUR"},
            "eli/dl/participation/bare"
        ]});
        let (read, unreadable) = participants(&record);
        assert_eq!((read.len(), unreadable), (5, 2));
        assert_eq!(read[1].mep_id.as_deref(), Some("197650"));
        assert_eq!(read[1].political_group.as_deref(), Some("S-D"));
        assert_eq!(read[1].date.as_deref(), Some("2020-10-26"));
        assert_eq!((read[2].role.as_deref(), read[2].committee.as_deref()), (None, Some("JURI")), "a participation without a role is kept");
        assert_eq!(lead_committee(&read), Some("LIBE"));
        assert_eq!(read[4].committee.as_deref(), Some("BUDG"));
        assert_eq!(meps_in(&read, Role::ShadowRapporteur), ["197650"]);
        assert_eq!(meps_in(&read, Role::RapporteurForOpinion), ["1473"]);
    }
}
