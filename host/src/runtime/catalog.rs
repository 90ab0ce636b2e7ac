//! Resources and prompts, as components declare them (see `wit/tool.wit`): matching
//! URIs (`ep://…`) to resource templates, turning URI variables into tool arguments,
//! validating prompt arguments and rendering prompt text, and completion values.
//! Pure logic; the registry holds the specs and the dispatcher runs the tools.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// The names of the tools the host answers itself (`dispatch/host_tools.rs` answers them):
/// here, below dispatch, so that the registry can reserve them and anomaly detection spare
/// the health tool.
pub mod host_tool {
    /// `get_server_health`; anomaly isolation still lets a caller use it.
    pub const HEALTH: &str = "get_server_health";
    pub const CONFIG: &str = "admin_config";
    pub const METRICS: &str = "admin_metrics";
    pub const COMPONENTS: &str = "admin_components";
    pub const TENANTS: &str = "admin_tenants";
    pub const ANOMALIES: &str = "admin_anomalies";
    pub const LIFT: &str = "admin_lift_block";
    /// Every one, in the order tools/list shows them: no component may take one of these names.
    pub const ALL: [&str; 7] = [HEALTH, CONFIG, METRICS, COMPONENTS, TENANTS, ANOMALIES, LIFT];
}

/// Whether the host answers `name` itself.
pub fn is_host_tool(name: &str) -> bool {
    host_tool::ALL.contains(&name)
}

/// URIs longer than this are refused before matching.
pub const MAX_URI_BYTES: usize = 2048;
/// Prompt argument values longer than this are refused.
pub const MAX_PROMPT_ARGUMENT_CHARS: usize = 200;
/// At most this many completion values per answer (the MCP limit).
pub const MAX_COMPLETIONS: usize = 100;

/// Resource URI schemes a component may not claim: they name things we do not serve.
const RESERVED_SCHEMES: &[&str] = &["http", "https", "file"];

/// Whether a component may declare resources under `uri_template`'s scheme.
pub fn valid_resource_template(uri_template: &str) -> bool {
    let Some((scheme, _)) = uri_template.split_once("://") else { return false };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '.' | '-'))
        && !RESERVED_SCHEMES.contains(&scheme)
}

/// A resource template (`ep://meps/{mepId}`) served by a tool.
#[derive(Clone)]
pub struct ResourceSpec {
    pub uri_template: String,
    pub name: String,
    pub title: String,
    pub description: String,
    pub mime_type: String,
    /// The tool (of the same component) that serves it.
    pub tool: String,
    /// Tool arguments with `{var}` placeholders as string values.
    pub arguments: Map<String, Value>,
}

impl ResourceSpec {
    /// A template without variables is a concrete resource too.
    pub fn is_concrete(&self) -> bool {
        !self.uri_template.contains('{')
    }

    /// The URI's variables, if it matches this template: literal segments equal, each
    /// variable exactly one non-empty segment (percent-decoded), no query or fragment.
    pub fn matches(&self, uri: &str) -> Option<BTreeMap<String, String>> {
        if uri.len() > MAX_URI_BYTES || uri.contains(['?', '#']) {
            return None;
        }
        let (scheme, template) = self.uri_template.split_once("://")?;
        let template: Vec<&str> = template.split('/').collect();
        let actual: Vec<&str> = uri.strip_prefix(scheme)?.strip_prefix("://")?.split('/').collect();
        if template.len() != actual.len() {
            return None;
        }
        let mut variables = BTreeMap::new();
        for (t, a) in template.iter().zip(&actual) {
            match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                Some(name) if !a.is_empty() => {
                    variables.insert(name.to_string(), percent_decode(a)?);
                }
                Some(_) => return None,
                None if t == a => {}
                None => return None,
            }
        }
        Some(variables)
    }

    /// The tool arguments for a matched URI.
    pub fn arguments_for(&self, variables: &BTreeMap<String, String>) -> Map<String, Value> {
        let mut arguments = self.arguments.clone();
        for value in arguments.values_mut() {
            let name = value.as_str().and_then(|s| s.strip_prefix('{')).and_then(|s| s.strip_suffix('}'));
            if let Some(v) = name.and_then(|n| variables.get(n)) {
                *value = Value::String(v.clone());
            }
        }
        arguments
    }

    /// The tool argument a URI variable fills, e.g. `mepId` → `id`.
    pub fn argument_of(&self, variable: &str) -> Option<&str> {
        let placeholder = format!("{{{variable}}}");
        self.arguments.iter().find(|(_, v)| v.as_str() == Some(&placeholder)).map(|(k, _)| k.as_str())
    }
}

/// Strict percent-decoding of one URI segment; `None` for malformed escapes or non-UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[derive(Clone)]
pub struct PromptArgumentSpec {
    pub name: String,
    pub description: String,
    pub required: bool,
    /// Suggestions offered by completion.
    pub values: Vec<String>,
    /// Completion values from EP data, through a tool.
    pub completion: Option<CompletionSpec>,
}

/// See `completion-source` in `wit/tool.wit`.
#[derive(Clone)]
pub struct CompletionSpec {
    pub tool: String,
    pub arguments: Map<String, Value>,
    pub items: String,
    pub value: String,
    pub match_fields: Vec<String>,
}

/// A completion value and the texts it is found by.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub value: String,
    pub keys: Vec<String>,
}

impl CompletionSpec {
    /// A stable key for caching the candidates of this source.
    pub fn key(&self) -> String {
        format!("{}{}", self.tool, Value::Object(self.arguments.clone()))
    }

    /// The candidates in one tool result.
    pub fn candidates(&self, result: &Value) -> Vec<Candidate> {
        let items = result.pointer(&self.items).and_then(Value::as_array).into_iter().flatten();
        items
            .filter_map(|item| {
                let value = item.get(&self.value).and_then(Value::as_str)?.to_string();
                let mut keys = vec![value.to_lowercase()];
                keys.extend(self.match_fields.iter().filter_map(|f| item.get(f).and_then(Value::as_str)).map(str::to_lowercase));
                Some(Candidate { value, keys })
            })
            .collect()
    }
}

/// Candidates found by `prefix`: a key that starts with it, or has a word that does
/// (`rupo` finds `Elio DI RUPO`). Duplicate values are offered once.
pub fn complete_candidates(candidates: &[Candidate], prefix: &str) -> (Vec<String>, usize) {
    let prefix = prefix.to_lowercase();
    let mut seen = std::collections::HashSet::new();
    let matching: Vec<&str> = candidates
        .iter()
        .filter(|c| c.keys.iter().any(|k| k.starts_with(&prefix) || k.split([' ', '-', '/']).any(|w| w.starts_with(&prefix))))
        .map(|c| c.value.as_str())
        .filter(|v| seen.insert(*v))
        .collect();
    let total = matching.len();
    (matching.into_iter().take(MAX_COMPLETIONS).map(str::to_string).collect(), total)
}

#[derive(Clone)]
pub struct PromptSpec {
    pub name: String,
    pub title: String,
    pub description: String,
    pub arguments: Vec<PromptArgumentSpec>,
    pub body: PromptSource,
}

/// Where a prompt's messages come from.
#[derive(Clone)]
pub enum PromptSource {
    /// One user message from this text, with `{argument}` placeholders.
    Template(String),
    /// The content blocks of this tool's result, one user message each.
    Tool(String),
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum PromptError {
    #[error("unknown prompt (see prompts/list)")]
    UnknownPrompt,
    #[error("unknown argument '{0}'")]
    Unknown(String),
    #[error("argument '{0}' is required")]
    Missing(String),
    #[error("argument '{name}': {reason}")]
    Bad { name: String, reason: String },
}

impl PromptSpec {
    /// Checks the arguments (strings only, known names, required present, bounded, no
    /// control characters); returns the non-empty ones, trimmed.
    pub fn check(&self, arguments: &Map<String, Value>) -> Result<Map<String, Value>, PromptError> {
        let mut given = Map::new();
        for (name, value) in arguments {
            if !self.arguments.iter().any(|a| &a.name == name) {
                return Err(PromptError::Unknown(name.clone()));
            }
            let bad = |reason: String| PromptError::Bad { name: name.clone(), reason };
            let value = value.as_str().ok_or_else(|| bad("must be a string".into()))?.trim();
            if value.chars().count() > MAX_PROMPT_ARGUMENT_CHARS {
                return Err(bad(format!("longer than {MAX_PROMPT_ARGUMENT_CHARS} characters")));
            }
            if value.chars().any(char::is_control) {
                return Err(bad("contains control characters".into()));
            }
            if !value.is_empty() {
                given.insert(name.clone(), Value::String(value.to_string()));
            }
        }
        if let Some(missing) = self.arguments.iter().find(|a| a.required && !given.contains_key(&a.name)) {
            return Err(PromptError::Missing(missing.name.clone()));
        }
        Ok(given)
    }

    /// Checks the arguments and renders the text of a template prompt.
    pub fn render(&self, arguments: &Map<String, Value>) -> Result<String, PromptError> {
        let given = self.check(arguments)?;
        let PromptSource::Template(template) = &self.body else {
            return Err(PromptError::Bad { name: self.name.clone(), reason: "not a template prompt".into() });
        };
        let mut text = Vec::new();
        'lines: for line in template.lines() {
            let mut line = line.to_string();
            for a in &self.arguments {
                let placeholder = format!("{{{}}}", a.name);
                if line.contains(&placeholder) {
                    match given.get(&a.name).and_then(Value::as_str) {
                        Some(value) => line = line.replace(&placeholder, value),
                        None => continue 'lines, // an optional argument that was not given
                    }
                }
            }
            text.push(line);
        }
        Ok(text.join("\n"))
    }
}

/// Completion: the candidates that start with `prefix` (case-insensitively), at most
/// [`MAX_COMPLETIONS`], plus the total number of matches.
pub fn complete<'a>(candidates: impl IntoIterator<Item = &'a str>, prefix: &str) -> (Vec<String>, usize) {
    let prefix = prefix.to_lowercase();
    let matching: Vec<&str> = candidates.into_iter().filter(|c| c.to_lowercase().starts_with(&prefix)).collect();
    let total = matching.len();
    (matching.into_iter().take(MAX_COMPLETIONS).map(str::to_string).collect(), total)
}

/// The closed set of values a tool's input schema allows for one argument (its `enum`,
/// directly or through a `$ref`), for completing resource template variables.
pub fn enum_values<'a>(schema: &'a Value, argument: &str) -> Vec<&'a str> {
    let mut property = &schema["properties"][argument];
    for _ in 0..4 {
        if let Some(reference) = property.get("$ref").and_then(Value::as_str) {
            let pointer = reference.trim_start_matches('#');
            property = schema.pointer(pointer).unwrap_or(&Value::Null);
        } else if let Some(any) = property.get("anyOf").and_then(Value::as_array) {
            property = any.iter().find(|v| v.get("type") != Some(&Value::from("null"))).unwrap_or(&Value::Null);
        } else {
            break;
        }
    }
    property.get("enum").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn prompt() -> PromptSpec {
        let arg = |name: &str, required: bool, values: &[&str]| PromptArgumentSpec {
            name: name.into(),
            description: String::new(),
            required,
            values: values.iter().map(|v| v.to_string()).collect(),
            completion: None,
        };
        PromptSpec {
            name: "p".into(),
            title: "P".into(),
            description: "d".into(),
            arguments: vec![arg("mepId", true, &[]), arg("period", false, &[])],
            body: PromptSource::Template("Brief on MEP {mepId}.\nPeriod: {period}.\nEnd.".into()),
        }
    }

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn renders_and_drops_lines_of_absent_optionals() {
        assert_eq!(prompt().render(&args(json!({"mepId": "1294"}))).unwrap(), "Brief on MEP 1294.\nEnd.");
        assert_eq!(
            prompt().render(&args(json!({"mepId": "1294", "period": "2024"}))).unwrap(),
            "Brief on MEP 1294.\nPeriod: 2024.\nEnd."
        );
    }

    #[test]
    fn refuses_bad_prompt_arguments() {
        let p = prompt();
        assert_eq!(p.render(&args(json!({}))), Err(PromptError::Missing("mepId".into())));
        assert_eq!(p.render(&args(json!({"mepId": "  "}))), Err(PromptError::Missing("mepId".into())));
        assert_eq!(p.render(&args(json!({"mepId": "1", "x": "y"}))), Err(PromptError::Unknown("x".into())));
        assert!(matches!(p.render(&args(json!({"mepId": 1}))), Err(PromptError::Bad { .. })));
        assert!(matches!(p.render(&args(json!({"mepId": "x".repeat(201)}))), Err(PromptError::Bad { .. })));
        assert!(matches!(p.render(&args(json!({"mepId": "a\u{0}b"}))), Err(PromptError::Bad { .. })));
    }

    #[test]
    fn completes_by_prefix() {
        let (values, total) = complete(["BE", "BG", "DE"], "b");
        assert_eq!((values, total), (vec!["BE".to_string(), "BG".to_string()], 2));
    }

    #[test]
    fn finds_enums_through_refs() {
        let schema = json!({"properties": {"country": {"anyOf": [{"$ref": "#/$defs/C"}, {"type": "null"}]}},
                            "$defs": {"C": {"type": "string", "enum": ["BE", "DE"]}}});
        assert_eq!(enum_values(&schema, "country"), ["BE", "DE"]);
        assert!(enum_values(&schema, "other").is_empty());
    }

    #[test]
    fn completion_candidates_from_a_tool_result() {
        let spec = CompletionSpec {
            tool: "get_current_meps".into(),
            arguments: Map::new(),
            items: "/data".into(),
            value: "id".into(),
            match_fields: vec!["name".into()],
        };
        let result = json!({"data": [{"id": "1294", "name": "Elio DI RUPO"}, {"id": "101", "name": "Thomas WEBER"}, {"name": "no id"}]});
        let candidates = spec.candidates(&result);
        assert_eq!(candidates.len(), 2);
        assert_eq!(complete_candidates(&candidates, "rupo").0, ["1294"]);
        assert_eq!(complete_candidates(&candidates, "1").0, ["1294", "101"]);
        assert_eq!(complete_candidates(&candidates, "zz").1, 0);
    }

    fn resource(template: &str, arguments: Value) -> ResourceSpec {
        ResourceSpec {
            uri_template: template.into(),
            name: "r".into(),
            title: "R".into(),
            description: String::new(),
            mime_type: "application/json".into(),
            tool: "t".into(),
            arguments: arguments.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn matches_uris_to_templates() {
        let r = resource("ep://meps/{mepId}", json!({"id": "{mepId}", "live": false}));
        let vars = r.matches("ep://meps/124936").unwrap();
        assert_eq!(r.arguments_for(&vars), args(json!({"id": "124936", "live": false})));
        assert_eq!(r.matches("ep://meps/A%2FB").unwrap()["mepId"], "A/B");
        for bad in ["ep://meps", "ep://meps/", "ep://meps/1/2", "ep://meps/1?x=2", "ep://meps/1#f", "http://meps/1", "ep://mep/1", "ep://meps/%zz"] {
            assert!(r.matches(bad).is_none(), "{bad}");
        }
        assert_eq!(r.argument_of("mepId"), Some("id"));
        assert!(resource("ep://meps", json!({})).matches("ep://meps").is_some());
        assert_eq!(resource("test://template/{id}/data", json!({"id": "{id}"})).matches("test://template/123/data").unwrap()["id"], "123");
        assert!(resource("test://x/{id}", json!({"id": "{id}"})).matches("ep://x/1").is_none());
        for (template, valid) in [("ep://meps/{id}", true), ("test://a", true), ("https://a", false), ("file:///etc", false), ("Ep://a", false), ("ep:/a", false), ("://a", false)] {
            assert_eq!(valid_resource_template(template), valid, "{template}");
        }
        assert!(resource("ep://meps", json!({})).is_concrete());
    }

    #[test]
    fn percent_decoding_is_strict() {
        assert_eq!(percent_decode("a%2Fb").as_deref(), Some("a/b"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%2"), None);
    }
}
