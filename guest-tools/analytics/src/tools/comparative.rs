//! `comparative_intelligence`: several MEPs side by side over a period's roll calls, and
//! how often each pair voted alike.

use guest_client::args::{self, MEP_ID_PATTERN};
use guest_client::{Ep, Error, Tool, Dates};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::basis::Basis;
use crate::measure::{attendance, loyalty};
use crate::read::period::{PERIOD, Period};
use crate::read::rollcalls;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Voting,
    Committee,
    Legislative,
    Attendance,
}

fn all_dimensions() -> Vec<Dimension> {
    vec![Dimension::Voting, Dimension::Committee, Dimension::Legislative, Dimension::Attendance]
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// Two to ten MEPs by person id (`124936`, `MEP-124936` or `person/124936`), as every MEP id.
    #[schemars(length(min = 2, max = 10), inner(pattern(MEP_ID_PATTERN)))]
    mep_ids: Vec<String>,
    /// What to compare (default: all four).
    #[serde(default = "all_dimensions")]
    dimensions: Vec<Dimension>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MepProfile {
    pub mep_id: String,
    pub name: Option<String>,
    pub group: Option<String>,
    /// `voting`: loyalty to the MEP's group (see docs/METHODS.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voting: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendance: Option<Option<f64>>,
    /// Not computable from the records read: null when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committee: Option<Option<f64>>,
    /// Not computable from the records read: null when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legislative: Option<Option<f64>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PairAgreement {
    pub meps: [String; 2],
    /// Roll calls both voted in.
    pub both_voted: usize,
    pub same_vote: usize,
    /// sameVote / bothVoted; null when they never voted in the same roll call.
    pub agreement: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub dimensions: Vec<Dimension>,
    pub meps: Vec<MepProfile>,
    /// Every pair, in the order of mepIds.
    pub co_voting: Vec<PairAgreement>,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const METHOD: &str = "Per MEP: voting = loyalty (votes with the group's position / votes where it had one, ≥ 2 members \
    voting); attendance = roll calls voted in / held. Co-voting agreement of two MEPs = roll calls where they cast the same \
    vote / roll calls both voted in. Committee and legislative work are not in the records read (null).";

pub fn tool() -> Tool {
    Tool::with(
        "comparative_intelligence",
        "Compare MEPs",
        "Two to ten MEPs side by side over a period's plenary roll-call votes: loyalty to their groups, attendance, and \
         how often each pair voted alike. Committee and legislative dimensions are \
         null with a warning: the records read do not hold them.",
        crate::read::rollcalls::EGRESS,
        PERIOD, run,
    )
}

fn run(ep: &Ep, p: Params, dates: Dates) -> Result<Comparison, Error> {
    let period = Period::new(dates.from.as_deref(), dates.to.as_deref())?;
    let mut ids: Vec<String> = Vec::new();
    for id in p.mep_ids.iter().map(|id| args::mep_id(id).map(|n| n.to_string())) {
        let id = id?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() < 2 {
        return Err(Error::invalid("mepIds must name at least two different MEPs"));
    }
    let mut dimensions = p.dimensions;
    dimensions.sort();
    dimensions.dedup();
    let data = rollcalls::load(ep, &period)?;
    let mut warnings = Vec::new();
    let asked = |d: Dimension| dimensions.contains(&d);
    if asked(Dimension::Committee) {
        warnings.push("committee: committee work is not in the records read; null.".into());
    }
    if asked(Dimension::Legislative) {
        warnings.push("legislative: rapporteurships and authored texts are not linked to MEPs in the records read; null.".into());
    }
    for id in &ids {
        if !data.members.contains_key(id) {
            warnings.push(format!("MEP {id} is not in the current roster: no group."));
        }
    }
    let meps = ids
        .iter()
        .map(|id| {
            let member = data.members.get(id);
            MepProfile {
                mep_id: id.clone(),
                name: member.map(|m| m.name.clone()),
                group: member.and_then(|m| m.group.clone()),
                voting: asked(Dimension::Voting).then(|| loyalty(&data, id).2),
                attendance: asked(Dimension::Attendance).then(|| attendance(&data, id).2),
                committee: asked(Dimension::Committee).then_some(None),
                legislative: asked(Dimension::Legislative).then_some(None),
            }
        })
        .collect();
    let ballots = data.ballots();
    let ballot = |id: &str| ballots.get(id).map_or(&[][..], Vec::as_slice);
    let mut co_voting = Vec::new();
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            let (same_vote, both_voted, agreement) = rollcalls::co_voting(ballot(a), ballot(b));
            co_voting.push(PairAgreement { meps: [a.clone(), b.clone()], both_voted, same_vote, agreement });
        }
    }
    Ok(Comparison { dimensions, meps, co_voting, basis: Basis::new(period, &data, METHOD, warnings) })
}
