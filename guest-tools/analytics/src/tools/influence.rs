//! `assess_mep_influence`: what the records show of an MEP's weight — voting
//! (participation, loyalty), coalition (MEPs who vote like them), committee (seats and
//! leadership roles held in the period) — and no overall score, because two of the five
//! dimensions the reference weighs cannot be measured from these records.

use guest_client::args::{self, MEP_ID_PATTERN};
use guest_client::{Ep, Error, Query, Tool, jsonld, Dates};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::basis::Basis;
use crate::read::files;
use crate::read::committee;
use crate::measure::{Participation, loyalty, voting_partners};
use crate::metrics::ratio;
use crate::read::period::{PERIOD, Period};
use crate::read::rollcalls;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// Person id, e.g. 124936.
    #[schemars(length(min = 1, max = 100), pattern(MEP_ID_PATTERN))]
    mep_id: String,
    /// List the committees and partners, not only their numbers.
    #[serde(default)]
    include_details: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Voting {
    #[serde(flatten)]
    pub participation: Participation,
    /// Votes with the group's position / votes where it had one.
    pub loyalty: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Coalition {
    /// Other MEPs sharing ≥ 3 roll calls with this one.
    pub compared_with: usize,
    /// Of those, MEPs who cast the same vote in ≥ 70 % of the shared roll calls.
    pub voting_partners: usize,
    pub partner_share: Option<f64>,
    /// With includeDetails: the partners' person ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partners: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Committees {
    /// Committee memberships overlapping the period (from the MEP's record).
    pub memberships: usize,
    /// Roles other than member or substitute, e.g. `CHAIR`, `CHAIR_VICE`.
    pub leadership_roles: Vec<String>,
    /// With includeDetails: the committees' organisation ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub committees: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Influence {
    pub mep_id: String,
    pub name: Option<String>,
    pub voting: Voting,
    pub coalition: Coalition,
    pub committee: Committees,
    /// The MEP's files (rapporteur, shadow, opinion) among the procedure records read.
    pub legislative: Option<files::MepFiles>,
    /// Questions' authors are only in each question's record, not read here: null.
    pub oversight: Option<f64>,
    /// Not given: it would weigh dimensions the records cannot measure.
    pub overall_score: Option<f64>,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const METHOD: &str = "Voting: roll calls voted in / held, and loyalty to the group's position (docs/METHODS.md). \
    Coalition: other MEPs sharing ≥ 3 roll calls; partners are those with co-voting agreement ≥ 0.7. Committee: the MEP's \
    committee memberships (membershipClassification COMMITTEE_*) whose memberDuring overlaps the period, from /meps/{id}. \
    Legislative: the procedures in which the MEP is rapporteur, shadow or opinion rapporteur (had_participation), among the \
    records of the most recently registered procedures. No overall score.";

pub fn tool() -> Tool {
    Tool::with(
        "assess_mep_influence",
        "MEP influence (measurable dimensions)",
        "What the EP's records show of one MEP's weight over a period: roll-call participation and loyalty, how many \
         MEPs vote like them (co-voting ≥ 70 %), the committee seats and leadership roles they held, and the files \
         they are rapporteur or shadow for among the procedures read. Oversight and an overall score are null, with the reason.",
        &["meetings", "meps", "procedures"],
        PERIOD, run,
    )
}

fn run(ep: &Ep, p: Params, dates: Dates) -> Result<Influence, Error> {
    let period = Period::new(dates.from.as_deref(), dates.to.as_deref())?;
    let id = args::mep_id(&p.mep_id)?.to_string();
    let record = ep.one(&Query::new(["meps", id.as_str()]), &format!("MEP {id}"))?;
    let data = rollcalls::load(ep, &period)?;
    let ballots = data.ballots();
    let (compared_with, partners) = voting_partners(&ballots, &id);
    let partners: Vec<String> = partners.into_iter().map(str::to_string).collect();
    let memberships = committee::memberships(&record, &period);
    let leadership_roles = committee::leadership_roles(&memberships);
    let mut committees: Vec<String> = memberships.iter().map(|(c, _)| c.clone()).collect();
    committees.sort();
    committees.dedup();
    let files = files::read(ep)?;
    let warnings = vec![
        files.coverage(),
        "oversight: the authors of parliamentary questions are only in each question's own record, not read here; null.".to_string(),
        "overallScore: not given, since it would weigh dimensions the records cannot measure.".to_string(),
    ];
    let mut basis = Basis::new(period, &data, METHOD, warnings);
    basis.endpoints.extend(["meps/{mep-id}".to_string(), "procedures".to_string(), "procedures/{process-id}".to_string()]);
    Ok(Influence {
        name: jsonld::text(&record, "label"),
        voting: Voting { participation: Participation::of(&data, &id), loyalty: loyalty(&data, &id).2 },
        coalition: Coalition {
            compared_with,
            voting_partners: partners.len(),
            partner_share: ratio(partners.len(), compared_with),
            partners: if p.include_details { partners } else { Vec::new() },
        },
        committee: Committees {
            memberships: memberships.len(),
            leadership_roles,
            committees: if p.include_details { committees } else { Vec::new() },
        },
        legislative: Some(files.mep(&id)),
        oversight: None,
        overall_score: None,
        mep_id: id,
        basis,
    })
}
