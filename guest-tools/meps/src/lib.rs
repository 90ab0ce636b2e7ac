//! MEPs: lists of Members of the European Parliament and their details.

mod details;
mod group;
mod list;
mod model;

use guest_client::Tool;

fn tools() -> Vec<Tool> {
    vec![list::get_meps(), details::get_mep_details(), list::get_current_meps()]
}

guest_client::component!("meps", tools);
