//! The command line: flags and settings, the serve assembly, operator commands.

pub mod doctor;
pub mod operator;
pub mod policy;
pub mod settings;
