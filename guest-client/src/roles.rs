//! The EP's role vocabulary (`def/ep-roles/…`, 86 codes), classified once for every tool:
//! which roles lead a body, which are a seat or a substitute's seat, and what part a
//! committee or an MEP had in a procedure. Codes not listed here are `Other`.

/// What a role code means for the measures that count roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Chairs, vice-chairs, presidents, quaestors, treasurers, members of the Bureau.
    Leads,
    /// An ordinary seat (`MEMBER`, `MEMBER_PARLIAMENT`, `MEMBER_COMMITTEE_PARLIAMENTARY` …).
    Member,
    /// A substitute's seat (`MEMBER_SUBSTITUTE`, `OBSERVER_SUBSTITUTE`): not a leading role.
    Substitute,
    Observer,
    /// The rapporteur of a report (`RAPPORTEUR`, `RAPPORTEUR_CO`, `RAPPORTEUR_CHAIR`).
    Rapporteur,
    /// The rapporteur of a committee's opinion (`RAPPORTEUR_OPINION`, `RAPPORTEUR_CHAIR_OPINION`).
    RapporteurForOpinion,
    /// A shadow rapporteur, of the report or of an opinion.
    ShadowRapporteur,
    /// The committee responsible (`COMMITTEE_LEAD`, `COMMITTEE_LEAD_JOINT`).
    LeadCommittee,
    /// A committee giving an opinion (`COMMITTEE_OPINION…`, `COMMITTEE_BUDGETARY_ASSESSMENT`).
    OpinionCommittee,
    Other,
}

/// The class of a role code (`MEMBER_SUBSTITUTE`, or the full `def/ep-roles/MEMBER_SUBSTITUTE`).
pub fn classify(code: &str) -> Role {
    let code = crate::jsonld::tail(code);
    match code {
        "MEMBER_SUBSTITUTE" | "OBSERVER_SUBSTITUTE" => Role::Substitute,
        "OBSERVER" => Role::Observer,
        "RAPPORTEUR" | "RAPPORTEUR_CO" | "RAPPORTEUR_CHAIR" => Role::Rapporteur,
        "RAPPORTEUR_OPINION" | "RAPPORTEUR_CHAIR_OPINION" => Role::RapporteurForOpinion,
        "COMMITTEE_LEAD" | "COMMITTEE_LEAD_JOINT" => Role::LeadCommittee,
        "COMMITTEE_BUDGETARY_ASSESSMENT" => Role::OpinionCommittee,
        _ if code.starts_with("RAPPORTEUR_SHADOW") => Role::ShadowRapporteur,
        _ if code.starts_with("COMMITTEE_OPINION") => Role::OpinionCommittee,
        _ if code.starts_with("MEMBER_BUREAU") => Role::Leads,
        _ if ["CHAIR", "PRESIDENT", "QUAESTOR", "TREASURER"].iter().any(|lead| code.starts_with(lead)) => Role::Leads,
        _ if code == "MEMBER" || code.starts_with("MEMBER_") => Role::Member,
        _ => Role::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_and_observers_do_not_lead() {
        for code in ["MEMBER_SUBSTITUTE", "def/ep-roles/OBSERVER_SUBSTITUTE", "OBSERVER", "MEMBER", "MEMBER_PARLIAMENT"] {
            assert_ne!(classify(code), Role::Leads, "{code}");
        }
        for code in ["CHAIR", "CHAIR_VICE", "def/ep-roles/CHAIR_VICE_COMMITTEE", "PRESIDENT_PARLIAMENT_VICE", "QUAESTOR", "MEMBER_BUREAU", "TREASURER_CO"] {
            assert_eq!(classify(code), Role::Leads, "{code}");
        }
    }

    #[test]
    fn procedure_parts() {
        assert_eq!(classify("def/ep-roles/COMMITTEE_LEAD"), Role::LeadCommittee);
        assert_eq!(classify("COMMITTEE_OPINION_LEGAL_BASIS"), Role::OpinionCommittee);
        assert_eq!(classify("COMMITTEE_BUDGETARY_ASSESSMENT"), Role::OpinionCommittee);
        assert_eq!(classify("RAPPORTEUR"), Role::Rapporteur);
        assert_eq!(classify("RAPPORTEUR_CO"), Role::Rapporteur);
        assert_eq!(classify("RAPPORTEUR_OPINION"), Role::RapporteurForOpinion);
        assert_eq!(classify("RAPPORTEUR_SHADOW_OPINION"), Role::ShadowRapporteur);
        assert_eq!(classify("AUTHOR"), Role::Other);
        assert_eq!(classify(""), Role::Other);
    }
}
