//! EP events and activities.

use guest_client::Tool;

fn tools() -> Vec<Tool> {
    vec![]
}

guest_client::component!("events", tools);
