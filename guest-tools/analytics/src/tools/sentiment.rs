//! `sentiment_tracker`: the EP's records hold no sentiment. The nearest measurable thing
//! is how united each group votes, month by month: the tool reports that, and says so.

use std::collections::BTreeMap;

use guest_client::args::DATE_PATTERN;
use guest_client::{Ep, Error, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::basis::Basis;
use crate::tools::groups::groups_asked;
use crate::metrics::{agreement_index, mean};
use crate::read::period::Period;
use crate::read::rollcalls::{self, RollCalls};

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(clippy::enum_variant_names)] // the names are the wire values (`last_month` …)
pub enum Timeframe {
    LastMonth,
    #[default]
    LastQuarter,
    LastYear,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One political group (default: every group of the current roster).
    #[schemars(length(min = 1, max = 50))]
    group_id: Option<String>,
    /// 30, 91 or 365 days up to dateTo.
    #[serde(default)]
    timeframe: Timeframe,
    /// Last day of the timeframe (default: today).
    #[schemars(pattern(DATE_PATTERN))]
    date_to: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Month {
    /// YYYY-MM.
    pub month: String,
    /// Roll calls of the month with ≥ 2 of the group's members voting.
    pub roll_calls: usize,
    /// Mean Agreement Index over them.
    pub cohesion: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupTrend {
    pub group: String,
    /// Months of the timeframe with roll calls, oldest first.
    pub months: Vec<Month>,
    /// Mean Agreement Index over the whole timeframe.
    pub cohesion: Option<f64>,
    /// Cohesion of the last month with a value minus that of the first; null with fewer than two.
    pub trend: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Sentiment {
    /// What is measured instead of sentiment.
    pub measure: &'static str,
    pub groups: Vec<GroupTrend>,
    #[serde(flatten)]
    pub basis: Basis,
}

const MEASURE: &str = "voting cohesion (Agreement Index) per month: the EP's records hold no sentiment; how united a group \
    votes is the nearest thing they measure";

pub const METHOD: &str = "For each group and calendar month: mean Agreement Index (Hix, Noury and Roland) over roll calls \
    where ≥ 2 of its current members voted. Trend = last month's value − first month's value.";

pub fn tool() -> Tool {
    Tool::new(
        "sentiment_tracker",
        "Group cohesion over time (in place of sentiment)",
        "The EP's records hold no sentiment. This reports the nearest measurable thing: each political group's voting \
         cohesion (Agreement Index) month by month over the timeframe, and its trend, from the EP's per-MEP roll-call \
         voter lists.",
        crate::read::rollcalls::EGRESS,
        run,
    )
}

fn trend(data: &RollCalls, name: &str) -> GroupTrend {
    let mut by_month: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for vote in &data.votes {
        let counts = data.group_counts(vote, name);
        if counts.iter().sum::<usize>() >= 2
            && let Some(index) = agreement_index(counts)
        {
            by_month.entry(vote.date[..7].to_string()).or_default().push(index);
        }
    }
    let months: Vec<Month> =
        by_month.iter().map(|(month, values)| Month { month: month.clone(), roll_calls: values.len(), cohesion: mean(values) }).collect();
    let all: Vec<f64> = by_month.values().flatten().copied().collect();
    let valued: Vec<f64> = months.iter().filter_map(|m| m.cohesion).collect();
    let trend = (valued.len() >= 2).then(|| valued[valued.len() - 1] - valued[0]);
    GroupTrend { group: name.to_string(), months, cohesion: mean(&all), trend }
}

fn run(ep: &Ep, p: Params) -> Result<Sentiment, Error> {
    let days = match p.timeframe {
        Timeframe::LastMonth => 30,
        Timeframe::LastQuarter => 91,
        Timeframe::LastYear => 365,
    };
    let period = Period::ending(p.date_to.as_deref(), days)?;
    let data = rollcalls::load(ep, &period)?;
    let mut warnings = vec!["Sentiment is not in the EP's records: this is voting cohesion, not opinion.".to_string()];
    let names: Vec<String> = match &p.group_id {
        Some(id) => groups_asked(&data, std::slice::from_ref(id), &mut warnings),
        None => data.groups().into_iter().map(str::to_string).collect(),
    };
    let groups = names.iter().map(|name| trend(&data, name)).collect();
    Ok(Sentiment { measure: MEASURE, groups, basis: Basis::new(period, &data, METHOD, warnings) })
}
