//! Analytics over the EP's own records: plenary roll-call votes per MEP
//! (`/meetings/{sitting-id}/decisions`), sittings and the current roster; procedures and
//! their events. Every result
//! says the period, what data it used and how each figure is defined (docs/METHODS.md);
//! what the data cannot give is null with a warning, never a guess.

mod anomalies;
mod attendance;
mod basis;
mod committee;
mod committee_activity;
mod comparative;
mod correlate;
mod delegation;
mod early_warning;
mod effectiveness;
mod files;
mod groups;
mod influence;
mod landscape;
mod legislation;
mod measures;
mod metrics;
mod network;
mod patterns;
mod pipeline;
mod period;
mod report;
mod rollcalls;
mod sentiment;

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
