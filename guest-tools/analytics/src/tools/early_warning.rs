//! `early_warning_system`: thresholds crossed in the last 30 days of roll calls and in the
//! current composition — groups voting disunited, MEPs rarely voting, and a Parliament no
//! two groups can carry — each with its value, its threshold and its evidence.

use guest_client::args::DATE_PATTERN;
use guest_client::{Ep, Error, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::basis::Basis;
use crate::measure::{attendance, cohesion};
use crate::read::period::Period;
use crate::read::rollcalls;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    Low,
    #[default]
    Medium,
    High,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FocusArea {
    Coalitions,
    Attendance,
    #[default]
    All,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// Thresholds: low flags only marked cases, high flags early ones (see thresholds in the result).
    #[serde(default)]
    sensitivity: Sensitivity,
    /// Which warnings to compute (default all).
    #[serde(default)]
    focus_area: FocusArea,
    /// Last day of the 30 days examined (default: today).
    #[schemars(pattern(DATE_PATTERN))]
    date_to: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Thresholds {
    /// A group whose cohesion is below this is flagged.
    pub cohesion: f64,
    /// An MEP whose attendance rate is below this is flagged.
    pub attendance: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    /// `LOW_GROUP_COHESION`, `LOW_ATTENDANCE` or `NO_TWO_GROUP_MAJORITY`.
    pub r#type: &'static str,
    /// The group or MEP concerned (`parliament` for the composition).
    pub subject: String,
    pub value: f64,
    pub threshold: f64,
    /// How many roll calls (or seats) the value rests on.
    pub evidence: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EarlyWarnings {
    pub sensitivity: Sensitivity,
    pub focus_area: FocusArea,
    pub thresholds: Thresholds,
    pub warnings: Vec<Warning>,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const METHOD: &str = "Over the 30 days up to dateTo. LOW_GROUP_COHESION: a group's mean Agreement Index (roll calls \
    with ≥ 2 members voting) below the cohesion threshold. LOW_ATTENDANCE: an MEP's roll calls voted in / held below the \
    attendance threshold. NO_TWO_GROUP_MAJORITY: the two largest groups' seats together below ⌊MEPs / 2⌋ + 1. Thresholds \
    (cohesion, attendance): low 0.5, 0.5; medium 0.6, 0.7; high 0.7, 0.85.";

pub fn tool() -> Tool {
    Tool::new(
        "early_warning_system",
        "Early warnings",
        "Thresholds crossed over the last 30 days of plenary roll calls and in the current composition: political groups \
         voting disunited (Agreement Index), MEPs rarely voting, no two groups holding a majority. Each warning carries its \
         value, its threshold and what it rests on.",
        crate::read::rollcalls::EGRESS,
        run,
    )
}

fn run(ep: &Ep, p: Params) -> Result<EarlyWarnings, Error> {
    let thresholds = match p.sensitivity {
        Sensitivity::Low => Thresholds { cohesion: 0.5, attendance: 0.5 },
        Sensitivity::Medium => Thresholds { cohesion: 0.6, attendance: 0.7 },
        Sensitivity::High => Thresholds { cohesion: 0.7, attendance: 0.85 },
    };
    let period = Period::ending(p.date_to.as_deref(), 30)?;
    let data = rollcalls::load(ep, &period)?;
    let mut warnings = Vec::new();
    let coalitions = matches!(p.focus_area, FocusArea::Coalitions | FocusArea::All);
    if coalitions {
        for group in data.groups() {
            if let (n, Some(value)) = cohesion(&data, group)
                && value < thresholds.cohesion
            {
                warnings.push(Warning {
                    r#type: "LOW_GROUP_COHESION",
                    subject: group.to_string(),
                    value,
                    threshold: thresholds.cohesion,
                    evidence: format!("{n} roll calls with two or more members voting"),
                });
            }
        }
        let mut seats: Vec<usize> = data.groups().iter().map(|g| data.members_of(g).count()).collect();
        seats.sort_unstable_by(|a, b| b.cmp(a));
        let majority = data.members.len() / 2 + 1;
        let top_two: usize = seats.iter().take(2).sum();
        if !data.members.is_empty() && top_two < majority {
            warnings.push(Warning {
                r#type: "NO_TWO_GROUP_MAJORITY",
                subject: "parliament".into(),
                value: top_two as f64,
                threshold: majority as f64,
                evidence: format!("the two largest groups hold {top_two} of {} seats", data.members.len()),
            });
        }
    }
    if matches!(p.focus_area, FocusArea::Attendance | FocusArea::All) {
        for id in data.members.keys() {
            if let (voted, held, Some(value)) = attendance(&data, id)
                && value < thresholds.attendance
            {
                warnings.push(Warning {
                    r#type: "LOW_ATTENDANCE",
                    subject: id.clone(),
                    value,
                    threshold: thresholds.attendance,
                    evidence: format!("voted in {voted} of {held} roll calls"),
                });
            }
        }
    }
    Ok(EarlyWarnings {
        sensitivity: p.sensitivity,
        focus_area: p.focus_area,
        thresholds,
        warnings,
        basis: Basis::new(period, &data, METHOD, Vec::new()),
    })
}
