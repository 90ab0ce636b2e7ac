//! Plenary: sittings of the European Parliament.

mod sessions;

use guest_client::{Resource, Tool};
use guest_client::serde_json::json;

fn tools() -> Vec<Tool> {
    vec![sessions::get_plenary_sessions()]
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
    ]
}

guest_client::component!("plenary", tools, resources = resources);
