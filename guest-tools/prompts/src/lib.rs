//! The reference server's seven prompts, in our own words. A prompt fetches nothing:
//! it tells the assistant which epmcp tools answer the question and how to report,
//! and asks it to say plainly where the EP data is missing.

use guest_client::serde_json::json;
use guest_client::{Argument, Completion, Prompt, Tool};

fn tools() -> Vec<Tool> {
    vec![]
}

/// Member states as the EP codes them (ISO 3166 alpha-2, but `EL` for Greece).
const COUNTRIES: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT", "LU", "LV",
    "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// Political groups of the 10th term (2024–2029).
const GROUPS: &[&str] = &["EPP", "S&D", "PfE", "ECR", "Renew", "Greens/EFA", "The Left", "ESN", "NI"];

/// MEP ids, found by name or id among the current MEPs.
fn meps() -> Completion {
    Completion {
        tool: "get_current_meps",
        arguments: json!({"limit": 100}),
        items: "/data",
        value: "id",
        match_fields: &["name", "familyName"],
    }
}

/// Committee and body acronyms, among the bodies that exist today.
fn committees() -> Completion {
    Completion {
        tool: "get_committee_info",
        arguments: json!({"showCurrent": true}),
        items: "/data",
        value: "abbreviation",
        match_fields: &["name"],
    }
}

/// Closing line of every prompt: the rule that keeps reports honest.
macro_rules! evidence {
    () => {
        "Base every statement on tool results, cite the EP ids you used, and say plainly what the EP data \
         does not show instead of estimating it."
    };
}

fn prompts() -> Vec<Prompt> {
    vec![
        Prompt {
            name: "mep_briefing",
            title: "MEP briefing",
            description: "A briefing on one Member of the European Parliament: profile, roles, activity.",
            arguments: vec![
                Argument::required("mepId", "MEP id (e.g. 124936, MEP-124936 or person/124936)").complete_from(meps()),
                Argument::optional("period", "Period to cover, e.g. 2025 or 2024-07 to 2025-06 (default: the current term)"),
            ],
            template: concat!(
                "Prepare a briefing on MEP {mepId}.\n",
                "Cover the period {period}.\n",
                "1. Profile: call get_mep_details with id {mepId} (country, political group, committees, roles and dates).\n",
                "2. Parliamentary questions: call get_parliamentary_questions and keep those by this MEP.\n",
                "3. Declarations: call get_mep_declarations for this MEP.\n",
                "4. Votes: call get_meeting_decisions for recent sittings (ids from get_plenary_sessions) and report how \
                 this MEP voted in the roll calls.\n",
                "Sections: Profile, Roles and committees, Questions, Declarations, Voting record, Gaps in the data.\n",
                evidence!(),
            ),
        },
        Prompt {
            name: "coalition_analysis",
            title: "Coalition analysis",
            description: "How the political groups voted together or apart in recent roll-call votes.",
            arguments: vec![
                Argument::optional("policyArea", "Policy area to focus on, e.g. climate, agriculture, migration"),
                Argument::optional("period", "Period to cover, e.g. 2025"),
            ],
            template: concat!(
                "Analyse coalitions between the political groups of the European Parliament.\n",
                "Focus on votes about {policyArea}.\n",
                "Cover the period {period}.\n",
                "1. List sittings with get_plenary_sessions, then read their roll-call votes with get_meeting_decisions.\n",
                "2. Map voters to groups with get_current_meps (politicalGroup of each person id).\n",
                "3. For each pair of groups, report how often their majorities voted the same way, and on which votes they split.\n",
                "Sections: Votes examined, Group-pair agreement, Notable splits, Gaps in the data.\n",
                evidence!(),
            ),
        },
        Prompt {
            name: "legislative_tracking",
            title: "Legislative tracking",
            description: "Where a legislative procedure (or a committee's files) stands, and what happened so far.",
            arguments: vec![
                Argument::optional("procedureId", "Procedure, e.g. 2024/0006(COD) or 2024-0006"),
                Argument::optional("committee", "Committee abbreviation, e.g. ENVI").complete_from(committees()),
            ],
            template: concat!(
                "Track European Parliament legislation.\n",
                "Procedure: {procedureId}. Call get_procedures with processId {procedureId}, then get_procedure_events.\n",
                "Committee: {committee}. Call get_committee_info and get_committee_documents for {committee}.\n",
                "Find the texts involved with search_documents and get_adopted_texts.\n",
                "Sections: Status and stage, Timeline of events, Documents, Next steps the EP data announces, Gaps in the data.\n",
                evidence!(),
            ),
        },
        Prompt {
            name: "political_group_comparison",
            title: "Political group comparison",
            description: "Compare political groups: size, national make-up and voting behaviour.",
            arguments: vec![Argument::optional("groups", "Comma-separated groups, e.g. EPP, S&D, Renew (default: all groups)")
                .suggest(GROUPS)],
            template: concat!(
                "Compare these political groups of the European Parliament: {groups}.\n",
                "1. Size and national make-up: page through get_current_meps (use nextOffset until hasMore is false).\n",
                "2. Voting: read recent roll-call votes with get_meeting_decisions and compare how the groups voted.\n",
                "Sections: Size and countries, Voting cohesion and alignment, Differences, Gaps in the data.\n",
                evidence!(),
            ),
        },
        Prompt {
            name: "committee_activity_report",
            title: "Committee activity report",
            description: "What a parliamentary committee has been working on: members, documents, procedures.",
            arguments: vec![Argument::required("committeeId", "Committee abbreviation (e.g. ENVI) or EP body id")
                .complete_from(committees())],
            template: concat!(
                "Report on the activity of committee {committeeId}.\n",
                "1. Composition: call get_committee_info for {committeeId}.\n",
                "2. Documents: call get_committee_documents for the committee (draft reports, opinions, provisional agreements).\n",
                "3. Procedures: follow the procedures those documents belong to with get_procedures and get_procedure_events.\n",
                "Sections: Composition, Documents, Procedures and their stages, Gaps in the data.\n",
                evidence!(),
            ),
        },
        Prompt {
            name: "voting_pattern_analysis",
            title: "Voting pattern analysis",
            description: "Roll-call voting patterns on a topic, optionally for one MEP.",
            arguments: vec![
                Argument::optional("topic", "Topic of the votes, e.g. energy"),
                Argument::optional("mepId", "MEP id to follow").complete_from(meps()),
            ],
            template: concat!(
                "Analyse voting patterns in the European Parliament.\n",
                "Topic: {topic}. Find the related votes with get_voting_records and get_meeting_decisions.\n",
                "Follow MEP {mepId}: read get_mep_details, then report each of their roll-call votes and whether they voted \
                 with their group's majority.\n",
                "Report results per vote (for, against, abstention counts from the voter lists) and per political group.\n",
                "Sections: Votes examined, Results, Group behaviour, Individual behaviour, Gaps in the data.\n",
                evidence!(),
            ),
        },
        Prompt {
            name: "country_delegation_analysis",
            title: "Country delegation analysis",
            description: "A member state's delegation of MEPs: who they are, their groups and committees.",
            arguments: vec![
                Argument::required("country", "Member state, as EP country code (e.g. DE, EL) or name").suggest(COUNTRIES),
                Argument::optional("period", "Period to cover, e.g. 2025"),
            ],
            template: concat!(
                "Analyse the European Parliament delegation of {country}.\n",
                "Cover the period {period}.\n",
                "1. Members: call get_meps with country set to the EP code of {country} (e.g. DE; Greece is EL).\n",
                "2. For each member, get_mep_details for group, committees and roles.\n",
                "3. Votes: compare the delegation's roll-call votes (get_meeting_decisions) with their groups' majorities.\n",
                "Sections: Members and groups, Committee positions, Voting, Gaps in the data.\n",
                evidence!(),
            ),
        },
    ]
}

guest_client::component!("prompts", tools, prompts = prompts);
