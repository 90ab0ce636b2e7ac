//! Documents: EP documents by id, by type, and full-text search.

mod search;

use guest_client::Tool;

fn tools() -> Vec<Tool> {
    vec![search::search_documents()]
}

guest_client::component!("documents", tools);
