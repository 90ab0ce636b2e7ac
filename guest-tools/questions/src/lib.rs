//! Parliamentary questions and answers.

use guest_client::Tool;

fn tools() -> Vec<Tool> {
    vec![]
}

guest_client::component!("questions", tools);
