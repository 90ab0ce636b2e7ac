//! The per-call controls: roles, rate limits, tenants, anomaly detection.

pub mod anomaly;
pub mod limits;
pub mod rbac;
pub mod tenant;
