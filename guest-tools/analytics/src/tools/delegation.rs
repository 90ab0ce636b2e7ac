//! `analyze_country_delegation`: a country's MEPs over a period's roll calls — their
//! groups, attendance, loyalty to their groups, and how united the delegation voted.

use std::collections::BTreeMap;

use guest_client::{Ep, Error, Tool, Dates};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::basis::Basis;
use crate::measure::{attendance, cohesion_where, loyalty};
use crate::metrics::mean;
use crate::read::period::{PERIOD, Period};
use crate::read::rollcalls;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// ISO 3166 alpha-2 as the EP writes it (`EL` for Greece, `DE`, `FR` …).
    #[schemars(pattern(r"^[A-Z]{2}$"))]
    country: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DelegationMember {
    pub id: String,
    pub name: String,
    pub group: Option<String>,
    pub attendance_rate: Option<f64>,
    /// Votes with their group's position / votes where it had one (see docs/METHODS.md).
    pub loyalty: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delegation {
    pub country: String,
    /// Current MEPs of the country.
    pub members: usize,
    /// Members per political group, by group name.
    pub groups: BTreeMap<String, usize>,
    /// Mean attendance rate of the members.
    pub attendance_rate: Option<f64>,
    /// Mean Agreement Index of the delegation itself over `cohesionRollCalls` (roll calls
    /// where ≥ 2 of its members voted): how united the country's MEPs voted across groups.
    pub cohesion: Option<f64>,
    pub cohesion_roll_calls: usize,
    /// Mean of the members' loyalty to their own groups.
    pub group_loyalty: Option<f64>,
    pub meps: Vec<DelegationMember>,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const METHOD: &str = "Delegation = current MEPs whose country of representation is the country \
    (/meps/show-current). Cohesion: mean Agreement Index (Hix, Noury and Roland) of the delegation's for/against/abstain \
    counts over roll calls where ≥ 2 of them voted. Attendance and loyalty per member as in docs/METHODS.md.";

pub fn tool() -> Tool {
    Tool::with(
        "analyze_country_delegation",
        "Country delegation",
        "A member state's MEPs over a period's plenary roll-call votes: their groups, attendance, loyalty to their own \
         groups, and how united the delegation voted across groups (Agreement Index).",
        crate::read::rollcalls::EGRESS,
        PERIOD, run,
    )
}

fn run(ep: &Ep, p: Params, dates: Dates) -> Result<Delegation, Error> {
    let period = Period::new(dates.from.as_deref(), dates.to.as_deref())?;
    let data = rollcalls::load(ep, &period)?;
    let ids: Vec<&String> = data.members.iter().filter(|(_, m)| m.country.as_deref() == Some(p.country.as_str())).map(|(id, _)| id).collect();
    if ids.is_empty() {
        return Err(Error::NotFound(format!("no current MEP represents '{}' (codes as the EP writes them, e.g. EL for Greece)", p.country)));
    }
    let mut warnings = Vec::new();
    let (cohesion_roll_calls, cohesion) = cohesion_where(&data, |id| ids.iter().any(|d| *d == id));
    if cohesion.is_none() {
        warnings.push("cohesion: no roll call had two members of the delegation voting; null.".into());
    }
    let mut groups = BTreeMap::new();
    let meps: Vec<DelegationMember> = ids
        .iter()
        .map(|id| {
            let member = &data.members[*id];
            if let Some(group) = &member.group {
                *groups.entry(group.clone()).or_insert(0) += 1;
            }
            DelegationMember {
                id: id.to_string(),
                name: member.name.clone(),
                group: member.group.clone(),
                attendance_rate: attendance(&data, id).2,
                loyalty: loyalty(&data, id).2,
            }
        })
        .collect();
    let values = |f: fn(&DelegationMember) -> Option<f64>| meps.iter().filter_map(f).collect::<Vec<f64>>();
    Ok(Delegation {
        country: p.country,
        members: meps.len(),
        groups,
        attendance_rate: mean(&values(|m| m.attendance_rate)),
        cohesion,
        cohesion_roll_calls,
        group_loyalty: mean(&values(|m| m.loyalty)),
        meps,
        basis: Basis::new(period, &data, METHOD, warnings),
    })
}
