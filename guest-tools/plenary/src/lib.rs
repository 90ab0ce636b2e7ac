//! Plenary: sittings of the European Parliament.

mod sessions;

use guest_client::Tool;

fn tools() -> Vec<Tool> {
    vec![sessions::get_plenary_sessions()]
}

guest_client::component!("plenary", tools);
