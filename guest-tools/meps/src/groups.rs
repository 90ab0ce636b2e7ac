//! `get_political_groups`: the political groups of the current Parliament with their
//! seats and national make-up, counted over the whole current roster (every page of
//! `/meps/show-current`), not a sample. Backs the `ep://political-groups` resource.

use std::collections::BTreeMap;

use guest_client::{Ep, Error, Query, SOURCE, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use guest_client::group;
use crate::model::Mep;

/// Page size for walking the roster.
const ROSTER_PAGE: u32 = 500;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Groups {
    /// Groups by seats, largest first.
    pub groups: Vec<Group>,
    /// Current MEPs counted (the whole roster).
    pub total_meps: usize,
    /// MEPs whose record names no group.
    pub without_group: usize,
    pub endpoint: &'static str,
    pub source: &'static str,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// Common short name (`EPP`, `S&D`, `PfE` …); pass it to get_meps as `group`.
    pub name: String,
    pub members: usize,
    /// Share of the counted MEPs, in percent (one decimal).
    pub seat_share: f64,
    /// Members per country of representation.
    pub countries: BTreeMap<String, usize>,
}

pub fn get_political_groups() -> Tool {
    Tool::new(
        "get_political_groups",
        "Political groups",
        "The political groups of the current European Parliament: seats, seat share and members per country, \
         counted over every current MEP (not a sample). Group names work as get_meps' `group` filter.",
        &["meps/show-current"],
        run,
    )
}

fn run(ep: &Ep, _: Params) -> Result<Groups, Error> {
    let roster: Vec<Mep> = ep.all(&Query::new(["meps", "show-current"]), ROSTER_PAGE)?.iter().filter_map(Mep::from_item).collect();
    Ok(count(&roster))
}

fn count(roster: &[Mep]) -> Groups {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut without_group = 0;
    for mep in roster {
        let Some(name) = mep.political_group.as_deref().map(group::canonical) else {
            without_group += 1;
            continue;
        };
        let entry = groups.entry(name.clone()).or_insert_with(|| Group { name, members: 0, seat_share: 0.0, countries: BTreeMap::new() });
        entry.members += 1;
        *entry.countries.entry(mep.country.clone().unwrap_or_else(|| "unknown".into())).or_default() += 1;
    }
    let total = roster.len();
    let mut groups: Vec<Group> = groups.into_values().collect();
    for g in &mut groups {
        g.seat_share = (g.members as f64 * 1000.0 / total.max(1) as f64).round() / 10.0;
    }
    groups.sort_by(|a, b| b.members.cmp(&a.members).then(a.name.cmp(&b.name)));
    Groups { groups, total_meps: total, without_group, endpoint: "meps/show-current", source: SOURCE }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mep(group: Option<&str>, country: &str) -> Mep {
        Mep {
            id: "1".into(),
            name: "x".into(),
            given_name: None,
            family_name: None,
            sort_label: None,
            country: Some(country.into()),
            political_group: group.map(str::to_string),
        }
    }

    #[test]
    fn counts_every_member_under_one_spelling() {
        let g = count(&[mep(Some("PPE"), "DE"), mep(Some("EPP"), "FR"), mep(Some("S&D"), "DE"), mep(None, "IT")]);
        assert_eq!((g.total_meps, g.without_group), (4, 1));
        assert_eq!(g.groups[0].name, "EPP");
        assert_eq!(g.groups[0].members, 2);
        assert_eq!(g.groups[0].seat_share, 50.0);
        assert_eq!(g.groups[0].countries["FR"], 1);
    }
}
