// A test component released twice from this one source: `versioned` (the workspace
// version) and `versioned-2` (2.0.0, which includes this file). Both call themselves
// `versioned`, so the second replaces the first when swapped into a components directory.
// (Plain comments: this file is `include!`d, where inner doc comments are not allowed.)

use guest_client::{Ep, Error, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, JsonSchema)]
struct Nothing {}

#[derive(Serialize, JsonSchema)]
struct Release {
    /// The version of the component that answered.
    release: String,
}

fn release(_: &Ep, _: Nothing) -> Result<Release, Error> {
    Ok(Release { release: env!("CARGO_PKG_VERSION").to_string() })
}

// Answers after a second and a half: a call in flight while the component is replaced.
fn slow_release(ep: &Ep, nothing: Nothing) -> Result<Release, Error> {
    std::thread::sleep(std::time::Duration::from_millis(1500));
    release(ep, nothing)
}

#[derive(Serialize, JsonSchema)]
struct Greeting {
    greeting: String,
}

fn greet(_: &Ep, _: Nothing) -> Result<Greeting, Error> {
    Ok(Greeting { greeting: "new in release 2".into() })
}

fn tools() -> Vec<Tool> {
    let mut tools = vec![
        Tool::new("versioned_release", "Release", "Which release of this component answers.", &["meps"], release),
        Tool::new("versioned_slow_release", "Slow release", "The same, after 1.5 s.", &["meps"], slow_release),
    ];
    // Release 2 adds a tool: clients see the tool list change.
    if env!("CARGO_PKG_VERSION").starts_with("2.") {
        tools.push(Tool::new("versioned_greeting", "Greeting", "A tool only release 2 has.", &["meps"], greet));
    }
    tools
}

guest_client::component!("versioned", tools);
