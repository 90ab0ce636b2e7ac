//! MEPs: lists of Members of the European Parliament and their details.

mod details;
mod groups;
mod list;
mod model;

use guest_client::{Resource, Tool};
use guest_client::serde_json::json;

fn tools() -> Vec<Tool> {
    vec![
        list::get_meps(),
        details::get_mep_details(),
        list::get_current_meps(),
        list::get_incoming_meps(),
        list::get_outgoing_meps(),
        list::get_homonym_meps(),
        groups::get_political_groups(),
    ]
}


/// `ep://meps/{mepId}` and `ep://meps` (the current MEPs, first page; page on with the tool).
fn resources() -> Vec<Resource> {
    vec![
        Resource {
            uri_template: "ep://meps/{mepId}",
            name: "mep",
            title: "MEP profile",
            description: "One MEP's profile and memberships (get_mep_details).",
            tool: "get_mep_details",
            arguments: json!({"id": "{mepId}"}),
        },
        Resource {
            uri_template: "ep://meps",
            name: "meps",
            title: "Current MEPs",
            description: "The first 100 current MEPs with country and group; get_current_meps pages through the rest.",
            tool: "get_current_meps",
            arguments: json!({"limit": 100}),
        },
        Resource {
            uri_template: "ep://political-groups",
            name: "political-groups",
            title: "Political groups",
            description: "The current political groups with seats, seat share and members per country, over the whole roster.",
            tool: "get_political_groups",
            arguments: json!({}),
        },
    ]
}

guest_client::component!("meps", tools, resources = resources);
