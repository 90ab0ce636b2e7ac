//! `compare_political_groups` and `analyze_coalition_dynamics`: how united each group
//! voted and how often groups voted alike, from the period's roll calls.

use std::collections::BTreeMap;

use guest_client::{Ep, Error, Tool, group, Dates};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::basis::Basis;
use crate::measure::{agreement, attendance, cohesion, loyalty};
use crate::metrics::mean;
use crate::read::period::{PERIOD, Period};
use crate::read::rollcalls::{self, RollCalls};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    VotingDiscipline,
    ActivityLevel,
    LegislativeOutput,
    Attendance,
    Cohesion,
}

const ALL: [Dimension; 5] =
    [Dimension::VotingDiscipline, Dimension::ActivityLevel, Dimension::LegislativeOutput, Dimension::Attendance, Dimension::Cohesion];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CompareParams {
    /// Two to ten political groups, e.g. `["EPP", "S&D", "Renew"]`.
    #[schemars(length(min = 2, max = 10), inner(length(min = 1, max = 50)))]
    group_ids: Vec<String>,
    /// Which measures (default: all).
    dimensions: Option<Vec<Dimension>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupFigures {
    pub group: String,
    /// Current members (roster).
    pub members: usize,
    /// Mean Agreement Index (0–1) over `cohesionRollCalls`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cohesion: Option<Option<f64>>,
    /// Roll calls in which at least two members voted.
    pub cohesion_roll_calls: usize,
    /// Mean of the members' loyalty (votes with the group's position / votes where it had one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voting_discipline: Option<Option<f64>>,
    /// Mean of the members' attendance rates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendance: Option<Option<f64>>,
    /// Not computable from these records: always null when asked for (see dataQualityWarnings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_level: Option<Option<f64>>,
    /// Not computable from these records: always null when asked for (see dataQualityWarnings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legislative_output: Option<Option<f64>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub dimensions: Vec<Dimension>,
    pub groups: Vec<GroupFigures>,
    /// Per computed dimension, the groups from highest to lowest (groups without a value left out).
    pub rankings: BTreeMap<String, Vec<String>>,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const COMPARE_METHOD: &str = "Cohesion: mean Agreement Index (Hix, Noury and Roland: (max − (total − max)/2) / total \
    over the group's for/against/abstain counts) over roll calls where ≥ 2 members voted. Voting discipline: mean over \
    members of votes cast with the group's position (strict plurality, ≥ 2 members voting) / votes cast where it had \
    one. Attendance: mean over members of roll calls voted in / roll calls held. Group = current group \
    (/meps/show-current).";

pub fn compare_tool() -> Tool {
    Tool::with(
        "compare_political_groups",
        "Compare political groups",
        "Political groups side by side over a period's plenary roll-call votes: cohesion (Agreement Index), voting \
         discipline (members voting with their group's position) and attendance, each computed from the EP's per-MEP \
         voter lists, with rankings. Activity level and legislative output cannot be computed from these records and \
         are returned as null with a warning.",
        crate::read::rollcalls::EGRESS,
        PERIOD, run_compare,
    )
}

/// The canonical names of `ids`, each once, with a warning for groups without current members.
pub(crate) fn groups_asked(data: &RollCalls, ids: &[String], warnings: &mut Vec<String>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for id in ids {
        let name = group::canonical(id);
        if !names.contains(&name) {
            if !data.groups().contains(name.as_str()) {
                warnings.push(format!("Group '{name}' has no current member in /meps/show-current: its figures are null."));
            }
            names.push(name);
        }
    }
    names
}

fn run_compare(ep: &Ep, p: CompareParams, dates: Dates) -> Result<Comparison, Error> {
    let period = Period::new(dates.from.as_deref(), dates.to.as_deref())?;
    let data = rollcalls::load(ep, &period)?;
    let mut warnings = Vec::new();
    let names = groups_asked(&data, &p.group_ids, &mut warnings);
    if names.len() < 2 {
        return Err(Error::invalid("groupIds must name at least two different groups"));
    }
    let mut dimensions = p.dimensions.unwrap_or_else(|| ALL.to_vec());
    dimensions.sort();
    dimensions.dedup();
    let asked = |d: Dimension| dimensions.contains(&d);
    if asked(Dimension::ActivityLevel) {
        warnings.push("activity_level: the EP records read hold no measure of activity beyond roll-call voting (see attendance); null.".into());
    }
    if asked(Dimension::LegislativeOutput) {
        warnings.push("legislative_output: rapporteurships and authored texts are not linked to MEPs in the records read; null.".into());
    }
    let groups: Vec<GroupFigures> = names
        .iter()
        .map(|name| {
            let members: Vec<&String> = data.members_of(name).collect();
            let (cohesion_roll_calls, cohesion) = cohesion(&data, name);
            let loyalties: Vec<f64> = members.iter().filter_map(|id| loyalty(&data, id).2).collect();
            let attendances: Vec<f64> = members.iter().filter_map(|id| attendance(&data, id).2).collect();
            let pick = |d: Dimension, value: Option<f64>| asked(d).then_some(value);
            GroupFigures {
                group: name.clone(),
                members: members.len(),
                cohesion: pick(Dimension::Cohesion, cohesion),
                cohesion_roll_calls,
                voting_discipline: pick(Dimension::VotingDiscipline, mean(&loyalties)),
                attendance: pick(Dimension::Attendance, mean(&attendances)),
                activity_level: pick(Dimension::ActivityLevel, None),
                legislative_output: pick(Dimension::LegislativeOutput, None),
            }
        })
        .collect();
    let mut rankings = BTreeMap::new();
    for (dimension, value) in [
        (Dimension::Cohesion, (|g: &GroupFigures| g.cohesion.flatten()) as fn(&GroupFigures) -> Option<f64>),
        (Dimension::VotingDiscipline, |g| g.voting_discipline.flatten()),
        (Dimension::Attendance, |g| g.attendance.flatten()),
    ] {
        if asked(dimension) {
            let mut ranked: Vec<(&GroupFigures, f64)> = groups.iter().filter_map(|g| value(g).map(|v| (g, v))).collect();
            ranked.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal).then(a.0.group.cmp(&b.0.group)));
            let key = serde_json::to_value(dimension).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            rankings.insert(key, ranked.into_iter().map(|(g, _)| g.group.clone()).collect());
        }
    }
    Ok(Comparison { dimensions, groups, rankings, basis: Basis::new(period, &data, COMPARE_METHOD, warnings) })
}

fn half() -> f64 {
    0.5
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CoalitionParams {
    /// Groups to analyse (default: every group of the current roster), e.g. `["EPP", "S&D"]`.
    #[schemars(length(min = 1, max = 10), inner(length(min = 1, max = 50)))]
    group_ids: Option<Vec<String>>,
    /// Groups at or above this cohesion are listed as cohesive.
    #[serde(default = "half")]
    #[schemars(range(min = 0.0, max = 1.0))]
    minimum_cohesion: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupCohesion {
    pub group: String,
    pub members: usize,
    /// Mean Agreement Index over `rollCalls`; null when no roll call had two of its members voting.
    pub cohesion: Option<f64>,
    pub roll_calls: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pair {
    pub groups: [String; 2],
    /// Roll calls where both groups had a position (strict plurality of their voting members).
    pub roll_calls_compared: usize,
    /// Of those, roll calls where the positions were the same.
    pub same_position: usize,
    /// samePosition / rollCallsCompared; null when none was compared.
    pub agreement: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Coalitions {
    pub groups: Vec<GroupCohesion>,
    /// Every pair, highest agreement first (pairs without a value last).
    pub pairs: Vec<Pair>,
    /// Groups whose cohesion is at least minimumCohesion.
    pub cohesive_groups: Vec<String>,
    pub minimum_cohesion: f64,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const COALITION_METHOD: &str = "Pairwise agreement: of the roll calls where both groups had a position (strict \
    plurality of their members' for/against/abstain votes), the share where the positions were the same. Cohesion: \
    mean Agreement Index (Hix, Noury and Roland) over roll calls where ≥ 2 members voted. Group = current group \
    (/meps/show-current).";

pub fn coalition_tool() -> Tool {
    Tool::with(
        "analyze_coalition_dynamics",
        "Coalition dynamics",
        "How often political groups took the same position in a period's plenary roll-call votes (pairwise \
         agreement) and how united each voted (Agreement Index). Every figure \
         carries the number of roll calls it rests on.",
        crate::read::rollcalls::EGRESS,
        PERIOD, run_coalition,
    )
}

pub(crate) fn run_coalition(ep: &Ep, p: CoalitionParams, dates: Dates) -> Result<Coalitions, Error> {
    if !(0.0..=1.0).contains(&p.minimum_cohesion) {
        return Err(Error::invalid("minimumCohesion must be between 0 and 1"));
    }
    let period = Period::new(dates.from.as_deref(), dates.to.as_deref())?;
    let data = rollcalls::load(ep, &period)?;
    let mut warnings = Vec::new();
    let names = match &p.group_ids {
        Some(ids) => groups_asked(&data, ids, &mut warnings),
        None => data.groups().into_iter().map(str::to_string).collect(),
    };
    let groups: Vec<GroupCohesion> = names
        .iter()
        .map(|name| {
            let (roll_calls, cohesion) = cohesion(&data, name);
            GroupCohesion { group: name.clone(), members: data.members_of(name).count(), cohesion, roll_calls }
        })
        .collect();
    let mut pairs = Vec::new();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            let (same_position, roll_calls_compared, agreement) = agreement(&data, a, b);
            pairs.push(Pair { groups: [a.clone(), b.clone()], roll_calls_compared, same_position, agreement });
        }
    }
    pairs.sort_by(|x, y| y.agreement.partial_cmp(&x.agreement).unwrap_or(std::cmp::Ordering::Equal).then(x.groups.cmp(&y.groups)));
    let cohesive_groups = groups.iter().filter(|g| g.cohesion.is_some_and(|c| c >= p.minimum_cohesion)).map(|g| g.group.clone()).collect();
    Ok(Coalitions {
        groups,
        pairs,
        cohesive_groups,
        minimum_cohesion: p.minimum_cohesion,
        basis: Basis::new(period, &data, COALITION_METHOD, warnings),
    })
}
