//! Tool schemas every client can compile. A component describes its schemas in whatever
//! JSON Schema its generator writes (schemars: `$defs` with `$ref`s, `uint32` formats, a
//! bare `true` for "any JSON"); clients in use refuse some of that (TypeScript SDK 1.22
//! drops `$defs` and then cannot resolve the `$ref`s; 1.22–1.32 reject a bare `true`; Ajv 6
//! throws on unknown formats). So the host rewrites each schema once, at load, into a
//! portable form, and validates calls and results against it:
//! - `$ref`s into the root's `$defs` are inlined; an output schema drops `$defs` and
//!   `$schema`, an input schema keeps them as declared (nothing refers to them any more);
//! - formats other than the standard ones are dropped (an unsigned input one becomes `minimum: 0`);
//! - a bare `true`/`false` sub-schema becomes `{}`/`{"not": {}}` (kept where a boolean is
//!   the keyword's usual value, as in `additionalProperties: false`);
//! - `title`s and the root's description are dropped (the tool has its own);
//! - an optional argument's type and enum lose `null` (the host drops null arguments);
//! - output schemas keep their structure and constraints but not their prose
//!   (`description`, `examples`, `default`): the tool's description says what it returns.
//!
//! The host checks results against that full output schema; clients are told its top
//! level ([`advertised`]), since a model reads tools/list on every turn.

use serde_json::{Map, Value, json};

/// Formats JSON Schema defines (and every validator in use knows).
const STANDARD_FORMATS: &[&str] = &[
    "date", "time", "date-time", "duration", "email", "hostname", "ipv4", "ipv6", "uri", "uri-reference", "iri",
    "iri-reference", "uri-template", "uuid", "regex", "json-pointer", "relative-json-pointer",
];

/// Keywords whose value is one sub-schema, or a map or list of them.
const ONE: &[&str] = &["items", "additionalProperties", "unevaluatedProperties", "not", "if", "then", "else", "contains", "propertyNames", "additionalItems", "unevaluatedItems"];
const MAP: &[&str] = &["properties", "patternProperties", "dependentSchemas"];
const LIST: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];
/// Keywords where a bare boolean is the usual, portable spelling.
const BOOLEAN_OK: &[&str] = &["additionalProperties", "unevaluatedProperties", "additionalItems", "unevaluatedItems"];

/// Inlining stops at this depth of nested `$ref`s (a recursive type): deeper, any value.
const MAX_REF_DEPTH: usize = 8;

#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    Input,
    Output,
}

/// The portable form of a tool's input or output schema.
pub fn portable(schema: &Value, kind: Kind) -> Value {
    let defs = schema.get("$defs").or_else(|| schema.get("definitions")).and_then(Value::as_object).cloned().unwrap_or_default();
    let mut rewriter = Rewriter { defs, kind, expanding: Vec::new(), depth: 0 };
    let mut root = rewriter.schema(schema, None);
    if let Some(root) = root.as_object_mut() {
        // The root's description is the type's doc comment: the tool's own description says it.
        root.remove("description");
        root.remove("$id");
        match kind {
            // Nothing refers to `$defs` any more; clients compile output schemas (and TypeScript
            // SDK 1.22 drops `$defs`), so they go. An input schema keeps its declared dialect
            // and definitions as the component wrote them (2020-12 servers are expected to).
            Kind::Output => {
                for key in ["$schema", "$defs", "definitions"] {
                    root.remove(key);
                }
            }
            Kind::Input => {
                for key in ["$schema", "$defs", "definitions"] {
                    if let Some(value) = schema.get(key) {
                        root.insert(key.into(), value.clone());
                    }
                }
            }
        }
    }
    root
}

struct Rewriter {
    defs: Map<String, Value>,
    kind: Kind,
    /// The `$defs` being inlined, outermost first (to stop on recursion).
    expanding: Vec<String>,
    /// How many `properties` deep the node being rewritten is.
    depth: usize,
}

impl Rewriter {
    /// One sub-schema; `keyword` is the keyword it is the value of.
    fn schema(&mut self, node: &Value, keyword: Option<&str>) -> Value {
        let object = match node {
            Value::Bool(b) if keyword.is_some_and(|k| BOOLEAN_OK.contains(&k)) => return Value::Bool(*b),
            Value::Bool(true) => return json!({}),
            Value::Bool(false) => return json!({"not": {}}),
            Value::Object(object) => object,
            other => return other.clone(),
        };
        if let Some(name) = object.get("$ref").and_then(Value::as_str).and_then(def_name) {
            return self.inline(name, object);
        }
        let mut out = Map::new();
        for (key, value) in object {
            match key.as_str() {
                "$schema" | "$defs" | "definitions" | "title" => {}
                "description" | "examples" | "default" if self.kind == Kind::Output => {}
                // An optional argument's `null` means absent (the host drops it before validating).
                "type" if self.kind == Kind::Input && keyword == Some("property") => {
                    out.insert(key.clone(), without_null(value));
                }
                "format" => {
                    let format = value.as_str().unwrap_or_default();
                    if STANDARD_FORMATS.contains(&format) {
                        out.insert(key.clone(), value.clone());
                    } else if format.starts_with("uint") && !object.contains_key("minimum") && self.kind == Kind::Input {
                        out.insert("minimum".into(), json!(0));
                    }
                }
                k if ONE.contains(&k) => {
                    out.insert(key.clone(), self.schema(value, Some(k)));
                }
                k if MAP.contains(&k) => {
                    // The root's properties are the tool's arguments.
                    let at = if k == "properties" && self.depth == 0 { Some("property") } else { None };
                    self.depth += 1;
                    let map = value.as_object().map(|m| m.iter().map(|(name, s)| (name.clone(), self.schema(s, at))).collect());
                    self.depth -= 1;
                    out.insert(key.clone(), map.map(Value::Object).unwrap_or_else(|| value.clone()));
                }
                k if LIST.contains(&k) => {
                    let list = value.as_array().map(|l| l.iter().map(|s| self.schema(s, None)).collect());
                    out.insert(key.clone(), list.map(Value::Array).unwrap_or_else(|| value.clone()));
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        if self.kind == Kind::Output {
            collapse_consts(&mut out);
        }
        if self.kind == Kind::Input && keyword == Some("property") {
            drop_null_alternative(&mut out);
            if let Some(Value::Array(values)) = out.get_mut("enum") {
                values.retain(|v| !v.is_null());
            }
        }
        Value::Object(out)
    }

    /// `{"$ref": "#/$defs/name", …siblings}` → the definition, rewritten, with the siblings.
    fn inline(&mut self, name: String, object: &Map<String, Value>) -> Value {
        let definition = match self.defs.get(&name) {
            Some(d) if !self.expanding.contains(&name) && self.expanding.len() < MAX_REF_DEPTH => d.clone(),
            _ => return json!({}), // recursive or unknown: any value (never an unresolved reference)
        };
        self.expanding.push(name);
        let mut inlined = self.schema(&definition, None);
        self.expanding.pop();
        let siblings: Map<String, Value> = object.iter().filter(|(k, _)| *k != "$ref").map(|(k, v)| (k.clone(), v.clone())).collect();
        if let (Value::Object(target), Value::Object(extra)) = (&mut inlined, self.schema(&Value::Object(siblings), None)) {
            for (key, value) in extra {
                target.insert(key, value);
            }
        }
        inlined
    }
}

/// `["string", "null"]` → `"string"`; other types as they are.
fn without_null(types: &Value) -> Value {
    match types.as_array().map(|t| t.iter().filter(|t| *t != "null").collect::<Vec<_>>()) {
        Some(rest) if rest.len() == 1 => rest[0].clone(),
        Some(rest) => Value::Array(rest.into_iter().cloned().collect()),
        None => types.clone(),
    }
}

/// `anyOf: [X, {"type": "null"}]` (an optional argument of a named type) → X.
fn drop_null_alternative(schema: &mut Map<String, Value>) {
    let Some(Value::Array(alternatives)) = schema.get("anyOf") else { return };
    let rest: Vec<&Value> = alternatives.iter().filter(|a| **a != json!({"type": "null"})).collect();
    if rest.len() != 1 || rest.len() == alternatives.len() {
        return;
    }
    let Some(only) = rest[0].as_object().cloned() else { return };
    schema.remove("anyOf");
    for (key, value) in only {
        schema.entry(key).or_insert(value);
    }
}

/// The definition a local `$ref` names (`#/$defs/X` or `#/definitions/X`).
fn def_name(reference: &str) -> Option<String> {
    let name = reference.strip_prefix("#/$defs/").or_else(|| reference.strip_prefix("#/definitions/"))?;
    Some(name.replace("~1", "/").replace("~0", "~"))
}

/// `oneOf` of `{type, const}` alternatives (a documented enum, once its prose is gone) →
/// one `enum`: the same values, a fraction of the bytes.
fn collapse_consts(schema: &mut Map<String, Value>) {
    let Some(alternatives) = schema.get("oneOf").and_then(Value::as_array) else { return };
    let mut values = Vec::new();
    let mut kind: Option<&Value> = None;
    for alternative in alternatives {
        let Some(a) = alternative.as_object() else { return };
        let (Some(value), Some(t)) = (a.get("const"), a.get("type")) else { return };
        if a.len() != 2 || kind.is_some_and(|k| k != t) {
            return;
        }
        kind = Some(t);
        values.push(value.clone());
    }
    let Some(kind) = kind.cloned() else { return };
    schema.remove("oneOf");
    schema.insert("type".into(), kind);
    schema.insert("enum".into(), Value::Array(values));
}

/// What clients are told a tool returns: the stable top level of its portable output schema,
/// not every nested field. Each top-level field keeps its type; a list of records names its
/// records' fields (their values are self-describing JSON in every result). Bounds, enums
/// (an argument's echo repeats the input's) and `required` are left out. It only relaxes the full schema, which the host
/// checks every result against before answering, so a result always satisfies it. Clients
/// and models read tools/list on every turn: this is most of its bytes.
pub fn advertised(output: &Value) -> Value {
    let fields = output.get("properties").and_then(Value::as_object).map(|p| p.iter().map(|(name, s)| (name.clone(), field(s))).collect());
    json!({"type": "object", "properties": Value::Object(fields.unwrap_or_default())})
}

/// What clients are told a tool takes: its portable input schema without string lengths.
/// The host still enforces them (an over-long string is an argument error the model reads
/// and corrects); a model needs the patterns, enums and descriptions, not the bounds.
pub fn advertised_input(input: &Value) -> Value {
    let mut input = input.clone();
    for property in input.get_mut("properties").and_then(Value::as_object_mut).into_iter().flat_map(|p| p.values_mut()) {
        if let Some(property) = property.as_object_mut() {
            property.remove("minLength");
            property.remove("maxLength");
        }
    }
    input
}

/// A top-level field: its type, and for a list of records their fields.
fn field(schema: &Value) -> Value {
    let mut out = typed(schema);
    if let Some(items) = schema.get("items") {
        let record = alternatives(items).into_iter().find_map(|a| a.get("properties").and_then(Value::as_object));
        let items = match record {
            Some(properties) => {
                let mut shape = typed(items);
                let fields = properties.keys().map(|name| (name.clone(), json!({}))).collect();
                shape.insert("properties".into(), Value::Object(fields));
                shape
            }
            // A list of plain values: `array` says enough.
            None => Map::new(),
        };
        if !items.is_empty() {
            out.insert("items".into(), Value::Object(items));
        }
    }
    Value::Object(out)
}

/// `{"type": …}` of a schema, its alternatives' types joined (empty when a type is unknown).
fn typed(schema: &Value) -> Map<String, Value> {
    let mut types: Vec<Value> = Vec::new();
    for alternative in alternatives(schema) {
        let named = match alternative.get("type") {
            Some(Value::String(t)) => vec![Value::String(t.clone())],
            Some(Value::Array(ts)) => ts.clone(),
            _ => return Map::new(), // an alternative of any type: the field is any type
        };
        types.extend(named.into_iter().filter(|t| !types.contains(t)).collect::<Vec<_>>());
    }
    let mut out = Map::new();
    match types.len() {
        0 => {}
        1 => drop(out.insert("type".into(), types.remove(0))),
        _ => drop(out.insert("type".into(), Value::Array(types))),
    }
    out
}

/// A schema's `anyOf`/`oneOf` alternatives, or the schema itself.
fn alternatives(schema: &Value) -> Vec<&Value> {
    match schema.get("anyOf").or_else(|| schema.get("oneOf")).and_then(Value::as_array) {
        Some(list) => list.iter().collect(),
        None => vec![schema],
    }
}

/// Whether a schema is portable (what [`portable`] guarantees), with the first problem.
pub fn check(schema: &Value) -> Result<(), String> {
    fn walk(node: &Value, keyword: Option<&str>, path: &str) -> Result<(), String> {
        let object = match node {
            Value::Bool(_) if keyword.is_some_and(|k| BOOLEAN_OK.contains(&k)) => return Ok(()),
            Value::Bool(_) => return Err(format!("{path}: a bare boolean schema")),
            Value::Object(o) => o,
            _ => return Ok(()),
        };
        for (key, value) in object {
            let at = format!("{path}/{key}");
            match key.as_str() {
                "$ref" => return Err(format!("{at}: references are inlined")),
                // Unreferenced once every `$ref` is inlined: kept as written, not read.
                "$defs" | "definitions" | "$schema" => {}
                "format" if !value.as_str().is_some_and(|f| STANDARD_FORMATS.contains(&f)) => {
                    return Err(format!("{at}: non-standard format {value}"));
                }
                k if ONE.contains(&k) => walk(value, Some(k), &at)?,
                k if MAP.contains(&k) => {
                    for (name, s) in value.as_object().into_iter().flatten() {
                        walk(s, None, &format!("{at}/{name}"))?;
                    }
                }
                k if LIST.contains(&k) => {
                    for (i, s) in value.as_array().into_iter().flatten().enumerate() {
                        walk(s, None, &format!("{at}/{i}"))?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
    walk(schema, None, "#")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What schemars 1 writes for a struct with an optional nested struct, a u32, a
    /// `serde_json::Value` and a documented enum.
    fn schemars_like() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Out",
            "description": "The result.",
            "type": "object",
            "properties": {
                "count": {"type": "integer", "format": "uint32", "minimum": 0, "description": "How many."},
                "offset": {"type": ["integer", "null"], "format": "uint64"},
                "any": true,
                "coverage": {"anyOf": [{"$ref": "#/$defs/Coverage"}, {"type": "null"}]},
                "side": {"oneOf": [{"type": "string", "const": "for", "description": "Yes."}, {"type": "string", "const": "against"}]},
                "when": {"type": "string", "format": "date"}
            },
            "required": ["count"],
            "additionalProperties": false,
            "$defs": {"Coverage": {"title": "Coverage", "type": "object", "properties": {"read": {"type": "integer", "format": "int64"}, "next": {"$ref": "#/$defs/Coverage"}}}}
        })
    }

    #[test]
    fn output_schemas_are_inlined_standard_and_without_prose() {
        let out = portable(&schemars_like(), Kind::Output);
        check(&out).unwrap();
        assert_eq!(out["properties"]["count"], json!({"type": "integer", "minimum": 0}));
        assert_eq!(out["properties"]["offset"], json!({"type": ["integer", "null"]}));
        assert_eq!(out["properties"]["any"], json!({}));
        assert_eq!(out["properties"]["coverage"]["anyOf"][0]["properties"]["read"], json!({"type": "integer"}));
        // A recursive reference stops at any value rather than staying unresolved.
        assert_eq!(out["properties"]["coverage"]["anyOf"][0]["properties"]["next"], json!({}));
        assert_eq!(out["properties"]["side"], json!({"type": "string", "enum": ["for", "against"]}));
        assert_eq!(out["properties"]["when"]["format"], "date");
        assert_eq!(out["additionalProperties"], false);
        for gone in ["$schema", "$defs", "title", "description"] {
            assert!(out.get(gone).is_none(), "{gone}");
        }
    }

    #[test]
    fn input_schemas_keep_their_descriptions() {
        let out = portable(&schemars_like(), Kind::Input);
        check(&out).unwrap();
        assert_eq!(out["properties"]["count"]["description"], "How many.");
        assert_eq!(out["properties"]["offset"], json!({"type": "integer", "minimum": 0}));
        assert_eq!(out["properties"]["coverage"]["type"], "object");
        assert!(out["properties"]["coverage"].get("anyOf").is_none());
        assert_eq!(out["properties"]["side"]["oneOf"][0]["description"], "Yes.");
        assert!(out.get("title").is_none() && out.get("description").is_none());
        // The declared dialect and definitions stay (nothing refers to them any more).
        assert!(out.get("$schema").is_some() && out.get("$defs").is_some());
        assert!(!out["properties"].to_string().contains("$ref"));
    }

    #[test]
    fn check_finds_what_clients_refuse() {
        assert!(check(&json!({"type": "object", "properties": {"a": true}})).is_err());
        assert!(check(&json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}})).is_err());
        assert!(check(&json!({"type": "object", "$defs": {"A": {"$ref": "#/$defs/A"}}})).is_ok());
        assert!(check(&json!({"type": "object", "properties": {"a": {"type": "integer", "format": "uint32"}}})).is_err());
        assert!(check(&json!({"type": "object", "additionalProperties": false})).is_ok());
    }
}
