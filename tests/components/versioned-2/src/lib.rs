include!("../../versioned/src/lib.rs");
