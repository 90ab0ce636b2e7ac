//! JSON Schema validation of tool arguments and results, in the host, before and after
//! a component runs. Schemas come from the component's `describe()` and are compiled once.

use serde_json::Value;

/// Arguments larger than this (serialised) are refused before parsing further.
pub const MAX_ARGUMENT_BYTES: usize = 64 * 1024;
/// Any single string argument longer than this is refused.
pub const MAX_STRING_CHARS: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum Invalid {
    #[error("arguments are {0} bytes; the limit is {MAX_ARGUMENT_BYTES}")]
    TooLarge(usize),
    #[error("{field}: string of {chars} characters exceeds the limit of {MAX_STRING_CHARS}")]
    StringTooLong { field: String, chars: usize },
    #[error("{field}: {message}")]
    Schema { field: String, message: String },
}

impl Invalid {
    /// A short stable label (metrics, audit).
    pub fn kind(&self) -> &'static str {
        match self {
            Invalid::TooLarge(_) => "too_large",
            Invalid::StringTooLong { .. } => "string_too_long",
            Invalid::Schema { .. } => "schema",
        }
    }
}

/// Call arguments its tool's input schema accepted: the only form in which arguments reach
/// a component (see [`Schemas::arguments`]).
#[derive(Debug, Clone)]
pub struct Arguments(Value);

impl Arguments {
    pub fn value(&self) -> &Value {
        &self.0
    }

    /// The JSON text a component reads.
    pub fn to_json(&self) -> String {
        self.0.to_string()
    }
}

/// A tool's compiled input and output schemas.
pub struct Schemas {
    input: jsonschema::Validator,
    /// `None`: the tool returns content blocks only.
    output: Option<jsonschema::Validator>,
}

impl Schemas {
    /// Compiles both schemas; each must describe a JSON object.
    pub fn compile(input: &Value, output: Option<&Value>) -> anyhow::Result<Schemas> {
        let compile = |what: &str, schema: &Value| {
            if schema.get("type").and_then(Value::as_str) != Some("object") {
                anyhow::bail!("{what} schema must have type \"object\" at its root");
            }
            // An argument's format is checked (a `date` must be a calendar day), not only annotated.
            jsonschema::options()
                .should_validate_formats(what == "input")
                .build(schema)
                .map_err(|e| anyhow::anyhow!("{what} schema does not compile: {e}"))
        };
        Ok(Schemas { input: compile("input", input)?, output: output.map(|o| compile("output", o)).transpose()? })
    }

    /// Checks call arguments (absent arguments are `{}`).
    /// An argument given as `null` is treated as absent (input schemas advertise optional
    /// arguments without a null type; models often send null for "not given").
    pub fn arguments(&self, arguments: Option<serde_json::Map<String, Value>>) -> Result<Arguments, Invalid> {
        let mut arguments = arguments.unwrap_or_default();
        arguments.retain(|_, v| !v.is_null());
        let arguments = Value::Object(arguments);
        let size = serde_json::to_vec(&arguments).map(|v| v.len()).unwrap_or(usize::MAX);
        if size > MAX_ARGUMENT_BYTES {
            return Err(Invalid::TooLarge(size));
        }
        check_strings(&arguments, "")?;
        if self.input.is_valid(&arguments) {
            return Ok(Arguments(arguments));
        }
        if let Some(error) = self.input.iter_errors(&arguments).next() {
            return Err(Invalid::Schema { field: field_name(&error.instance_path().to_string()), message: message(&error) });
        }
        Ok(Arguments(arguments))
    }

    /// Checks a component's structured result against its declared output schema: one
    /// is present exactly when the other is.
    pub fn output(&self, output: Option<&Value>) -> Result<(), Invalid> {
        let (schema, output) = match (&self.output, output) {
            (None, None) => return Ok(()),
            (Some(schema), Some(output)) => (schema, output),
            (Some(_), None) => return Err(Invalid::Schema { field: "result".into(), message: "no structured result, though the tool declares an output schema".into() }),
            (None, Some(_)) => return Err(Invalid::Schema { field: "result".into(), message: "a structured result, though the tool declares no output schema".into() }),
        };
        if schema.is_valid(output) {
            return Ok(()); // the fast path: no error collection
        }
        match schema.iter_errors(output).next() {
            Some(error) => Err(Invalid::Schema { field: field_name(&error.instance_path().to_string()), message: error.to_string() }),
            None => Ok(()),
        }
    }
}

/// Names shown of unexpected properties (a hostile call can send thousands).
const MAX_NAMES_SHOWN: usize = 10;

/// What a model needs to correct its call: every allowed value of an enum (the library
/// shows two), and a bounded list of unexpected names.
fn message(error: &jsonschema::ValidationError) -> String {
    use jsonschema::error::ValidationErrorKind;
    match error.kind() {
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options.as_array().into_iter().flatten().map(Value::to_string).collect();
            format!("{} is not one of the allowed values: {}", clip(&error.instance().to_string()), allowed.join(", "))
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let shown: Vec<String> = unexpected.iter().take(MAX_NAMES_SHOWN).map(|n| format!("'{}'", clip(n))).collect();
            let more = unexpected.len().saturating_sub(MAX_NAMES_SHOWN);
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            format!("unexpected arguments {}{more}: see the tool's inputSchema for the ones it takes", shown.join(", "))
        }
        ValidationErrorKind::Format { format } if format == "date" => {
            format!("{} is not a calendar date (YYYY-MM-DD)", clip(&error.instance().to_string()))
        }
        _ => clip(&error.to_string()),
    }
}

/// A value or message cut to a readable length.
fn clip(text: &str) -> String {
    const MAX: usize = 200;
    if text.chars().count() <= MAX { text.to_string() } else { format!("{}…", text.chars().take(MAX).collect::<String>()) }
}

fn field_name(pointer: &str) -> String {
    if pointer.is_empty() { "arguments".to_string() } else { pointer.trim_start_matches('/').replace('/', ".") }
}

fn check_strings(value: &Value, path: &str) -> Result<(), Invalid> {
    match value {
        Value::String(s) => {
            let chars = s.chars().count();
            if chars > MAX_STRING_CHARS {
                return Err(Invalid::StringTooLong { field: field_name(path), chars });
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_strings(item, &format!("{path}/{i}"))?;
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                check_strings(item, &format!("{path}/{key}"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schemas() -> Schemas {
        let input = json!({"type": "object", "properties": {"limit": {"type": "integer", "minimum": 1, "maximum": 100}},
                           "additionalProperties": false});
        Schemas::compile(&input, Some(&json!({"type": "object"}))).unwrap()
    }

    fn args(v: Value) -> Option<serde_json::Map<String, Value>> {
        v.as_object().cloned()
    }

    #[test]
    fn names_the_field_and_rule() {
        let err = schemas().arguments(args(json!({"limit": 500}))).unwrap_err().to_string();
        assert!(err.starts_with("limit: "), "{err}");
        assert!(err.contains("100"), "{err}");
        let err = schemas().arguments(args(json!({"limit": "x"}))).unwrap_err().to_string();
        assert!(err.contains("integer"), "{err}");
        assert!(schemas().arguments(args(json!({"nope": 1}))).is_err());
        assert!(schemas().arguments(None).is_ok());
    }

    #[test]
    fn caps_sizes() {
        let long = "x".repeat(MAX_STRING_CHARS + 1);
        assert!(matches!(schemas().arguments(args(json!({"limit": long}))), Err(Invalid::StringTooLong { .. })));
        let huge = "x".repeat(MAX_ARGUMENT_BYTES);
        assert!(matches!(schemas().arguments(args(json!({"a": huge}))), Err(Invalid::TooLarge(_))));
    }

    #[test]
    fn refuses_non_object_schemas() {
        assert!(Schemas::compile(&json!({"type": "string"}), Some(&json!({"type": "object"}))).is_err());
        assert!(Schemas::compile(&json!({"type": "object"}), Some(&json!({"type": "array"}))).is_err());
        let content_only = Schemas::compile(&json!({"type": "object"}), None).unwrap();
        assert!(content_only.output(None).is_ok());
        assert!(content_only.output(Some(&json!({}))).is_err());
        assert!(schemas().output(None).is_err());
        assert!(schemas().output(Some(&json!({}))).is_ok());
    }
}
