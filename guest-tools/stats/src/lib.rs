//! `get_all_generated_stats`: yearly activity counts of the European Parliament,
//! counted from the EP Open Data API at call time.
//!
//! The reference serves a hand-maintained table with synthesised monthly figures and
//! extrapolated "predictions". Here every number is a count of records the EP API
//! returned for that year (its server-side `year` filter, every page walked); a
//! category the API cannot count by year is listed as unavailable with the reason.

use guest_client::args::current_year;
use guest_client::{Ep, Error, Query, SOURCE, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The API serves at most about 1000 items per page.
const PAGE: u32 = 1000;
/// Upper bound on upstream requests per call, so a wide range fails clearly instead of
/// running into the call deadline.
const MAX_REQUESTS: u32 = 60;
/// Years per call when no range is given: the current year and the two before.
const DEFAULT_SPAN: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    All,
    PlenarySessions,
    LegislativeActs,
    RollCallVotes,
    CommitteeMeetings,
    ParliamentaryQuestions,
    Resolutions,
    Speeches,
    AdoptedTexts,
    PoliticalGroups,
    Procedures,
    Events,
    Documents,
    MepTurnover,
    Declarations,
}

/// Categories the API can count per year: (category, endpoint, what is counted).
const COUNTABLE: &[(Category, &str, &str)] = &[
    (Category::PlenarySessions, "meetings", "plenary sittings (/meetings?year=)"),
    (Category::AdoptedTexts, "adopted-texts", "adopted texts (/adopted-texts?year=)"),
    (Category::ParliamentaryQuestions, "parliamentary-questions", "parliamentary questions (/parliamentary-questions?year=)"),
    (Category::Documents, "plenary-documents", "plenary documents (/plenary-documents?year=)"),
    (Category::Declarations, "meps-declarations", "MEP declarations (/meps-declarations?year=)"),
];

/// Why the other categories are not counted.
const UNAVAILABLE: &[(Category, &str)] = &[
    (Category::LegislativeActs, "the EP API has no endpoint that lists legislative acts by year"),
    (Category::RollCallVotes, "roll-call votes are published per sitting; counting a year means reading every sitting's decisions (use get_meeting_decisions)"),
    (Category::CommitteeMeetings, "the EP API has no endpoint for committee meetings"),
    (Category::Resolutions, "the EP API does not classify resolutions separately by year"),
    (Category::Speeches, "the speeches endpoint has no year filter"),
    (Category::PoliticalGroups, "group composition is only available for the current roster (use get_current_meps)"),
    (Category::Procedures, "/procedures has no year filter"),
    (Category::Events, "/events has no year filter"),
    (Category::MepTurnover, "incoming and outgoing MEPs are only listed for the current term (use get_incoming_meps, get_outgoing_meps)"),
];

fn default_category() -> Category {
    Category::All
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// First year (default: two years before yearTo).
    #[schemars(range(min = 2004, max = 2031))]
    year_from: Option<u32>,
    /// Last year (default: the current year).
    #[schemars(range(min = 2004, max = 2031))]
    year_to: Option<u32>,
    /// Which records to count per year (default all).
    #[serde(default = "default_category")]
    category: Category,
    /// Ignored: no predictions (they would be invented numbers).
    #[serde(default = "yes")]
    include_predictions: bool,
    /// Ignored: no monthly figures (the API filters by year).
    #[serde(default)]
    include_monthly_breakdown: bool,
    /// Rank the requested years by each counted category.
    #[serde(default = "yes")]
    include_rankings: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub year_from: u32,
    pub year_to: u32,
    pub category: Category,
    /// One entry per year with the count of each counted category.
    pub years: Vec<YearCounts>,
    /// What each counted category is and where it was counted.
    pub counted: Vec<Counted>,
    /// Requested categories that cannot be counted from the EP API, with the reason.
    pub unavailable: Vec<Unavailable>,
    /// Per counted category, the requested years ranked by count (1 = most).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rankings: Vec<Ranking>,
    /// Always null: forecasts would not be data.
    pub predictions: Option<()>,
    /// Why `predictions` and monthly figures are absent.
    pub notes: Vec<String>,
    pub upstream_requests: u32,
    pub source: &'static str,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct YearCounts {
    pub year: u32,
    /// Category (snake_case) → number of records.
    pub counts: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Counted {
    pub category: Category,
    pub what: &'static str,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Unavailable {
    pub category: Category,
    pub reason: &'static str,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ranking {
    pub category: Category,
    /// Years, most records first.
    pub years: Vec<RankedYear>,
    pub mean: f64,
    pub median: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RankedYear {
    pub year: u32,
    pub count: u64,
    pub rank: u32,
}

fn name(category: Category) -> String {
    serde_json::to_value(category).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Counts the records of one endpoint for one year by walking its pages.
fn count(ep: &Ep, endpoint: &str, year: u32, requests: &mut u32) -> Result<u64, Error> {
    let query = Query::new([endpoint]).param("year", year);
    let mut total = 0u64;
    let mut offset = 0;
    loop {
        if *requests >= MAX_REQUESTS {
            return Err(Error::invalid(format!(
                "counting needs more than {MAX_REQUESTS} EP API requests; request fewer years or one category"
            )));
        }
        *requests += 1;
        let page = ep.page(&query, offset, PAGE)?;
        total += page.items.len() as u64;
        if !page.has_more {
            return Ok(total);
        }
        offset += PAGE;
    }
}

fn ranking(category: Category, years: &[YearCounts]) -> Ranking {
    let key = name(category);
    let mut counts: Vec<(u32, u64)> = years.iter().map(|y| (y.year, y.counts.get(&key).copied().unwrap_or(0))).collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mean = counts.iter().map(|c| c.1 as f64).sum::<f64>() / counts.len().max(1) as f64;
    let mut sorted: Vec<u64> = counts.iter().map(|c| c.1).collect();
    sorted.sort();
    let median = match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2] as f64,
        n => (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0,
    };
    let years = counts.into_iter().enumerate().map(|(i, (year, count))| RankedYear { year, count, rank: i as u32 + 1 }).collect();
    Ranking { category, years, mean, median }
}

fn run(ep: &Ep, p: Params) -> Result<Stats, Error> {
    let year_to = p.year_to.unwrap_or_else(|| current_year().min(2031));
    let year_from = p.year_from.unwrap_or(year_to.saturating_sub(DEFAULT_SPAN - 1).max(2004));
    if year_from > year_to {
        return Err(Error::invalid(format!("yearFrom ({year_from}) is after yearTo ({year_to})")));
    }
    let wanted = |c: Category| p.category == Category::All || p.category == c;
    let counted: Vec<Counted> =
        COUNTABLE.iter().filter(|(c, _, _)| wanted(*c)).map(|(category, _, what)| Counted { category: *category, what }).collect();
    let unavailable: Vec<Unavailable> =
        UNAVAILABLE.iter().filter(|(c, _)| wanted(*c)).map(|(category, reason)| Unavailable { category: *category, reason }).collect();
    let mut requests = 0;
    let mut years = Vec::new();
    for year in year_from..=year_to {
        let mut counts = std::collections::BTreeMap::new();
        for (category, endpoint, _) in COUNTABLE.iter().filter(|(c, _, _)| wanted(*c)) {
            counts.insert(name(*category), count(ep, endpoint, year, &mut requests)?);
        }
        years.push(YearCounts { year, counts });
    }
    let rankings = if p.include_rankings { counted.iter().map(|c| ranking(c.category, &years)).collect() } else { Vec::new() };
    let mut notes = Vec::new();
    if p.include_predictions {
        notes.push("predictions: not produced; a forecast is not EP data".to_string());
    }
    if p.include_monthly_breakdown {
        notes.push("monthly breakdown: not produced; the EP API counts by year only".to_string());
    }
    Ok(Stats {
        year_from,
        year_to,
        category: p.category,
        years,
        counted,
        unavailable,
        rankings,
        predictions: None,
        notes,
        upstream_requests: requests,
        source: SOURCE,
    })
}

fn tools() -> Vec<Tool> {
    vec![Tool::new(
        "get_all_generated_stats",
        "Yearly EP activity counts",
        "Yearly counts of EP records, counted live (every page read): plenary sittings, adopted texts, parliamentary \
         questions, plenary documents and MEP declarations, with years ranked per category. Categories the API \
         cannot count by year are listed as unavailable with the reason. Default: the current year and the two before.",
        &["meetings", "adopted-texts", "parliamentary-questions", "plenary-documents", "meps-declarations"],
        run,
    )]
}

guest_client::component!("stats", tools);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_is_either_counted_or_explained() {
        let all = [
            Category::PlenarySessions, Category::LegislativeActs, Category::RollCallVotes, Category::CommitteeMeetings,
            Category::ParliamentaryQuestions, Category::Resolutions, Category::Speeches, Category::AdoptedTexts,
            Category::PoliticalGroups, Category::Procedures, Category::Events, Category::Documents,
            Category::MepTurnover, Category::Declarations,
        ];
        for c in all {
            let counted = COUNTABLE.iter().any(|(k, _, _)| *k == c);
            let explained = UNAVAILABLE.iter().any(|(k, _)| *k == c);
            assert!(counted ^ explained, "{c:?}");
        }
    }

    #[test]
    fn ranks_years_by_count() {
        let year = |year, n| YearCounts { year, counts: [("adopted_texts".to_string(), n)].into() };
        let r = ranking(Category::AdoptedTexts, &[year(2022, 5), year(2023, 9), year(2024, 7)]);
        let order: Vec<(u32, u32)> = r.years.iter().map(|y| (y.year, y.rank)).collect();
        assert_eq!(order, [(2023, 1), (2024, 2), (2022, 3)]);
        assert_eq!((r.mean, r.median), (7.0, 7.0));
    }
}
