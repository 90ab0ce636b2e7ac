//! What every analysis says about itself: the period, the data it actually used, where
//! that data came from, how the figures were computed, and what it could not know.

use guest_client::SOURCE;
use schemars::JsonSchema;
use serde::Serialize;

use crate::read::period::Period;
use crate::read::rollcalls::RollCalls;

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    /// Plenary sittings of the period with roll-call data.
    pub sittings: usize,
    /// Sittings of the period without roll-call data (not published yet, or none held).
    pub sittings_without_roll_calls: usize,
    /// Roll-call votes analysed.
    pub roll_calls: usize,
    /// Distinct MEPs who voted in them.
    pub voters: usize,
    /// MEPs in the current roster (for groups and countries).
    pub roster: usize,
    /// Documents counted (analyses of documents only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<usize>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Basis {
    pub period: Period,
    pub coverage: Coverage,
    /// EP API endpoints read.
    pub endpoints: Vec<String>,
    /// The sittings whose roll calls were analysed.
    pub sitting_ids: Vec<String>,
    /// How the figures were computed (docs/METHODS.md has every formula).
    pub methodology: String,
    /// What the data could not say; values that could not be computed are null.
    pub data_quality_warnings: Vec<String>,
    pub source_attribution: &'static str,
}

impl Basis {
    pub fn new(period: Period, data: &RollCalls, methodology: &str, mut warnings: Vec<String>) -> Basis {
        warnings.extend(data.warnings.iter().cloned());
        Basis {
            period,
            coverage: Coverage {
                sittings: data.sittings.len(),
                sittings_without_roll_calls: data.sittings_without_roll_calls.len(),
                roll_calls: data.votes.len(),
                voters: data.voters(),
                roster: data.members.len(),
                documents: None,
            },
            endpoints: data.endpoints.clone(),
            sitting_ids: data.sittings.clone(),
            methodology: methodology.to_string(),
            data_quality_warnings: warnings,
            source_attribution: SOURCE,
        }
    }
}
