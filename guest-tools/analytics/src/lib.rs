//! Analytics over the EP's own records: plenary roll-call votes per MEP
//! (`/meetings/{sitting-id}/decisions`), sittings and the current roster; procedures and
//! their events. Every result
//! says the period, what data it used and how each figure is defined (docs/METHODS.md);
//! what the data cannot give is null with a warning, never a guess.
//!
//! Three layers, each naming only those after it: `tools` (one module per analysis: its
//! parameters, output and assembly) → `measure` (the measures of docs/METHODS.md) →
//! `read` (the records: roll calls, committees, files, the period) → `metrics` (arithmetic
//! on counts).

mod measure;
mod metrics;
mod read;
mod tools;

use tools::*;

use guest_client::Tool;

fn tools() -> Vec<Tool> {
    vec![
        patterns::tool(),
        groups::coalition_tool(),
        anomalies::tool(),
        groups::compare_tool(),
        attendance::tool(),
        delegation::tool(),
        landscape::tool(),
        network::tool(),
        sentiment::tool(),
        early_warning::tool(),
        comparative::tool(),
        legislation::tool(),
        report::tool(),
        influence::tool(),
        correlate::tool(),
        effectiveness::tool(),
        pipeline::tool(),
        committee_activity::tool(),
    ]
}

guest_client::component!("analytics", tools);
