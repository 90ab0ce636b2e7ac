//! Reading the EP's records an analysis starts from: the period's roll calls, a
//! committee's record and documents, and who worked on which files.

pub mod committee;
pub mod files;
pub mod period;
pub mod rollcalls;
