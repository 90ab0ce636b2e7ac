//! The components directory as files: each component is a stem with `<stem>.wasm`, and
//! beside it `<stem>.manifest.toml` and `<stem>.manifest.sig`. A fingerprint (size,
//! modification time, inode of each) tells a changed component from an unchanged one
//! without reading it.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{Context, Result};

/// The files of one component as they were when looked at.
pub type Fingerprint = [Option<(u64, i64, i64, u64)>; 3];

/// Whether a path is one of a component's files (the watcher ignores everything else).
pub fn is_component_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    !name.starts_with('.') && [".wasm", ".manifest.toml", ".manifest.sig"].iter().any(|suffix| name.ends_with(suffix))
}

/// Every component of `dir` (a `*.wasm` file), by stem, with its fingerprint.
pub fn scan(dir: &Path) -> Result<BTreeMap<String, Fingerprint>> {
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading components directory {}", dir.display()))? {
        let path = entry?.path();
        let Some(stem) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".wasm")) else { continue };
        if stem.is_empty() || stem.starts_with('.') || !path.is_file() {
            continue;
        }
        found.insert(stem.to_string(), fingerprint(dir, stem));
    }
    Ok(found)
}

fn fingerprint(dir: &Path, stem: &str) -> Fingerprint {
    let of = |suffix: &str| {
        let m = std::fs::metadata(dir.join(format!("{stem}{suffix}"))).ok()?;
        Some((m.len(), m.mtime(), m.mtime_nsec(), m.ino()))
    };
    [of(".wasm"), of(".manifest.toml"), of(".manifest.sig")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_wasm_stems_and_any_of_their_files_changes_the_fingerprint() {
        let dir = std::env::temp_dir().join(format!("epmcp-directory-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(".cwasm")).unwrap();
        std::fs::write(dir.join("meps.wasm"), b"a").unwrap();
        std::fs::write(dir.join(".hidden.wasm"), b"a").unwrap();
        std::fs::write(dir.join("notes.txt"), b"a").unwrap();
        let before = scan(&dir).unwrap();
        assert_eq!(before.keys().collect::<Vec<_>>(), vec!["meps"]);
        assert_eq!(before["meps"][1], None);
        std::fs::write(dir.join("meps.manifest.toml"), b"m").unwrap();
        let after = scan(&dir).unwrap();
        assert_ne!(before["meps"], after["meps"]);
        assert!(is_component_file(&dir.join("meps.manifest.sig")) && !is_component_file(&dir.join(".cwasm/x.cwasm")));
        assert!(!is_component_file(&dir.join("notes.txt")));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
