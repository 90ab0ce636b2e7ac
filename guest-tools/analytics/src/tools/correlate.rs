//! `correlate_intelligence`: for a few MEPs (and optionally groups), the signals of the
//! other analyses side by side — attendance, defection against the group baseline, the
//! group each MEP votes most like — and an alert wherever one crosses its stated threshold.

use guest_client::args::{self, MEP_ID_PATTERN};
use guest_client::{Ep, Error, Tool, group, Dates};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::basis::Basis;
use crate::measure::{agreement, alignment, attendance, loyalty, voting_partners};
use crate::metrics::mean;
use crate::read::period::{PERIOD, Period};
use crate::read::rollcalls::{self, RollCalls};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Sensitivity {
    High,
    #[default]
    Medium,
    Low,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One to five MEPs (person ids).
    #[schemars(length(min = 1, max = 5), inner(length(min = 1, max = 100), pattern(MEP_ID_PATTERN)))]
    mep_ids: Vec<String>,
    /// Groups whose pairwise agreement to check (at most 8).
    #[schemars(length(max = 8), inner(length(min = 1, max = 50)))]
    groups: Option<Vec<String>>,
    /// How readily an alert is raised: HIGH flags smaller deviations (default MEDIUM).
    #[serde(default)]
    sensitivity_level: Sensitivity,
    /// Also count each MEP's voting partners (co-voting ≥ 70 % over ≥ 3 shared roll calls).
    #[serde(default)]
    include_network_analysis: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Thresholds {
    /// Attendance below this raises LOW_ATTENDANCE.
    pub attendance: f64,
    /// Defection rate above the group baseline by more than this raises PARTY_DEFECTION.
    pub defection_excess: f64,
    /// Two groups agreeing less than this raise COALITION_FRACTURE.
    pub group_agreement: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub mep_id: String,
    pub name: Option<String>,
    pub group: Option<String>,
    pub attendance: Option<f64>,
    pub defection_rate: Option<f64>,
    /// Mean defection rate of the group's members.
    pub group_baseline: Option<f64>,
    /// The other group whose positions the MEP matched most often, and how often.
    pub closest_other_group: Option<String>,
    pub closest_other_group_agreement: Option<f64>,
    /// With includeNetworkAnalysis: MEPs voting like this one (co-voting ≥ 0.7, ≥ 3 shared roll calls).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voting_partners: Option<usize>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// `LOW_ATTENDANCE`, `PARTY_DEFECTION`, `CLOSER_TO_ANOTHER_GROUP` or `COALITION_FRACTURE`.
    pub r#type: &'static str,
    /// The MEP or the pair of groups.
    pub subject: String,
    pub value: f64,
    pub threshold: f64,
    pub evidence: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Correlation {
    pub sensitivity_level: Sensitivity,
    pub thresholds: Thresholds,
    pub profiles: Vec<Profile>,
    pub alerts: Vec<Alert>,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const METHOD: &str = "Per MEP: attendance, defection rate (1 − loyalty) against the mean of the group's members, and \
    agreement with each other group's position (docs/METHODS.md). Alerts: LOW_ATTENDANCE below the attendance threshold; \
    PARTY_DEFECTION when the defection rate exceeds the baseline by more than the threshold; CLOSER_TO_ANOTHER_GROUP when \
    agreement with another group's position exceeds loyalty to the own group; COALITION_FRACTURE when two of the given \
    groups agree less than the threshold. Thresholds (attendance, defection excess, group agreement): HIGH 0.85, 0.1, 0.7; \
    MEDIUM 0.7, 0.2, 0.5; LOW 0.5, 0.3, 0.3.";

pub fn tool() -> Tool {
    Tool::with(
        "correlate_intelligence",
        "Correlated signals",
        "For one to five MEPs (and optionally groups), the signals of the vote analyses side by side — attendance, \
         defection against the group baseline, the other group they vote most like, voting partners — and an alert \
         wherever one crosses its stated threshold, each with its value and evidence.",
        crate::read::rollcalls::EGRESS,
        PERIOD, run,
    )
}

fn defection(data: &RollCalls, mep: &str) -> Option<f64> {
    loyalty(data, mep).2.map(|l| 1.0 - l)
}

fn run(ep: &Ep, p: Params, dates: Dates) -> Result<Correlation, Error> {
    let thresholds = match p.sensitivity_level {
        Sensitivity::High => Thresholds { attendance: 0.85, defection_excess: 0.1, group_agreement: 0.7 },
        Sensitivity::Medium => Thresholds { attendance: 0.7, defection_excess: 0.2, group_agreement: 0.5 },
        Sensitivity::Low => Thresholds { attendance: 0.5, defection_excess: 0.3, group_agreement: 0.3 },
    };
    let period = Period::new(dates.from.as_deref(), dates.to.as_deref())?;
    let mut ids: Vec<String> = Vec::new();
    for raw in &p.mep_ids {
        let id = args::mep_id(raw)?.to_string();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let data = rollcalls::load(ep, &period)?;
    let ballots = p.include_network_analysis.then(|| data.ballots());
    let mut warnings = Vec::new();
    let mut alerts = Vec::new();
    let mut profiles = Vec::new();
    for id in &ids {
        let member = data.members.get(id);
        if member.is_none() {
            warnings.push(format!("MEP {id} is not in the current roster: no group."));
        }
        let own = data.group_of(id);
        let (voted, held, rate) = attendance(&data, id);
        if let Some(value) = rate.filter(|r| *r < thresholds.attendance) {
            alerts.push(Alert { r#type: "LOW_ATTENDANCE", subject: id.clone(), value, threshold: thresholds.attendance, evidence: format!("voted in {voted} of {held} roll calls") });
        }
        let (_, _, loyal, defections) = loyalty(&data, id);
        let defection_rate = loyal.map(|l| 1.0 - l);
        let group_baseline = own.and_then(|g| mean(&data.members_of(g).filter_map(|m| defection(&data, m)).collect::<Vec<_>>()));
        if let (Some(rate), Some(base)) = (defection_rate, group_baseline)
            && rate - base > thresholds.defection_excess
        {
            alerts.push(Alert {
                r#type: "PARTY_DEFECTION",
                subject: id.clone(),
                value: rate,
                threshold: base + thresholds.defection_excess,
                evidence: format!("voted against the group's position in {}", defections.join(", ")),
            });
        }
        let closest = data
            .groups()
            .into_iter()
            .filter(|g| Some(*g) != own)
            .filter_map(|g| alignment(&data, id, g).2.map(|a| (g.to_string(), a)))
            .max_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal).then(b.0.cmp(&a.0)));
        if let (Some((g, a)), Some(l)) = (&closest, loyal)
            && *a > l
        {
            alerts.push(Alert {
                r#type: "CLOSER_TO_ANOTHER_GROUP",
                subject: id.clone(),
                value: *a,
                threshold: l,
                evidence: format!("matched {g}'s position more often ({a}) than the own group's ({l})"),
            });
        }
        let voting_partners = ballots.as_ref().map(|b| voting_partners(b, id).1.len());
        profiles.push(Profile {
            mep_id: id.clone(),
            name: member.map(|m| m.name.clone()),
            group: own.map(str::to_string),
            attendance: rate,
            defection_rate,
            group_baseline,
            closest_other_group_agreement: closest.as_ref().map(|c| c.1),
            closest_other_group: closest.map(|c| c.0),
            voting_partners,
        });
    }
    let names: Vec<String> = p.groups.iter().flatten().map(|g| group::canonical(g)).collect();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            let (same, compared, value) = agreement(&data, a, b);
            if let Some(value) = value.filter(|v| *v < thresholds.group_agreement) {
                alerts.push(Alert {
                    r#type: "COALITION_FRACTURE",
                    subject: format!("{a} / {b}"),
                    value,
                    threshold: thresholds.group_agreement,
                    evidence: format!("same position in {same} of {compared} roll calls"),
                });
            }
        }
    }
    Ok(Correlation { sensitivity_level: p.sensitivity_level, thresholds, profiles, alerts, basis: Basis::new(period, &data, METHOD, warnings) })
}
