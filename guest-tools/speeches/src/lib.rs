//! Plenary speeches.

use guest_client::Tool;

fn tools() -> Vec<Tool> {
    vec![]
}

guest_client::component!("speeches", tools);
