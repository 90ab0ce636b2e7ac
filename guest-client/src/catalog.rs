//! Resources and prompts a component declares beside its tools. Both are data: a
//! resource names one of the component's tools and the arguments to call it with; a
//! prompt is a message template. The host serves them (see `wit/tool.wit`).

use serde_json::Value;

use crate::epmcp::tool::types::{CompletionSource, PromptArgument, PromptBody, PromptDescriptor, ResourceTemplate};
use crate::tool::Tool;

/// An `ep://` resource template served by a tool of the same component.
pub struct Resource {
    pub uri_template: &'static str,
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub tool: &'static str,
    /// Tool arguments; string values `{var}` are replaced by the URI's variables.
    pub arguments: Value,
}

/// An MCP prompt: a user message with `{argument}` placeholders.
pub struct Prompt {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub arguments: Vec<Argument>,
    pub template: &'static str,
}

pub struct Argument {
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
    /// Values offered by completion (suggestions, not a closed set).
    pub values: &'static [&'static str],
    /// Completion values read from EP data through a tool.
    pub completion: Option<Completion>,
}

/// Where completion values come from: `tool` called with `arguments`; the `value` field
/// of each item at the JSON pointer `items`, matched on `value` and `match_fields`.
pub struct Completion {
    pub tool: &'static str,
    pub arguments: Value,
    pub items: &'static str,
    pub value: &'static str,
    pub match_fields: &'static [&'static str],
}

impl Argument {
    pub fn required(name: &'static str, description: &'static str) -> Argument {
        Argument { name, description, required: true, values: &[], completion: None }
    }

    pub fn optional(name: &'static str, description: &'static str) -> Argument {
        Argument { name, description, required: false, values: &[], completion: None }
    }

    pub fn complete_from(mut self, completion: Completion) -> Argument {
        self.completion = Some(completion);
        self
    }

    pub fn suggest(mut self, values: &'static [&'static str]) -> Argument {
        self.values = values;
        self
    }
}

/// For components without resources or prompts.
pub fn no_resources() -> Vec<Resource> {
    Vec::new()
}

pub fn no_prompts() -> Vec<Prompt> {
    Vec::new()
}

/// The variables of a URI template, in order: `ep://meps/{mepId}` → `["mepId"]`.
pub fn variables(template: &str) -> Vec<&str> {
    template.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect()
}

pub fn describe_resource(r: &Resource) -> ResourceTemplate {
    ResourceTemplate {
        uri_template: r.uri_template.to_string(),
        name: r.name.to_string(),
        title: r.title.to_string(),
        description: r.description.to_string(),
        mime_type: "application/json".to_string(),
        tool: r.tool.to_string(),
        arguments: r.arguments.to_string(),
    }
}

pub fn describe_prompt(p: &Prompt) -> PromptDescriptor {
    PromptDescriptor {
        name: p.name.to_string(),
        title: p.title.to_string(),
        description: p.description.to_string(),
        arguments: p
            .arguments
            .iter()
            .map(|a| PromptArgument {
                name: a.name.to_string(),
                description: a.description.to_string(),
                required: a.required,
                values: a.values.iter().map(|v| v.to_string()).collect(),
                completion: a.completion.as_ref().map(|c| CompletionSource {
                    tool: c.tool.to_string(),
                    arguments: c.arguments.to_string(),
                    items: c.items.to_string(),
                    value: c.value.to_string(),
                    match_fields: c.match_fields.iter().map(|f| f.to_string()).collect(),
                }),
            })
            .collect(),
        body: PromptBody::Template(p.template.to_string()),
    }
}

/// What the host insists on at load time, checked by `cargo test`: resources name a
/// tool of this component and use exactly their URI's variables; prompt placeholders
/// name declared arguments.
pub fn check(tools: &[Tool], resources: &[Resource], prompts: &[Prompt]) {
    for r in resources {
        assert!(r.uri_template.starts_with("ep://"), "{}: resource URIs use the ep:// scheme", r.uri_template);
        assert!(tools.iter().any(|t| t.name == r.tool), "{}: no tool {} in this component", r.uri_template, r.tool);
        assert!(r.arguments.is_object(), "{}: arguments must be an object", r.uri_template);
        let mut used: Vec<String> = r
            .arguments
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(_, v)| v.as_str()?.strip_prefix('{')?.strip_suffix('}').map(str::to_string))
            .collect();
        used.sort();
        let mut declared: Vec<String> = variables(r.uri_template).into_iter().map(str::to_string).collect();
        declared.sort();
        assert_eq!(used, declared, "{}: arguments must use every URI variable", r.uri_template);
    }
    for p in prompts {
        for a in &p.arguments {
            if let Some(c) = &a.completion {
                assert!(c.arguments.is_object() && c.items.starts_with('/'), "prompt {}.{}: bad completion source", p.name, a.name);
            }
        }
        for name in variables(p.template) {
            assert!(p.arguments.iter().any(|a| a.name == name), "prompt {}: undeclared placeholder {{{name}}}", p.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_variables() {
        assert_eq!(variables("ep://meps/{mepId}"), ["mepId"]);
        assert_eq!(variables("ep://a/{x}/b/{y}"), ["x", "y"]);
        assert!(variables("ep://meps").is_empty());
    }
}
