//! One module per analysis tool: its parameters, its output, and how it assembles them
//! from what `read` gives and `measure` computes; `basis` is what every one says about itself.

pub mod anomalies;
pub mod attendance;
pub mod basis;
pub mod committee_activity;
pub mod comparative;
pub mod correlate;
pub mod delegation;
pub mod early_warning;
pub mod effectiveness;
pub mod groups;
pub mod influence;
pub mod landscape;
pub mod legislation;
pub mod network;
pub mod patterns;
pub mod pipeline;
pub mod report;
pub mod sentiment;
