//! The tool table: a tool is a name, an egress request, typed parameters and a typed
//! output. Schemas are derived from the same types serde reads and writes, so what
//! `tools/list` advertises is exactly what the tool accepts and returns.

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::common::{Common, Paged, Paging};
use crate::ep::Ep;
use crate::error::Error;
use crate::epmcp::tool::types::{Annotations, ComponentInfo, ToolDescriptor, ToolError, ToolOutput};

type Run = Box<dyn Fn(&Ep, Value) -> Result<Value, Error>>;
/// Narrows a shared parameter type's schema to one tool's own (see [`Tool::narrowed`]).
type Narrow = Box<dyn Fn(&mut Value)>;

pub struct Tool {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// EP API path prefixes (relative to `/api/v2/`) the tool may reach.
    pub egress: &'static [&'static str],
    input_schema: fn() -> Value,
    /// The properties of the [`Common`] arguments the tool takes besides its own.
    common: Option<Map<String, Value>>,
    /// Narrows the schema of a parameter type several tools share to this tool's own.
    narrow: Option<Narrow>,
    output_schema: fn() -> Value,
    run: Run,
}

impl Tool {
    /// A read-only tool over the EP API: `run` gets parsed parameters and returns its output.
    pub fn new<P, O>(
        name: &'static str,
        title: &'static str,
        description: &'static str,
        egress: &'static [&'static str],
        run: impl Fn(&Ep, P) -> Result<O, Error> + 'static,
    ) -> Tool
    where
        P: DeserializeOwned + JsonSchema + 'static,
        O: Serialize + JsonSchema + 'static,
    {
        Tool::of::<P, O>(name, title, description, egress, None, move |ep, arguments| run(ep, parameters(arguments)?))
    }

    /// A tool that takes, besides its own parameters `P`, a group of [`Common`]
    /// arguments (paging, a period): `run` gets both, read and checked.
    pub fn with<C, P, O>(
        name: &'static str,
        title: &'static str,
        description: &'static str,
        egress: &'static [&'static str],
        common: C,
        run: impl Fn(&Ep, P, C::Args) -> Result<O, Error> + 'static,
    ) -> Tool
    where
        C: Common,
        P: DeserializeOwned + JsonSchema + 'static,
        O: Serialize + JsonSchema + 'static,
    {
        let properties = common.properties();
        Tool::of::<P, O>(name, title, description, egress, Some(properties), move |ep, mut arguments| {
            let shared = match arguments.as_object_mut() {
                Some(fields) => common.take(fields)?,
                None => common.take(&mut Map::new())?,
            };
            run(ep, parameters(arguments)?, shared)
        })
    }

    /// The tool whose input schema is `P`'s (plus `common`), whose output schema is `O`'s,
    /// and whose `run` reads the argument object.
    fn of<P: JsonSchema, O: Serialize + JsonSchema + 'static>(
        name: &'static str,
        title: &'static str,
        description: &'static str,
        egress: &'static [&'static str],
        common: Option<Map<String, Value>>,
        run: impl Fn(&Ep, Value) -> Result<O, Error> + 'static,
    ) -> Tool {
        Tool {
            name,
            title,
            description,
            egress,
            input_schema: input_schema_of::<P>,
            output_schema: schema_of::<O>,
            common,
            narrow: None,
            run: Box::new(move |ep, arguments| {
                let output = run(ep, arguments)?;
                serde_json::to_value(output).map_err(|e| Error::Internal(format!("serialising output: {e}")))
            }),
        }
    }

    /// A list tool: its own parameters `P`, plus [`Paging`]'s `limit` (default
    /// `default_limit`) and `offset`, which mean the same in every list tool.
    pub fn paged<P, O>(
        name: &'static str,
        title: &'static str,
        description: &'static str,
        egress: &'static [&'static str],
        default_limit: u32,
        run: impl Fn(&Ep, P, Paging) -> Result<O, Error> + 'static,
    ) -> Tool
    where
        P: DeserializeOwned + JsonSchema + 'static,
        O: Serialize + JsonSchema + 'static,
    {
        Tool::with(name, title, description, egress, Paged { default_limit }, run)
    }

    /// The tool, its parameters' schema narrowed by `narrow`: for a table of tools that
    /// share one parameter type, each showing (and the host admitting) only its own.
    pub fn narrowed(self, narrow: impl Fn(&mut Value) + 'static) -> Tool {
        Tool { narrow: Some(Box::new(narrow)), ..self }
    }

    pub fn input_schema(&self) -> Value {
        let mut schema = (self.input_schema)();
        if let Some(narrow) = &self.narrow {
            narrow(&mut schema);
        }
        if let Some(common) = &self.common {
            let properties = schema.as_object_mut().map(|s| s.entry("properties").or_insert_with(|| Value::Object(Map::new())));
            if let Some(properties) = properties.and_then(Value::as_object_mut) {
                properties.extend(common.clone());
            }
        }
        schema
    }

    pub fn output_schema(&self) -> Value {
        (self.output_schema)()
    }

    /// Runs the tool on a JSON argument object.
    pub fn run(&self, ep: &Ep, arguments: Value) -> Result<Value, Error> {
        (self.run)(ep, arguments)
    }
}

/// A type's schema, with every sub-schema inline and no `$schema` (2020-12 is MCP's
/// default dialect): what the host advertises, without definitions it would drop.
pub fn schema_of<T: JsonSchema>() -> Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12().with(|s| {
        s.inline_subschemas = true;
        s.meta_schema = None;
    });
    serde_json::to_value(settings.into_generator().into_root_schema_for::<T>()).expect("a JSON Schema serialises")
}

/// A tool's own parameters, from its argument object (what is left of it after its
/// [`Common`] groups are taken out).
fn parameters<P: DeserializeOwned>(arguments: Value) -> Result<P, Error> {
    serde_json::from_value(arguments).map_err(|e| Error::invalid(format!("invalid arguments: {e}")))
}

/// A tool's own parameters' schema, as the host advertises it.
fn input_schema_of<T: JsonSchema>() -> Value {
    let mut schema = schema_of::<T>();
    // A day is the standard `date` format (the host checks it), a third of the pattern's bytes.
    for property in schema.get_mut("properties").and_then(Value::as_object_mut).into_iter().flat_map(|p| p.values_mut()) {
        if let Some(property) = property.as_object_mut().filter(|p| p.get("pattern").and_then(Value::as_str) == Some(crate::args::DATE_PATTERN)) {
            property.remove("pattern");
            property.insert("format".into(), "date".into());
        }
    }
    schema
}

/// The component's `describe` export.
pub fn describe(family: &str, version: &str, tools: &[Tool]) -> ComponentInfo {
    ComponentInfo {
        name: family.to_string(),
        version: version.to_string(),
        tools: tools
            .iter()
            .map(|t| ToolDescriptor {
                name: t.name.to_string(),
                title: t.title.to_string(),
                description: t.description.to_string(),
                input_schema: t.input_schema().to_string(),
                output_schema: Some(t.output_schema().to_string()),
                annotations: Annotations { read_only: true, destructive: false, idempotent: true, open_world: true },
                egress_prefixes: t.egress.iter().map(|p| p.to_string()).collect(),
            })
            .collect(),
        resources: Vec::new(),
        prompts: Vec::new(),
    }
}

/// The component's `call` export: the structured result (the host writes its text block).
pub fn call(tools: &[Tool], name: &str, arguments: &str) -> Result<ToolOutput, ToolError> {
    crate::ep::start_call();
    let tool = tools
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| ToolError::Internal(format!("unknown tool '{name}'")))?;
    let arguments: Value = serde_json::from_str(arguments)
        .map_err(|e| ToolError::InvalidArguments(format!("arguments are not JSON: {e}")))?;
    let mut output = tool.run(&Ep, arguments)?;
    crate::output::rounded(&mut output);
    // List items without an id, wherever the tool read them, are said in its warnings.
    let unidentified = crate::ep::take_unidentified();
    if !unidentified.is_empty()
        && let Some(fields) = output.as_object_mut()
    {
        let warnings = fields.entry("dataQualityWarnings").or_insert_with(|| Value::Array(Vec::new()));
        if let Some(warnings) = warnings.as_array_mut() {
            warnings.extend(unidentified.into_iter().map(Value::String));
        }
    }
    Ok(ToolOutput { structured: Some(output.to_string()), content: Vec::new() })
}

/// What the host will insist on at load time, checked at `cargo test` time: unique
/// snake_case names, object schemas, relative egress prefixes.
pub fn check_table(tools: &[Tool]) {
    let mut names = std::collections::HashSet::new();
    for t in tools {
        assert!(names.insert(t.name), "duplicate tool {}", t.name);
        assert!(t.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'), "{} is not snake_case", t.name);
        assert!(!t.description.is_empty() && !t.title.is_empty(), "{} needs a title and a description", t.name);
        for (what, schema) in [("input", t.input_schema()), ("output", t.output_schema())] {
            assert_eq!(schema["type"], "object", "{} {what} schema root must be an object", t.name);
        }
        for prefix in t.egress {
            assert!(!prefix.is_empty() && !prefix.starts_with('/') && !prefix.contains(".."), "{}: bad prefix {prefix}", t.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, JsonSchema, Serialize)]
    #[serde(deny_unknown_fields)]
    struct Own {
        name: Option<String>,
    }

    fn listed() -> Tool {
        Tool::paged("t", "T", "d", &["x"], 20, |_: &Ep, own: Own, paging: Paging| Ok(serde_json::json!({"name": own.name, "paging": paging})))
    }

    #[test]
    fn paging_is_taken_out_checked_and_described_once() {
        let tool = listed();
        let run = |arguments: Value| tool.run(&Ep, arguments);
        assert_eq!(run(serde_json::json!({})).unwrap()["paging"], serde_json::json!({"limit": 20, "offset": 0}));
        let read = run(serde_json::json!({"name": "a", "limit": 5, "offset": 10})).unwrap();
        assert_eq!(read, serde_json::json!({"name": "a", "paging": {"limit": 5, "offset": 10}}));
        for bad in [serde_json::json!({"limit": 0}), serde_json::json!({"limit": 101}), serde_json::json!({"offset": -1}), serde_json::json!({"limit": "5"})] {
            assert!(run(bad.clone()).unwrap_err().to_string().contains("invalid arguments"), "{bad}");
        }
        assert!(run(serde_json::json!({"nope": 1})).is_err(), "the tool's own parameters still refuse unknown names");
        let schema = tool.input_schema();
        assert_eq!(schema["properties"]["limit"]["default"], 20);
        assert_eq!(schema["properties"]["offset"]["maximum"], crate::common::MAX_OFFSET);
        assert_eq!(schema["additionalProperties"], false);
    }
}
