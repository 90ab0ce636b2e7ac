//! `epmcp components new NAME`: a buildable component crate, from the template in
//! `host/templates/component/` (compiled into the binary), serving one tool with its test.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The template's files: where each goes in the crate, and its text.
const FILES: [(&str, &str); 5] = [
    ("Cargo.toml", include_str!("../../templates/component/Cargo.toml.in")),
    ("src/lib.rs", include_str!("../../templates/component/src/lib.rs.in")),
    ("README.md", include_str!("../../templates/component/README.md.in")),
    (".gitignore", include_str!("../../templates/component/gitignore.in")),
    (".cargo/config.toml", include_str!("../../templates/component/cargo-config.toml.in")),
];

/// Makes the crate `into/name`, linking the guest-client crate at `guest_client`; its path.
pub fn new_component(name: &str, into: &Path, guest_client: &Path) -> Result<PathBuf> {
    let valid = name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if !valid {
        bail!("component name '{name}' must be lower-case letters, digits and single `-`, starting with a letter, at most 40");
    }
    let guest_client = guest_client.canonicalize().with_context(|| format!("--guest-client {}", guest_client.display()))?;
    let manifest = std::fs::read_to_string(guest_client.join("Cargo.toml")).unwrap_or_default();
    if !manifest.lines().any(|l| l.trim() == "name = \"guest-client\"") {
        bail!("--guest-client {} is not epmcp's guest-client crate (its Cargo.toml names another package)", guest_client.display());
    }
    let dir = into.join(name);
    if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
        bail!("{} exists and is not empty", dir.display());
    }
    let snake = name.replace('-', "_");
    // Paths as TOML values: quoted and escaped, whatever they hold.
    let path = toml::Value::String(guest_client.to_string_lossy().into_owned()).to_string();
    let checkout = guest_client.parent().unwrap_or(&guest_client);
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let mut remaps = vec![format!("--remap-path-prefix={}=/epmcp", checkout.display())];
    remaps.extend(cargo_home.map(|home| format!("--remap-path-prefix={}=/cargo", home.display())));
    let rustflags = toml::Value::Array(remaps.into_iter().map(toml::Value::String).collect()).to_string();
    for (file, text) in FILES {
        let text = text
            .replace("{{name}}", name)
            .replace("{{file}}", &snake)
            .replace("{{tool}}", &format!("{snake}_concepts"))
            .replace("{{guest_client}}", &path)
            .replace("{{rustflags}}", &rustflags);
        let target = dir.join(file);
        std::fs::create_dir_all(target.parent().expect("a file in the crate"))?;
        std::fs::write(&target, text).with_context(|| format!("writing {}", target.display()))?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_the_crate_is_written_whole() {
        let into = std::env::temp_dir().join(format!("epmcp-template-{}", std::process::id()));
        let guest_client = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-client");
        for bad in ["", "Tool", "2x", "a_b", "a--b", "a-", &"a".repeat(41)] {
            assert!(new_component(bad, &into, &guest_client).is_err(), "{bad:?}");
        }
        assert!(new_component("x", &into, Path::new(env!("CARGO_MANIFEST_DIR"))).is_err(), "not guest-client");
        let dir = new_component("my-tool", &into, &guest_client).unwrap();
        let cargo = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let parsed: toml::Table = toml::from_str(&cargo).unwrap();
        assert_eq!(parsed["package"]["name"].as_str(), Some("my-tool"));
        assert!(parsed["dependencies"]["guest-client"]["path"].as_str().unwrap().ends_with("guest-client"));
        let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
        assert!(lib.contains("\"my_tool_concepts\"") && lib.contains("component!(\"my-tool\"") && !lib.contains("{{"));
        let config: toml::Table = toml::from_str(&std::fs::read_to_string(dir.join(".cargo/config.toml")).unwrap()).unwrap();
        let flags = config["target"]["wasm32-wasip2"]["rustflags"].as_array().unwrap();
        assert!(flags[0].as_str().unwrap().ends_with("=/epmcp"));
        assert!(new_component("my-tool", &into, &guest_client).is_err(), "an existing crate is never overwritten");
        std::fs::remove_dir_all(&into).unwrap();
    }
}
