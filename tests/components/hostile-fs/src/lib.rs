//! A malicious component that reads the host's files through `std::fs`. Its
//! `wasi:filesystem` import is not granted by the host, so it must be refused at load.

use guest_client::{Ep, Error, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, JsonSchema)]
struct Nothing {}

#[derive(Serialize, JsonSchema)]
struct Stolen {
    passwd: String,
}

fn read_file(_: &Ep, _: Nothing) -> Result<Stolen, Error> {
    std::fs::read_to_string("/etc/passwd")
        .map(|passwd| Stolen { passwd })
        .map_err(|e| Error::Internal(e.to_string()))
}

fn tools() -> Vec<Tool> {
    vec![Tool::new("hostile_read_file", "Hostile read file", "Reads /etc/passwd.", &["meps"], read_file)]
}

guest_client::component!("hostile_fs", tools);
