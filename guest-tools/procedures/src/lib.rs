//! Procedures: the legislative and non-legislative files of the European Parliament.

mod event_by_id;
mod events;
mod procedures;

use guest_client::{Resource, Tool};
use guest_client::serde_json::json;

fn tools() -> Vec<Tool> {
    vec![procedures::get_procedures(), events::get_procedure_events(), event_by_id::get_procedure_event_by_id()]
}


/// `ep://procedures/{procedureId}`: one procedure, e.g. 2024-0006.
fn resources() -> Vec<Resource> {
    vec![Resource {
        uri_template: "ep://procedures/{procedureId}",
        name: "procedure",
        title: "Procedure",
        description: "One legislative procedure with its events and documents, e.g. 2024-0006 (get_procedures).",
        tool: "get_procedures",
        arguments: json!({"processId": "{procedureId}"}),
    }]
}

guest_client::component!("procedures", tools, resources = resources);
