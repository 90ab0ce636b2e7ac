//! `track_mep_attendance`: roll calls voted in over roll calls held in the period.

use guest_client::args::MEP_ID_PATTERN;
use guest_client::{Ep, Error, Tool, args, group, Dates};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::basis::Basis;
use crate::measure::attendance;
use crate::metrics::mean;
use crate::read::period::{PERIOD, Period};
use crate::read::rollcalls;

fn twenty() -> u32 {
    20
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One MEP (person id, e.g. 124936); otherwise every current MEP matching country and groupId.
    #[schemars(length(min = 1, max = 100), pattern(MEP_ID_PATTERN))]
    mep_id: Option<String>,
    /// Country of representation, ISO 3166 alpha-2 as the EP writes it (`EL` for Greece).
    #[schemars(pattern(r"^[A-Z]{2}$"))]
    country: Option<String>,
    /// Political group, e.g. `EPP`, `S&D`, `Renew`.
    #[schemars(length(min = 1, max = 50))]
    group_id: Option<String>,
    /// MEPs listed, lowest attendance first.
    #[serde(default = "twenty")]
    #[schemars(range(min = 1, max = 100))]
    limit: u32,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MepAttendance {
    /// Person id.
    pub id: String,
    pub name: Option<String>,
    pub group: Option<String>,
    pub country: Option<String>,
    /// Roll calls held in the period (inside the MEP's mandate, when their record was read).
    pub roll_calls: usize,
    /// Roll calls the MEP voted in (for, against or abstaining).
    pub voted: usize,
    /// voted / rollCalls; null when no roll call was held.
    pub attendance_rate: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Attendance {
    /// MEPs matching the filters, before `limit`.
    pub meps_matched: usize,
    /// Mean attendance rate of the matched MEPs; null without roll calls.
    pub average_attendance_rate: Option<f64>,
    /// Lowest attendance first, then by id; at most `limit`.
    pub meps: Vec<MepAttendance>,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const METHOD: &str = "Attendance = roll calls an MEP voted in (for, against or abstaining) / roll-call votes held in \
    the period, from the voter lists of /meetings/{sitting-id}/decisions. Presence without voting is not recorded by \
    the EP and counts as absence. For an MEP who joined or left during the term (/meps/show-incoming, /meps/show-outgoing), \
    only the roll calls inside the mandates of their record (/meps/{mep-id}) are held.";

pub fn tool() -> Tool {
    Tool::with(
        "track_mep_attendance",
        "MEP attendance at roll-call votes",
        "Per MEP, the share of the period's plenary roll-call votes they voted in (for, against or abstaining); \
         filter by MEP, country or group. Says which sittings and roll \
         calls it used.",
        crate::read::rollcalls::EGRESS,
        PERIOD, run,
    )
}

pub(crate) fn run(ep: &Ep, p: Params, dates: Dates) -> Result<Attendance, Error> {
    let period = Period::new(dates.from.as_deref(), dates.to.as_deref())?;
    let mep = p.mep_id.as_deref().map(args::mep_id).transpose()?.map(|id| id.to_string());
    let data = rollcalls::load(ep, &period)?;
    let wanted_group = p.group_id.as_deref().map(group::canonical);
    let mut warnings = Vec::new();
    let ids: Vec<String> = match &mep {
        Some(id) => {
            if !data.members.contains_key(id) {
                if data.voter(id).is_none() {
                    return Err(Error::NotFound(format!("MEP {id} is not a current MEP and cast no roll-call vote in the period")));
                }
                warnings.push(format!("MEP {id} is not in the current roster: no group or country."));
            }
            vec![id.clone()]
        }
        None => data
            .members
            .iter()
            .filter(|(_, m)| p.country.as_deref().is_none_or(|c| m.country.as_deref() == Some(c)))
            .filter(|(_, m)| wanted_group.as_deref().is_none_or(|g| m.group.as_deref() == Some(g)))
            .map(|(id, _)| id.clone())
            .collect(),
    };
    if ids.is_empty() {
        warnings.push("No current MEP matches the filters.".into());
    }
    let mut rows: Vec<MepAttendance> = ids
        .iter()
        .map(|id| {
            let member = data.members.get(id);
            let (voted, held, rate) = attendance(&data, id);
            MepAttendance {
                id: id.clone(),
                name: member.map(|m| m.name.clone()),
                group: member.and_then(|m| m.group.clone()),
                country: member.and_then(|m| m.country.clone()),
                roll_calls: held,
                voted,
                attendance_rate: rate,
            }
        })
        .collect();
    let rates: Vec<f64> = rows.iter().filter_map(|r| r.attendance_rate).collect();
    rows.sort_by(|a, b| a.attendance_rate.partial_cmp(&b.attendance_rate).unwrap_or(std::cmp::Ordering::Equal).then(a.id.cmp(&b.id)));
    let matched = rows.len();
    rows.truncate(p.limit as usize);
    Ok(Attendance {
        meps_matched: matched,
        average_attendance_rate: mean(&rates),
        meps: rows,
        basis: Basis::new(period, &data, METHOD, warnings),
    })
}
