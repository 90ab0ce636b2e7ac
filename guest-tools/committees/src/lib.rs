//! Committees and other corporate bodies of the European Parliament.

mod info;

use guest_client::Tool;

fn tools() -> Vec<Tool> {
    vec![info::get_committee_info()]
}

guest_client::component!("committees", tools);
