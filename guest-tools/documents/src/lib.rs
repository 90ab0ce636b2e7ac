//! Documents: EP documents by id, by type, and full-text search.

mod search;

use guest_client::{Resource, Tool};
use guest_client::serde_json::json;

fn tools() -> Vec<Tool> {
    vec![search::search_documents()]
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
