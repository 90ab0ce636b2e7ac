//! The EP's controlled vocabularies.

use guest_client::Tool;

fn tools() -> Vec<Tool> {
    vec![]
}

guest_client::component!("vocabularies", tools);
