//! Documents: EP documents by id, by type and by collection (adopted texts, plenary,
//! committee, plenary-session and external documents, MEPs' declarations: one table,
//! `collections`), and full-text search.

mod collection;
mod collections;
mod items;
mod model;
mod search;

use guest_client::{Resource, Tool};
use guest_client::serde_json::json;

fn tools() -> Vec<Tool> {
    vec![
        search::search_documents(),
        collections::tool(&collections::ADOPTED_TEXTS),
        collections::tool(&collections::PLENARY_DOCUMENTS),
        collections::tool(&collections::COMMITTEE_DOCUMENTS),
        collections::tool(&collections::SESSION_DOCUMENTS),
        items::get_plenary_session_document_items(),
        items::get_meeting_plenary_session_documents(),
        items::get_meeting_plenary_session_document_items(),
        collections::tool(&collections::EXTERNAL_DOCUMENTS),
        collections::tool(&collections::DECLARATIONS),
    ]
}


/// `ep://documents/{documentId}`: one document, e.g. A-10-2024-0034.
fn resources() -> Vec<Resource> {
    vec![Resource {
        uri_template: "ep://documents/{documentId}",
        name: "document",
        title: "Document",
        description: "One EP document by id, e.g. A-10-2024-0034, with its files (search_documents).",
        tool: "search_documents",
        arguments: json!({"docId": "{documentId}"}),
    }]
}

guest_client::component!("documents", tools, resources = resources);
