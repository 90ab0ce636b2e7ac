//! Documents: EP documents by id, by type and by collection (adopted texts, plenary,
//! committee, plenary-session and external documents, MEPs' declarations), and full-text search.

mod adopted;
mod collection;
mod committee;
mod declarations;
mod external;
mod items;
mod model;
mod plenary;
mod search;
mod session;

use guest_client::{Resource, Tool};
use guest_client::serde_json::json;

fn tools() -> Vec<Tool> {
    vec![
        search::search_documents(),
        adopted::get_adopted_texts(),
        plenary::get_plenary_documents(),
        committee::get_committee_documents(),
        session::get_plenary_session_documents(),
        items::get_plenary_session_document_items(),
        items::get_meeting_plenary_session_documents(),
        items::get_meeting_plenary_session_document_items(),
        external::get_external_documents(),
        declarations::get_mep_declarations(),
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
