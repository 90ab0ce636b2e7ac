//! Plenary: sittings of the European Parliament, what happened in them, and their votes.

mod decisions;
mod sessions;
mod sitting;
mod votes;

use guest_client::{Resource, Tool};
use guest_client::serde_json::json;

fn tools() -> Vec<Tool> {
    vec![
        sessions::get_plenary_sessions(),
        sitting::get_meeting_activities(),
        sitting::get_meeting_foreseen_activities(),
        votes::get_voting_records(),
        decisions::get_meeting_decisions(),
        decisions::get_latest_votes(),
    ]
}


/// `ep://plenary-sessions` (this year's sittings) and `ep://plenary/{plenaryId}`.
fn resources() -> Vec<Resource> {
    vec![
        Resource {
            uri_template: "ep://plenary-sessions",
            name: "plenary-sessions",
            title: "Plenary sittings",
            description: "The first 20 plenary sittings of the current year (get_plenary_sessions).",
            tool: "get_plenary_sessions",
            arguments: json!({"limit": 20}),
        },
        Resource {
            uri_template: "ep://plenary/{plenaryId}",
            name: "plenary",
            title: "Plenary sitting",
            description: "One plenary sitting by id, e.g. MTG-PL-2024-04-23 (get_plenary_sessions).",
            tool: "get_plenary_sessions",
            arguments: json!({"eventId": "{plenaryId}"}),
        },
        Resource {
            uri_template: "ep://votes/{sessionId}",
            name: "votes",
            title: "Votes of a sitting",
            description: "The vote-result items of one plenary sitting, e.g. MTG-PL-2014-01-16 (get_voting_records).",
            tool: "get_voting_records",
            arguments: json!({"sessionId": "{sessionId}"}),
        },
    ]
}

guest_client::component!("plenary", tools, resources = resources);
