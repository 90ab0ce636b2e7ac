//! `network_analysis`: MEPs linked by how often they voted alike in a period's roll calls.

use std::collections::{BTreeMap, BTreeSet};

use guest_client::args::{self, MEP_ID_PATTERN};
use guest_client::{Ep, Error, Tool, Dates};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::measure::MIN_SHARED;
use crate::tools::basis::Basis;
use crate::read::period::{PERIOD, Period};
use crate::read::rollcalls::{self, co_voting};

/// Edges listed at most (the largest agreement first).
const MAX_EDGES: usize = 200;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisType {
    Committee,
    Voting,
    #[default]
    Combined,
}

fn two() -> u32 {
    2
}

fn seven_tenths() -> f64 {
    0.7
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// Centre the network on this MEP (person id, e.g. `124936`); otherwise the whole network.
    #[schemars(length(min = 1, max = 100), pattern(MEP_ID_PATTERN))]
    mep_id: Option<String>,
    /// `voting` (co-voting agreement); `committee` and `combined` need committee memberships,
    /// which this tool does not read yet (see dataQualityWarnings).
    #[serde(default)]
    analysis_type: AnalysisType,
    /// With mepId: how many hops from the MEP.
    #[serde(default = "two")]
    #[schemars(range(min = 1, max = 3))]
    depth: u32,
    /// The co-voting agreement an edge needs.
    #[serde(default = "seven_tenths")]
    #[schemars(range(min = 0.0, max = 1.0))]
    min_similarity: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    pub mep_id: String,
    pub name: Option<String>,
    pub group: Option<String>,
    /// Edges of the node in the network returned.
    pub degree: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Edge {
    pub meps: [String; 2],
    pub shared_roll_calls: usize,
    /// Same vote / both voted.
    pub agreement: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    pub analysis_type: AnalysisType,
    pub min_similarity: f64,
    pub min_shared_roll_calls: usize,
    pub nodes: Vec<Node>,
    /// Highest agreement first, at most 200 (degrees and components count every edge).
    pub edges: Vec<Edge>,
    /// Connected components of the network (MEPs linked directly or through others), largest first.
    pub components: Vec<Vec<String>>,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const METHOD: &str = "Co-voting network: an edge joins two MEPs who voted in at least 3 of the same roll calls and cast \
    the same vote (for, against or abstain) in at least minSimilarity of them. With mepId, the MEPs within depth hops. \
    Components are the connected parts of that network.";

pub fn tool() -> Tool {
    Tool::with(
        "network_analysis",
        "Co-voting network",
        "MEPs linked by how often they voted alike in a period's plenary roll calls (co-voting agreement above a \
         threshold, over at least 3 shared votes), optionally around one MEP: nodes with their degree, edges with \
         their agreement, and connected components.",
        crate::read::rollcalls::EGRESS,
        PERIOD, run,
    )
}

fn run(ep: &Ep, p: Params, dates: Dates) -> Result<Network, Error> {
    if p.analysis_type == AnalysisType::Committee {
        return Err(Error::invalid(
            "analysisType committee needs each MEP's committee memberships, which this tool does not read yet; use voting",
        ));
    }
    if !(0.0..=1.0).contains(&p.min_similarity) {
        return Err(Error::invalid("minSimilarity must be between 0 and 1"));
    }
    let period = Period::new(dates.from.as_deref(), dates.to.as_deref())?;
    let data = rollcalls::load(ep, &period)?;
    let mut warnings = Vec::new();
    if p.analysis_type == AnalysisType::Combined {
        warnings.push("combined: committee co-membership is not read yet; the network is co-voting only.".into());
    }
    // Every pair of voters (about 260,000 for a full Parliament): byte strings, not maps.
    let ballots: Vec<(&str, Vec<u8>)> = data.ballots().into_iter().collect();
    let voters: Vec<String> = ballots.iter().map(|(id, _)| id.to_string()).collect();
    let mut edges = Vec::new();
    for (i, (a, x)) in ballots.iter().enumerate() {
        for (b, y) in &ballots[i + 1..] {
            let (_, shared, agreement) = co_voting(x, y);
            if let Some(agreement) = agreement.filter(|v| shared >= MIN_SHARED && *v >= p.min_similarity) {
                edges.push(Edge { meps: [a.to_string(), b.to_string()], shared_roll_calls: shared, agreement });
            }
        }
    }
    let mut neighbours: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for edge in &edges {
        neighbours.entry(&edge.meps[0]).or_default().insert(&edge.meps[1]);
        neighbours.entry(&edge.meps[1]).or_default().insert(&edge.meps[0]);
    }
    let centre = p.mep_id.as_deref().map(args::mep_id).transpose()?.map(|id| id.to_string());
    let kept: BTreeSet<String> = match centre {
        Some(centre) => {
            if !voters.contains(&centre) {
                return Err(Error::NotFound(format!("MEP {centre} cast no roll-call vote in the period")));
            }
            let mut reached: BTreeSet<&str> = BTreeSet::from([centre.as_str()]);
            let mut frontier = reached.clone();
            for _ in 0..p.depth {
                frontier = frontier.iter().flat_map(|n| neighbours.get(n).into_iter().flatten().copied()).filter(|n| !reached.contains(n)).collect();
                reached.extend(frontier.iter().copied());
            }
            reached.into_iter().map(str::to_string).collect()
        }
        None => voters.iter().cloned().collect(),
    };
    let components = components(&kept, &neighbours);
    edges.retain(|e| kept.contains(&e.meps[0]) && kept.contains(&e.meps[1]));
    let mut degrees: BTreeMap<&str, usize> = BTreeMap::new();
    for edge in &edges {
        *degrees.entry(&edge.meps[0]).or_default() += 1;
        *degrees.entry(&edge.meps[1]).or_default() += 1;
    }
    let degree = |id: &str| degrees.get(id).copied().unwrap_or(0);
    let nodes: Vec<Node> = kept
        .iter()
        .map(|id| {
            let member = data.members.get(id);
            Node { mep_id: id.clone(), name: member.map(|m| m.name.clone()), group: member.and_then(|m| m.group.clone()), degree: degree(id) }
        })
        .collect();
    let unnamed: Vec<&str> = nodes.iter().filter(|n| n.name.is_none()).map(|n| n.mep_id.as_str()).collect();
    if !unnamed.is_empty() {
        warnings.push(format!(
            "{} nodes are not current MEPs (not in /meps/show-current): no name or group for {}.",
            unnamed.len(),
            unnamed.iter().take(20).copied().collect::<Vec<_>>().join(", ")
        ));
    }
    edges.sort_by(|x, y| y.agreement.partial_cmp(&x.agreement).unwrap_or(std::cmp::Ordering::Equal).then(x.meps.cmp(&y.meps)));
    if edges.len() > MAX_EDGES {
        warnings.push(format!(
            "{} edges; the {MAX_EDGES} with the highest agreement are listed, while degrees and components count all of them.",
            edges.len()
        ));
        edges.truncate(MAX_EDGES);
    }
    Ok(Network {
        analysis_type: p.analysis_type,
        min_similarity: p.min_similarity,
        min_shared_roll_calls: MIN_SHARED,
        nodes,
        edges,
        components,
        basis: Basis::new(period, &data, METHOD, warnings),
    })
}

/// Connected components of the kept MEPs, largest first, each sorted.
fn components(kept: &BTreeSet<String>, neighbours: &BTreeMap<&str, BTreeSet<&str>>) -> Vec<Vec<String>> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut out: Vec<Vec<String>> = Vec::new();
    for start in kept {
        if !seen.insert(start) {
            continue;
        }
        let mut component = vec![start.clone()];
        let mut stack = vec![start.as_str()];
        while let Some(n) = stack.pop() {
            for other in neighbours.get(n).into_iter().flatten().filter(|o| kept.contains(**o)) {
                if seen.insert(other) {
                    component.push(other.to_string());
                    stack.push(other);
                }
            }
        }
        component.sort();
        out.push(component);
    }
    out.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    out
}
