//! `analyze_voting_patterns`: how one MEP voted over a period, against their group and
//! the other groups.

use guest_client::args::MEP_ID_PATTERN;
use guest_client::{Ep, Error, Tool, args, Dates};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::basis::Basis;
use crate::measure::{alignment, attendance, loyalty};
use crate::metrics::{Position, index};
use crate::read::period::{PERIOD, Period};
use crate::read::rollcalls;

fn yes() -> bool {
    true
}

/// Defections listed at most.
const MAX_DEFECTIONS: usize = 50;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// Person id, e.g. 124936 (from get_meps).
    #[schemars(length(min = 1, max = 100), pattern(MEP_ID_PATTERN))]
    mep_id: String,
    /// Compare with the MEP's own group and the other groups.
    #[serde(default = "yes")]
    compare_with_group: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Positions {
    pub r#for: usize,
    pub against: usize,
    pub abstain: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupLine {
    /// Roll calls where the MEP's group had a position (≥ 2 members voting) and the MEP voted.
    pub roll_calls_compared: usize,
    pub with_group: usize,
    /// withGroup / rollCallsCompared; null when none was compared.
    pub loyalty: Option<f64>,
    /// Roll calls where the MEP voted otherwise than their group (at most 50).
    pub defections: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OtherGroup {
    pub group: String,
    /// Roll calls where the MEP voted and the group had a position.
    pub roll_calls_compared: usize,
    pub same_position: usize,
    pub agreement: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VotingPatterns {
    pub mep_id: String,
    pub name: Option<String>,
    pub group: Option<String>,
    pub roll_calls: usize,
    pub voted: usize,
    /// voted / rollCalls; null when no roll call was held.
    pub participation_rate: Option<f64>,
    pub positions: Positions,
    /// Omitted when compareWithGroup is false; null when the MEP has no current group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_line: Option<Option<GroupLine>>,
    /// Agreement with each other group's position, highest first (when compareWithGroup).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_groups: Vec<OtherGroup>,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const METHOD: &str = "Positions counted from the voter lists of /meetings/{sitting-id}/decisions. Loyalty: votes \
    cast with the MEP's group's position (strict plurality of its members' votes, ≥ 2 members voting) / votes cast \
    where it had one. Agreement with another group: votes cast equal to that group's position / votes cast where it \
    had one. Group = current group (/meps/show-current).";

pub fn tool() -> Tool {
    Tool::with(
        "analyze_voting_patterns",
        "MEP voting patterns",
        "One MEP's plenary roll-call votes over a period — for, against, abstain, participation — and, by default, how \
         often they voted with their own group's position (listing the roll calls where they did not) and with each \
         other group's.",
        crate::read::rollcalls::EGRESS,
        PERIOD, run,
    )
}

pub(crate) fn run(ep: &Ep, p: Params, dates: Dates) -> Result<VotingPatterns, Error> {
    let period = Period::new(dates.from.as_deref(), dates.to.as_deref())?;
    let id = args::mep_id(&p.mep_id)?.to_string();
    let data = rollcalls::load(ep, &period)?;
    let member = data.members.get(&id);
    let mut warnings = Vec::new();
    if member.is_none() {
        if data.voter(&id).is_none() {
            return Err(Error::NotFound(format!("MEP {id} is not a current MEP and cast no roll-call vote in the period")));
        }
        warnings.push(format!("MEP {id} is not in the current roster: no group to compare with."));
    }
    let mut counts = [0; 3];
    for vote in &data.votes {
        if let Some(position) = data.position(vote, &id) {
            counts[index(position)] += 1;
        }
    }
    let (voted, held, participation_rate) = attendance(&data, &id);
    let own = data.group_of(&id).map(str::to_string);
    let (group_line, other_groups) = if p.compare_with_group {
        let line = own.as_ref().map(|_| {
            let (with_group, roll_calls_compared, loyalty, mut defections) = loyalty(&data, &id);
            defections.truncate(MAX_DEFECTIONS);
            GroupLine { roll_calls_compared, with_group, loyalty, defections }
        });
        let mut others: Vec<OtherGroup> = data
            .groups()
            .into_iter()
            .filter(|g| Some(*g) != own.as_deref())
            .map(|g| {
                let (same_position, roll_calls_compared, agreement) = alignment(&data, &id, g);
                OtherGroup { group: g.to_string(), roll_calls_compared, same_position, agreement }
            })
            .collect();
        others.sort_by(|a, b| b.agreement.partial_cmp(&a.agreement).unwrap_or(std::cmp::Ordering::Equal).then(a.group.cmp(&b.group)));
        (Some(line), others)
    } else {
        (None, Vec::new())
    };
    Ok(VotingPatterns {
        name: member.map(|m| m.name.clone()),
        group: own,
        mep_id: id,
        roll_calls: held,
        voted,
        participation_rate,
        positions: Positions {
            r#for: counts[index(Position::For)],
            against: counts[index(Position::Against)],
            abstain: counts[index(Position::Abstain)],
        },
        group_line,
        other_groups,
        basis: Basis::new(period, &data, METHOD, warnings),
    })
}
