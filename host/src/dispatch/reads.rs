//! Resources, prompts and completion: each read is a tool call through the same
//! controls, as its caller (a resource is its tool's result; a prompt served by a tool
//! is that tool's content; completion values come from EP data read through a tool).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::error::{CallError, ReadError};
use super::{Dispatcher, Output};
use crate::identity::Caller;
use crate::runtime::catalog::{self, Candidate, CompletionSpec, PromptSource};
use crate::runtime::{ContentBlock, Link};

/// How long completion values read from EP data are reused.
const COMPLETION_TTL: Duration = Duration::from_secs(600);
/// Pages a completion source may read (e.g. the ~720 current MEPs in pages of 100).
const COMPLETION_MAX_PAGES: usize = 12;

/// Completion candidates and when they were read.
pub(super) type Cached = (Instant, Arc<Vec<Candidate>>);

impl Dispatcher {
    /// Whether `caller` may use the tool behind a resource template.
    pub fn resource_permitted(&self, caller: &Caller, uri_template: &str) -> bool {
        self.runtime.registry().resource_template(uri_template).is_some_and(|r| self.permits(caller, &r.tool))
    }

    /// The resource `uri` names: its tool, media type, and the tool arguments its variables make.
    fn resolve(&self, uri: &str) -> Option<(String, String, Map<String, Value>)> {
        self.registry()
            .resources
            .iter()
            .find_map(|r| r.matches(uri).map(|variables| (r.tool.clone(), r.mime_type.clone(), r.arguments_for(&variables))))
    }

    /// A resource is its tool's result: the URI's variables become the tool's
    /// arguments, validated by the tool's schema like any call. Returns the resource's
    /// media type with the result.
    pub async fn read_resource(&self, caller: &Caller, uri: &str, link: Link) -> Result<(String, Output), ReadError> {
        let (tool, mime_type, arguments) = self.resolve(uri).ok_or_else(|| ReadError::not_found(uri))?;
        let output = self.call_tool(caller, &tool, Some(arguments), link).await.map_err(ReadError::Call)?;
        Ok((mime_type, output))
    }

    /// Whether `uri` names a resource `caller` may read.
    pub fn readable(&self, caller: &Caller, uri: &str) -> bool {
        self.resolve(uri).is_some_and(|(tool, _, _)| self.permits(caller, &tool))
    }

    /// A subscribed resource, read again for its subscriber: a read like any other,
    /// through the subscriber's grants, tenant, limits and audit. `None` if it failed.
    pub async fn read_watched(&self, subscriber: &Caller, uri: &str) -> Option<Output> {
        self.read_resource(subscriber, uri, None).await.ok().map(|(_, output)| output)
    }

    /// A prompt and the content of its user messages: its rendered template, or the
    /// content blocks of the tool that serves it (called as `caller`, like any call).
    pub async fn get_prompt(
        &self,
        caller: &Caller,
        name: &str,
        arguments: &Map<String, Value>,
        link: Link,
    ) -> Result<(String, Vec<ContentBlock>), ReadError> {
        let bad = |error| ReadError::Prompt { name: name.chars().take(100).collect(), error };
        let registry = self.registry();
        let prompt = registry.prompt(name).ok_or_else(|| bad(catalog::PromptError::UnknownPrompt))?;
        let content = match &prompt.body {
            PromptSource::Template(_) => vec![ContentBlock::Text(prompt.render(arguments).map_err(bad)?)],
            PromptSource::Tool(tool) => {
                let arguments = prompt.check(arguments).map_err(bad)?;
                let output = self.call_tool(caller, tool, Some(arguments), link).await.map_err(ReadError::Call)?;
                match (output.content.is_empty(), output.structured) {
                    (true, Some(value)) => vec![ContentBlock::Text(value.to_string())],
                    _ => output.content,
                }
            }
        };
        Ok((prompt.description.clone(), content))
    }

    /// Completion of a prompt argument: its suggestions, or values from EP data read
    /// through the tool its completion source names, as the caller (who must be allowed
    /// that tool; the read is charged and audited like a call) and cached per tenant for
    /// [`COMPLETION_TTL`].
    pub async fn complete_prompt_argument(&self, caller: &Caller, prompt: &str, argument: &str, prefix: &str) -> (Vec<String>, usize) {
        let registry = self.registry();
        let Some(spec) = registry.prompt(prompt).and_then(|p| p.arguments.iter().find(|a| a.name == argument)) else {
            return (Vec::new(), 0);
        };
        match &spec.completion {
            Some(source) if !self.permits(caller, &source.tool) => (Vec::new(), 0),
            Some(source) => match self.completion_candidates(caller, source).await {
                Ok(candidates) => catalog::complete_candidates(&candidates, prefix),
                Err(e) => {
                    tracing::warn!(prompt, argument, "completion source failed: {e}");
                    (Vec::new(), 0)
                }
            },
            None => catalog::complete(spec.values.iter().map(String::as_str), prefix),
        }
    }

    async fn completion_candidates(&self, caller: &Caller, source: &CompletionSpec) -> Result<Arc<Vec<Candidate>>, CallError> {
        let key = format!("{}\n{}", caller.tenant, source.key());
        if let Some((at, candidates)) = self.completions.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
            && at.elapsed() < COMPLETION_TTL
        {
            return Ok(candidates.clone());
        }
        let mut arguments = source.arguments.clone();
        let mut candidates = Vec::new();
        for _ in 0..COMPLETION_MAX_PAGES {
            let read = self.call_tool(caller, &source.tool, Some(arguments.clone()), None).await.map_err(|failed| failed.error)?;
            let result = read.structured.unwrap_or_default();
            candidates.extend(source.candidates(&result));
            match result.get("nextOffset").and_then(Value::as_u64) {
                Some(next) => {
                    arguments.insert("offset".into(), next.into());
                }
                None => break,
            }
        }
        let candidates = Arc::new(candidates);
        self.completions.lock().unwrap_or_else(|e| e.into_inner()).insert(key, (Instant::now(), candidates.clone()));
        Ok(candidates)
    }

    /// Completion of a resource template variable from the enum of the tool argument it fills.
    pub fn complete_resource_variable(&self, uri_template: &str, variable: &str, prefix: &str) -> (Vec<String>, usize) {
        let registry = self.runtime.registry();
        let schema = registry.resource_template(uri_template).and_then(|r| {
            let argument = r.argument_of(variable)?;
            Some((&registry.get(&r.tool)?.input_schema, argument))
        });
        match schema {
            Some((schema, argument)) => catalog::complete(catalog::enum_values(schema, argument), prefix),
            None => (Vec::new(), 0),
        }
    }
}
