//! Committees and other corporate bodies of the European Parliament.

mod info;

use guest_client::{Resource, Tool};
use guest_client::serde_json::json;

fn tools() -> Vec<Tool> {
    vec![info::get_committee_info(), info::get_corporate_bodies()]
}


/// `ep://committees/{committeeId}`: a committee by acronym (ENVI) or body id.
fn resources() -> Vec<Resource> {
    vec![Resource {
        uri_template: "ep://committees/{committeeId}",
        name: "committee",
        title: "Committee",
        description: "A committee or other EP body by acronym (e.g. ENVI) or body id (get_committee_info).",
        tool: "get_committee_info",
        arguments: json!({"id": "{committeeId}"}),
    }]
}

guest_client::component!("committees", tools, resources = resources);
