//! `detect_voting_anomalies`: MEPs who break with their group markedly more often than
//! their group's members do on average, with the roll calls as evidence.

use guest_client::args::MEP_ID_PATTERN;
use guest_client::{Ep, Error, Tool, args, group, Dates};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::basis::Basis;
use crate::measure::loyalty;
use crate::metrics::{mean, ratio};
use crate::read::period::{PERIOD, Period};
use crate::read::rollcalls::{self, RollCalls};

fn point_three() -> f64 {
    0.3
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One MEP (person id); excludes groupId.
    #[schemars(length(min = 1, max = 100), pattern(MEP_ID_PATTERN))]
    mep_id: Option<String>,
    /// The members of one group; excludes mepId. Neither: every current MEP.
    #[schemars(length(min = 1, max = 50))]
    group_id: Option<String>,
    /// How far above their group's average defection rate an MEP's must be to count.
    #[serde(default = "point_three")]
    #[schemars(range(min = 0.0, max = 1.0))]
    sensitivity_threshold: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Anomaly {
    pub mep_id: String,
    pub name: String,
    pub group: String,
    /// Always `PARTY_DEFECTION`: the one anomaly these records measure.
    pub r#type: &'static str,
    /// Roll calls decisive for the group in which the MEP voted.
    pub decisive_roll_calls: usize,
    pub defections: usize,
    pub defection_rate: f64,
    /// The mean defection rate of the group's members (the baseline).
    pub group_baseline: f64,
    /// The roll calls where the MEP voted otherwise than the group (at most 50).
    pub evidence_vote_ids: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Anomalies {
    /// Largest excess over the baseline first.
    pub anomalies: Vec<Anomaly>,
    /// MEPs examined (with a group and at least one decisive roll call).
    pub meps_examined: usize,
    pub sensitivity_threshold: f64,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const METHOD: &str = "For each MEP with a current group: defection rate = votes cast against the group's position / \
    votes cast in roll calls decisive for the group (≥ 2 members voting, a strict plurality). Baseline = the mean \
    defection rate of the group's members. An MEP is reported when defection rate − baseline > sensitivityThreshold. \
    Abstention spikes and alignment shifts are not reported: they would need a stated baseline period the tool does not take.";

pub fn tool() -> Tool {
    Tool::with(
        "detect_voting_anomalies",
        "Voting anomalies",
        "MEPs who voted against their political group's position markedly more often than their group's members do on \
         average (party defection above a stated threshold), over a period's plenary roll calls, with the roll calls as \
         evidence.",
        crate::read::rollcalls::EGRESS,
        PERIOD, run,
    )
}

/// (decisive roll calls, defections, rate, evidence) of an MEP.
fn defections(data: &RollCalls, mep: &str) -> Option<(usize, usize, f64, Vec<String>)> {
    let (with, counted, _, evidence) = loyalty(data, mep);
    let rate = ratio(counted - with, counted)?;
    Some((counted, counted - with, rate, evidence))
}

fn run(ep: &Ep, p: Params, dates: Dates) -> Result<Anomalies, Error> {
    if p.mep_id.is_some() && p.group_id.is_some() {
        return Err(Error::invalid("mepId and groupId exclude each other"));
    }
    if !(0.0..=1.0).contains(&p.sensitivity_threshold) {
        return Err(Error::invalid("sensitivityThreshold must be between 0 and 1"));
    }
    let period = Period::new(dates.from.as_deref(), dates.to.as_deref())?;
    let mep = p.mep_id.as_deref().map(args::mep_id).transpose()?.map(|id| id.to_string());
    let data = rollcalls::load(ep, &period)?;
    let wanted_group = p.group_id.as_deref().map(group::canonical);
    let scope: Vec<String> = data
        .members
        .iter()
        .filter(|(id, _)| mep.as_ref().is_none_or(|wanted| wanted == *id))
        .filter(|(_, m)| wanted_group.is_none() || m.group == wanted_group)
        .map(|(id, _)| id.clone())
        .collect();
    if let Some(id) = &mep
        && scope.is_empty()
    {
        return Err(Error::NotFound(format!("MEP {id} is not a current MEP: without a group there is no defection to measure")));
    }
    let mut anomalies = Vec::new();
    let mut examined = 0;
    for id in &scope {
        let Some(group) = data.group_of(id) else { continue };
        let Some((decisive, defected, rate, evidence)) = defections(&data, id) else { continue };
        examined += 1;
        let rates: Vec<f64> = data.members_of(group).filter_map(|m| defections(&data, m).map(|d| d.2)).collect();
        let baseline = mean(&rates).unwrap_or(0.0);
        if rate - baseline > p.sensitivity_threshold {
            anomalies.push(Anomaly {
                mep_id: id.clone(),
                name: data.members[id].name.clone(),
                group: group.to_string(),
                r#type: "PARTY_DEFECTION",
                decisive_roll_calls: decisive,
                defections: defected,
                defection_rate: rate,
                group_baseline: baseline,
                evidence_vote_ids: evidence.into_iter().take(50).collect(),
            });
        }
    }
    anomalies.sort_by(|a, b| {
        let excess = |x: &Anomaly| x.defection_rate - x.group_baseline;
        excess(b).partial_cmp(&excess(a)).unwrap_or(std::cmp::Ordering::Equal).then(a.mep_id.cmp(&b.mep_id))
    });
    Ok(Anomalies {
        anomalies,
        meps_examined: examined,
        sensitivity_threshold: p.sensitivity_threshold,
        basis: Basis::new(period, &data, METHOD, Vec::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::rollcalls::built;

    #[test]
    fn a_defector_stands_out_from_the_group_baseline() {
        // EPP has three members; 3 breaks with the other two in two of three roll calls.
        let data = built(
            &[("1", "EPP"), ("2", "EPP"), ("3", "EPP")],
            &[("A", &["1", "2"], &["3"], &[]), ("B", &["1", "2", "3"], &[], &[]), ("C", &[], &["1", "2"], &["3"])],
        );
        assert_eq!(defections(&data, "3"), Some((3, 2, 2.0 / 3.0, vec!["A".to_string(), "C".to_string()])));
        assert_eq!(defections(&data, "1"), Some((3, 0, 0.0, vec![])));
        // Baseline = (0 + 0 + 2/3) / 3 = 2/9; 2/3 − 2/9 = 4/9 > 0.3 (exact: 0.4444, not 0.6667 − 0.2222 = 0.4445).
        let rates: Vec<f64> = ["1", "2", "3"].iter().filter_map(|m| defections(&data, m).map(|d| d.2)).collect();
        assert_eq!(mean(&rates), Some(2.0 / 9.0));
    }
}
