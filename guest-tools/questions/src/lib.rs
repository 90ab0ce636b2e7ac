//! Parliamentary questions and answers.

mod questions;

use guest_client::Tool;

fn tools() -> Vec<Tool> {
    vec![questions::get_parliamentary_questions()]
}

guest_client::component!("questions", tools);
