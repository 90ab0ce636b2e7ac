//! `generate_political_landscape`: the Parliament's composition (current roster) and how
//! united each group voted in a period's roll calls.

use guest_client::args::DATE_PATTERN;
use guest_client::{Ep, Error, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::basis::Basis;
use crate::measure::cohesion;
use crate::metrics::ratio;
use crate::read::period::Period;
use crate::read::rollcalls;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// First day of the roll calls analysed (default: 30 days before dateTo).
    #[schemars(pattern(DATE_PATTERN))]
    date_from: Option<String>,
    /// Last day (default: today).
    #[schemars(pattern(DATE_PATTERN))]
    date_to: Option<String>,
    /// Ignored: data is always live.
    #[serde(default)]
    live: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupSeats {
    pub group: String,
    pub seats: usize,
    /// seats / MEPs with a group.
    pub seat_share: Option<f64>,
    /// Mean Agreement Index over `cohesionRollCalls` (roll calls with ≥ 2 members voting).
    pub cohesion: Option<f64>,
    pub cohesion_roll_calls: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Landscape {
    /// Current MEPs (roster).
    pub total_meps: usize,
    /// Current MEPs without a listed group.
    pub without_group: usize,
    /// Seats for an absolute majority of the current MEPs: ⌊total / 2⌋ + 1.
    pub majority_threshold: usize,
    /// Largest group first.
    pub groups: Vec<GroupSeats>,
    /// Laakso–Taagepera: 1 / Σ seatShare²; null without groups.
    pub effective_number_of_groups: Option<f64>,
    /// Seat share of the largest group.
    pub largest_group_share: Option<f64>,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const METHOD: &str = "Seats: current MEPs per political group (/meps/show-current). Effective number of groups \
    (Laakso–Taagepera): 1 / Σ share², shares of MEPs with a group. Majority threshold: ⌊total MEPs / 2⌋ + 1. \
    Cohesion per group: mean Agreement Index (Hix, Noury and Roland) over the period's roll calls where ≥ 2 members voted.";

pub fn tool() -> Tool {
    Tool::new(
        "generate_political_landscape",
        "Political landscape",
        "The Parliament's current composition — seats and seat shares per political group, the majority threshold, \
         the effective number of groups — with each group's voting cohesion over a period's plenary roll calls, from \
         the EP's roster and per-MEP voter lists.",
        crate::read::rollcalls::EGRESS,
        run,
    )
}

pub(crate) fn run(ep: &Ep, p: Params) -> Result<Landscape, Error> {
    let period = Period::new(p.date_from.as_deref(), p.date_to.as_deref())?;
    let data = rollcalls::load(ep, &period)?;
    let mut warnings = Vec::new();
    if p.live {
        warnings.push("live: every analysis reads the EP API (through the host's cache of at most 15 minutes); the flag changes nothing.".into());
    }
    let total = data.members.len();
    let with_group = data.members.values().filter(|m| m.group.is_some()).count();
    let mut groups: Vec<GroupSeats> = data
        .groups()
        .into_iter()
        .map(|g| {
            let seats = data.members_of(g).count();
            let (cohesion_roll_calls, cohesion) = cohesion(&data, g);
            GroupSeats { group: g.to_string(), seats, seat_share: ratio(seats, with_group), cohesion, cohesion_roll_calls }
        })
        .collect();
    groups.sort_by(|a, b| b.seats.cmp(&a.seats).then(a.group.cmp(&b.group)));
    let squares: f64 = groups.iter().map(|g| (g.seats as f64 / with_group.max(1) as f64).powi(2)).sum();
    Ok(Landscape {
        total_meps: total,
        without_group: total - with_group,
        majority_threshold: total / 2 + 1,
        effective_number_of_groups: (squares > 0.0).then(|| 1.0 / squares),
        largest_group_share: groups.first().and_then(|g| g.seat_share),
        groups,
        basis: Basis::new(period, &data, METHOD, warnings),
    })
}
