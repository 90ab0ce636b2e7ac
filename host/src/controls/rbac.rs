//! Role-based access: which tools and prompts each role may use. A role's grant is a
//! list of name patterns (`*` matches any run of characters; a leading `!` excludes);
//! the last pattern that matches a name decides. Names of the host's admin tools start
//! with `admin_`, and `researcher`'s default excludes them.

use std::collections::HashMap;

use anyhow::{Result, bail};

/// The seed's defaults: `public` gets two tools, `researcher` everything but the admin
/// tools, `admin` everything.
pub const DEFAULT_GRANTS: &str = "public=get_meps get_plenary_sessions,researcher=* !admin_*,admin=*";

/// The everyday data tools (the `core` profile).
macro_rules! core_tools {
    () => {
        "get_meps get_mep_details get_current_meps get_political_groups get_plenary_sessions get_voting_records \
         get_meeting_decisions get_latest_votes get_committee_info get_procedures get_procedure_events search_documents \
         get_adopted_texts get_plenary_documents get_parliamentary_questions get_speeches get_events admin_*"
    };
}

/// What `standard` adds to `core` besides the analyses: the documents the prompts ask for.
macro_rules! more_data_tools {
    () => {
        "get_committee_documents get_mep_declarations"
    };
}

/// The analyses.
macro_rules! analyses {
    () => {
        "analyze_* assess_* compare_* correlate_* detect_* early_warning_system generate_* get_all_generated_stats \
         monitor_* network_analysis sentiment_tracker track_* comparative_intelligence"
    };
}

/// Tool profiles (`--tools`), for clients that cap how many tools they take (some stop at
/// 40 or 50) and a context that cannot afford every schema: `core` is the everyday data
/// tools, `analysis` the analyses with the data tools they start from, `standard` (the
/// default) both, `all` everything (with the change feeds, the rarer lists and
/// get_server_health, which operators have as `--health` too). Any other value is a list
/// of patterns.
const PROFILES: &[(&str, &str)] = &[
    ("core", core_tools!()),
    (
        "analysis",
        concat!(
            "get_meps get_mep_details get_current_meps get_political_groups get_plenary_sessions get_voting_records \
             get_committee_info get_procedures admin_* ",
            analyses!()
        ),
    ),
    ("standard", concat!(core_tools!(), " ", more_data_tools!(), " ", analyses!())),
    ("all", "*"),
];

/// The tools a server offers at all (`--tools`): profiles' names and tool patterns, e.g.
/// `standard my_tool_*` (a profile plus a component of one's own). A tool outside it is as
/// if it were not installed, for every caller.
pub fn profile(raw: &str) -> Result<Grant> {
    let raw = raw.trim();
    let words = raw.split([' ', ',']).filter(|w| !w.is_empty()).flat_map(|word| match PROFILES.iter().find(|(name, _)| *name == word) {
        Some((_, patterns)) => patterns.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>(),
        None => vec![word],
    });
    let grant = Grant::parse(words)
        .map_err(|e| anyhow::anyhow!("--tools '{raw}': {e} (or a profile: core, analysis, standard, all)"))?;
    if grant.0.is_empty() {
        bail!("--tools is empty: name a profile (core, analysis, standard, all) or tool patterns");
    }
    Ok(grant)
}

#[derive(Debug, Clone)]
pub struct Policy {
    grants: HashMap<String, Grant>,
}

/// Name patterns, the last match deciding (also a tenant's tool groups).
#[derive(Debug, Clone)]
pub struct Grant(Vec<Pattern>);

#[derive(Debug, Clone)]
struct Pattern {
    glob: String,
    deny: bool,
}

impl Policy {
    /// `role=pattern pattern,role=pattern` (see [`DEFAULT_GRANTS`]).
    pub fn parse(raw: &str) -> Result<Policy> {
        let mut grants = HashMap::new();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((role, patterns)) = entry.split_once('=') else {
                bail!("role grant '{entry}' is not role=pattern pattern …");
            };
            let role = role.trim();
            if !crate::identity::valid_role(role) {
                bail!("role grant '{entry}': '{role}' is not a role name (lower-case letters, digits, - and _)");
            }
            let grant = Grant::parse(patterns.split_whitespace()).map_err(|e| anyhow::anyhow!("role grant '{entry}': {e}"))?;
            grants.insert(role.to_string(), grant);
        }
        Ok(Policy { grants })
    }

    /// Each role's patterns, as configured.
    pub fn summary(&self) -> serde_json::Value {
        let grants: std::collections::BTreeMap<&str, Vec<String>> = self
            .grants
            .iter()
            .map(|(role, grant)| (role.as_str(), grant.words()))
            .collect();
        serde_json::json!(grants)
    }

    /// Whether `role` may use the tool or prompt `name`. Unknown roles may use nothing.
    pub fn allows(&self, role: &str, name: &str) -> bool {
        self.grants.get(role).is_some_and(|grant| grant.allows(name))
    }
}

impl Grant {
    /// Words such as `get_*`, `!admin_*` (letters, digits, `_` and `*`).
    pub fn parse<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<Grant> {
        let patterns: Vec<Pattern> = words
            .into_iter()
            .map(|p| match p.strip_prefix('!') {
                Some(glob) => Pattern { glob: glob.to_string(), deny: true },
                None => Pattern { glob: p.to_string(), deny: false },
            })
            .collect();
        if let Some(bad) = patterns.iter().find(|p| p.glob.is_empty() || !p.glob.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '*'))) {
            bail!("pattern '{}' may hold only letters, digits, _ and *", bad.glob);
        }
        Ok(Grant(patterns))
    }

    /// Whether the last pattern matching `name` admits it (none matching: no).
    pub fn allows(&self, name: &str) -> bool {
        self.0.iter().rev().find(|p| glob_match(&p.glob, name)).is_some_and(|p| !p.deny)
    }

    /// The patterns as written.
    pub fn words(&self) -> Vec<String> {
        self.0.iter().map(|p| format!("{}{}", if p.deny { "!" } else { "" }, p.glob)).collect()
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_match(glob: &str, name: &str) -> bool {
    match glob.split_once('*') {
        None => glob == name,
        Some((head, rest)) => {
            let Some(tail) = name.strip_prefix(head) else { return false };
            (0..=tail.len()).filter(|i| tail.is_char_boundary(*i)).any(|i| glob_match(rest, &tail[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_grants() {
        let p = Policy::parse(DEFAULT_GRANTS).unwrap();
        assert!(p.allows("public", "get_meps") && p.allows("public", "get_plenary_sessions"));
        assert!(!p.allows("public", "get_mep_details"));
        assert!(p.allows("researcher", "get_mep_details") && p.allows("researcher", "mep_briefing"));
        assert!(!p.allows("researcher", "admin_config"));
        assert!(p.allows("admin", "admin_config") && p.allows("admin", "get_meps"));
        assert!(!p.allows("stranger", "get_meps"), "unknown roles get nothing");
    }

    #[test]
    fn globs_and_exclusions() {
        assert!(glob_match("get_*_feed", "get_meps_feed"));
        assert!(!glob_match("get_*_feed", "get_meps"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXbYc") && !glob_match("a*b*c", "aXbY"));
        let p = Policy::parse("team=get_* !get_*_feed get_meps_feed").unwrap();
        assert!(p.allows("team", "get_meps") && !p.allows("team", "get_events_feed") && p.allows("team", "get_meps_feed"));
    }

    #[test]
    fn a_profile_takes_patterns_besides_it() {
        let grant = profile("standard my_tool_*").unwrap();
        assert!(grant.allows("my_tool_concepts") && grant.allows("get_meps") && grant.allows("analyze_voting_patterns"));
        assert!(!grant.allows("get_meps_feed"), "standard has no feeds");
        assert!(profile("core").unwrap().allows("get_speeches") && !profile("core").unwrap().allows("my_tool_concepts"));
        assert!(profile("standard my-tool").is_err(), "patterns are still checked");
    }

    #[test]
    fn bad_grants_are_refused() {
        for bad in ["public", "Public=get_meps", "public=get-meps", "public=!"] {
            assert!(Policy::parse(bad).is_err(), "{bad}");
        }
    }
}
