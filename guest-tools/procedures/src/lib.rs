//! Procedures: the legislative and non-legislative files of the European Parliament.

mod procedures;

use guest_client::Tool;

fn tools() -> Vec<Tool> {
    vec![procedures::get_procedures()]
}

guest_client::component!("procedures", tools);
