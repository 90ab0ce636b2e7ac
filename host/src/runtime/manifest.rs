//! A component's manifest (`<stem>.manifest.toml` beside `<stem>.wasm`): who it is, the
//! digest of its code, and what the host lets it do — the EP path prefixes its tools may
//! reach, its memory cap, its deadline and its largest output. The host's own limits are
//! ceilings: a manifest may ask for less, never more. The manifest is what gets signed
//! (see `trust.rs`), so its policy is as authentic as its code.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::bindings::ComponentInfo;

/// The host's ceilings for every call: a component's manifest may ask for less.
#[derive(Debug, Clone, Copy)]
pub struct CallLimits {
    pub deadline: Duration,
    pub memory_bytes: usize,
    pub max_concurrent: u32,
    pub max_output_bytes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    /// `sha256:<hex>` of the `.wasm`.
    pub digest: String,
    /// EP API path prefixes (after `/api/v2/`) the component's tools may reach.
    pub egress: Vec<String>,
    /// Linear-memory cap per call, in MiB (default: the host's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u64>,
    /// Deadline per call, in milliseconds (default: the host's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<u64>,
    /// Largest result (structured JSON plus content blocks), in KiB (default: the host's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_kib: Option<u64>,
    /// Link wasi:filesystem to no directory at all, for a language runtime whose libc
    /// imports it; without this a component importing it is refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_filesystem: bool,
}

/// The limits one component's calls run under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComponentLimits {
    pub deadline: Duration,
    pub memory_bytes: usize,
    pub max_output_bytes: usize,
}

impl ComponentLimits {
    pub fn of_host(host: &CallLimits) -> ComponentLimits {
        ComponentLimits { deadline: host.deadline, memory_bytes: host.memory_bytes, max_output_bytes: host.max_output_bytes }
    }
}

/// Where a component's manifest and its signature live.
pub fn paths(wasm: &Path) -> (PathBuf, PathBuf) {
    (wasm.with_extension("manifest.toml"), wasm.with_extension("manifest.sig"))
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Manifest> {
        toml::from_str(text).context("not a valid component manifest")
    }

    pub fn render(&self) -> String {
        let body = toml::to_string(self).expect("a manifest serialises");
        format!("# epmcp component manifest: what the host lets this component do.\n{body}")
    }

    /// The manifest a component would get by default: its own declared prefixes, the
    /// host's limits (used for `--allow-unsigned` components without one, and by `sign`).
    pub fn describing(info: &ComponentInfo, digest: &str) -> Manifest {
        let mut egress: Vec<String> = info.tools.iter().flat_map(|t| t.egress_prefixes.iter().cloned()).collect();
        egress.sort();
        egress.dedup();
        // `meps` already covers `meps/show-current`.
        let covered: Vec<bool> = egress.iter().map(|p| egress.iter().any(|m| m != p && covers(m, p))).collect();
        let mut covered = covered.into_iter();
        egress.retain(|_| !covered.next().unwrap_or(false));
        Manifest {
            name: info.name.clone(),
            version: info.version.clone(),
            digest: format!("sha256:{digest}"),
            egress,
            memory_mib: None,
            deadline_ms: None,
            max_output_kib: None,
            empty_filesystem: false,
        }
    }

    /// Checked before any of the component's code is compiled.
    pub fn check_digest(&self, digest: &str) -> Result<()> {
        if self.digest.trim_start_matches("sha256:") != digest {
            bail!("the .wasm's SHA-256 is {digest}, its manifest names {}", self.digest);
        }
        Ok(())
    }

    /// The component's own description must match its manifest: same name and version,
    /// every tool's egress within the manifest's prefixes; the limits within the host's.
    pub fn check(&self, info: &ComponentInfo, host: &CallLimits) -> Result<ComponentLimits> {
        if info.name != self.name || info.version != self.version {
            bail!("the component says it is {} {}, its manifest {} {}", info.name, info.version, self.name, self.version);
        }
        for tool in &info.tools {
            if let Some(outside) = tool.egress_prefixes.iter().find(|p| !self.egress.iter().any(|m| covers(m, p))) {
                bail!("tool '{}' declares egress to '{outside}', outside its manifest's prefixes {:?}", tool.name, self.egress);
            }
        }
        let ceiling = |asked: Option<u64>, host: u64, what: &str, unit: &str| match asked {
            None => Ok(host),
            Some(0) => bail!("{what} of 0 {unit}"),
            Some(asked) if asked > host => bail!("{what} of {asked} {unit} is above the host's {host} {unit}"),
            Some(asked) => Ok(asked),
        };
        Ok(ComponentLimits {
            deadline: Duration::from_millis(ceiling(self.deadline_ms, host.deadline.as_millis() as u64, "a deadline", "ms")?),
            memory_bytes: (ceiling(self.memory_mib, (host.memory_bytes >> 20) as u64, "a memory cap", "MiB")? as usize) << 20,
            max_output_bytes: (ceiling(self.max_output_kib, (host.max_output_bytes >> 10) as u64, "an output cap", "KiB")? as usize)
                << 10,
        })
    }
}

/// Whether the manifest prefix `allowed` covers the tool prefix `asked`, on whole segments.
fn covers(allowed: &str, asked: &str) -> bool {
    let (allowed, asked) = (allowed.trim_matches('/'), asked.trim_matches('/'));
    !allowed.is_empty() && (asked == allowed || asked.strip_prefix(allowed).is_some_and(|rest| rest.starts_with('/')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::bindings::Annotations;
    use crate::runtime::bindings::epmcp::tool::types::ToolDescriptor;

    fn info(prefixes: &[&str]) -> ComponentInfo {
        ComponentInfo {
            name: "meps".into(),
            version: "1.0.0".into(),
            tools: vec![ToolDescriptor {
                name: "get_meps".into(),
                title: String::new(),
                description: String::new(),
                input_schema: "{}".into(),
                output_schema: None,
                annotations: Annotations { read_only: true, destructive: false, idempotent: true, open_world: true },
                egress_prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
            }],
            resources: Vec::new(),
            prompts: Vec::new(),
        }
    }

    fn host() -> CallLimits {
        CallLimits { deadline: Duration::from_secs(30), memory_bytes: 64 << 20, max_concurrent: 8, max_output_bytes: 8 << 20 }
    }

    #[test]
    fn a_manifest_round_trips_and_refuses_unknown_fields() {
        let manifest = Manifest { memory_mib: Some(32), ..Manifest::describing(&info(&["meps", "meps/feed"]), "ab") };
        assert_eq!(manifest.egress, vec!["meps"], "meps covers meps/feed");
        assert_eq!(Manifest::parse(&manifest.render()).unwrap(), manifest);
        assert!(Manifest::parse(&format!("{}\nnetwork = \"any\"\n", manifest.render())).is_err());
        assert!(manifest.check_digest("ab").is_ok());
        assert!(manifest.check_digest("abc").is_err());
    }

    #[test]
    fn the_description_must_stay_inside_the_manifest() {
        let manifest = Manifest { egress: vec!["meps".into()], ..Manifest::describing(&info(&["meps"]), "ab") };
        assert!(manifest.check(&info(&["meps", "meps/feed"]), &host()).is_ok());
        let outside = manifest.check(&info(&["meps-declarations"]), &host()).unwrap_err().to_string();
        assert!(outside.contains("outside its manifest"), "{outside}");
        assert!(manifest.check(&info(&["corporate-bodies"]), &host()).is_err());
        let renamed = Manifest { version: "2.0.0".into(), ..manifest.clone() };
        assert!(renamed.check(&info(&["meps"]), &host()).unwrap_err().to_string().contains("its manifest meps 2.0.0"));
    }

    #[test]
    fn limits_are_the_hosts_or_lower() {
        let base = Manifest::describing(&info(&["meps"]), "ab");
        assert_eq!(base.check(&info(&["meps"]), &host()).unwrap(), ComponentLimits::of_host(&host()));
        let lower = Manifest { memory_mib: Some(16), deadline_ms: Some(500), max_output_kib: Some(64), ..base.clone() };
        let limits = lower.check(&info(&["meps"]), &host()).unwrap();
        assert_eq!((limits.memory_bytes, limits.deadline, limits.max_output_bytes), (16 << 20, Duration::from_millis(500), 64 << 10));
        let greedy = Manifest { memory_mib: Some(128), ..base.clone() };
        assert!(greedy.check(&info(&["meps"]), &host()).unwrap_err().to_string().contains("above the host's 64 MiB"));
        assert!(Manifest { deadline_ms: Some(0), ..base }.check(&info(&["meps"]), &host()).is_err());
    }
}
