//! Change feeds: what the EP published or updated recently.

use guest_client::Tool;

fn tools() -> Vec<Tool> {
    vec![]
}

guest_client::component!("feeds", tools);
