//! `get_meps` and the rosters: current, incoming, outgoing and homonym MEPs.

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use guest_client::{Ep, Error, List, Query, Tool, Paging};

use guest_client::group;
use crate::model::Mep;

/// Page size for walking the whole roster when filtering client-side.
const ROSTER_PAGE: u32 = 500;

fn default_true() -> bool {
    true
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetMepsParams {
    /// Country of representation as the EP writes it (`DE`, `EL` for Greece).
    #[schemars(length(min = 2, max = 2), pattern(r"^[A-Z]{2}$"))]
    country: Option<String>,
    /// Political group, any common spelling (`EPP`/`PPE`, `S&D`/`S-D`, `Greens/EFA`, `Renew`, `PfE` …).
    #[schemars(length(min = 1, max = 50))]
    group: Option<String>,
    /// Not supported: see get_mep_details.
    #[schemars(length(min = 1, max = 100))]
    committee: Option<String>,
    /// Only MEPs currently in office (default). `false` lists MEPs of past terms too.
    #[serde(default = "default_true")]
    active: bool,
    /// Ignored: data is always live.
    #[serde(default)]
    live: bool,
}

pub fn get_meps() -> Tool {
    Tool::paged(
        "get_meps",
        "List MEPs",
        "Members of the European Parliament, by default those in office, by country of representation and \
         political group; ids for get_mep_details.",
        &["meps"],
        50, run_get_meps,
    )
}

fn run_get_meps(ep: &Ep, p: GetMepsParams, paging: Paging) -> Result<List<Mep>, Error> {
    let _ = p.live;
    if p.committee.is_some() {
        return Err(Error::invalid(
            "committee: the EP API's MEP lists carry no committee memberships; list MEPs, then use get_mep_details",
        ));
    }
    let base = if p.active { Query::new(["meps", "show-current"]) } else { Query::new(["meps"]) };
    let query = base.param_opt("country-of-representation", p.country.as_deref());
    let endpoint = query.endpoint();
    match p.group {
        // The API's group filter knows only term-9 codes: filter the whole roster here.
        Some(group) => {
            let wanted = group::canonical(&group);
            let all: Vec<Mep> = ep
                .all(&query, ROSTER_PAGE)?
                .iter()
                .filter_map(Mep::from_item)
                .filter(|m| m.political_group.as_deref().map(group::canonical).as_deref() == Some(wanted.as_str()))
                .collect();
            Ok(List::slice(all, paging.offset, paging.limit, endpoint))
        }
        None => {
            let page = ep.page(&query, paging.offset, paging.limit)?;
            let data = page.items.iter().filter_map(Mep::from_item).collect();
            Ok(List::from_page(&page, data, endpoint))
        }
    }
}

/// `get_current_meps`' parameters: the reference gives it a `live` flag (its cache switch).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrentParams {
    /// Ignored: data is always live.
    #[serde(default)]
    #[allow(dead_code)] // accepted from the reference's clients, and ignored
    live: bool,
}

/// The other rosters' parameters: paging only, as the reference has them.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterParams {}

/// A paged list of one of the EP's MEP rosters (`/meps/show-<roster>`), each item with
/// country of representation and political group where the EP lists them.
fn roster<P>(name: &'static str, title: &'static str, description: &'static str, egress: &'static [&'static str]) -> Tool
where
    P: DeserializeOwned + JsonSchema + 'static,
{
    Tool::paged(name, title, description, egress, 50, move |ep: &Ep, _: P, paging: Paging| {
        let query = Query::new(egress[0].split('/'));
        let page = ep.page(&query, paging.offset, paging.limit)?;
        let data = page.items.iter().filter_map(Mep::from_item).collect();
        Ok(List::from_page(&page, data, query.endpoint()))
    })
}

pub fn get_current_meps() -> Tool {
    roster::<CurrentParams>(
        "get_current_meps",
        "List current MEPs",
        "The MEPs in office today, with country of representation and political group.",
        &["meps/show-current"],
    )
}

pub fn get_incoming_meps() -> Tool {
    roster::<RosterParams>(
        "get_incoming_meps",
        "Incoming MEPs",
        "MEPs who took up their seat during the current parliamentary term (replacements and late arrivals), with \
         country and political group; page with limit/offset. Ids work with get_mep_details.",
        &["meps/show-incoming"],
    )
}

pub fn get_outgoing_meps() -> Tool {
    roster::<RosterParams>(
        "get_outgoing_meps",
        "Outgoing MEPs",
        "MEPs who left the Parliament during the current parliamentary term, with country and political group; page \
         with limit/offset. Ids work with get_mep_details.",
        &["meps/show-outgoing"],
    )
}

pub fn get_homonym_meps() -> Tool {
    roster::<RosterParams>(
        "get_homonym_meps",
        "Homonym MEPs",
        "MEPs who share a name with another MEP (the EP's disambiguation list); page with limit/offset. Use the ids \
         with get_mep_details to tell them apart.",
        &["meps/show-homonyms"],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn properties(tool: Tool) -> Vec<String> {
        let schema = tool.input_schema();
        let mut names: Vec<String> = schema["properties"].as_object().unwrap().keys().cloned().collect();
        names.sort();
        names
    }

    #[test]
    fn rosters_take_exactly_the_reference_parameters() {
        assert_eq!(properties(get_current_meps()), ["limit", "live", "offset"]);
        for tool in [get_incoming_meps(), get_outgoing_meps(), get_homonym_meps()] {
            assert_eq!(tool.input_schema()["additionalProperties"], false);
            assert_eq!(properties(tool), ["limit", "offset"]);
        }
    }
}
