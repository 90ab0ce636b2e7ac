//! Reading EP JSON-LD: the `data` envelope, multilingual text, and fields that are
//! sometimes a scalar, sometimes an array, sometimes an object with an `id`.

use serde_json::Value;

/// The items of a JSON-LD document (`data` is always an array in practice).
pub fn data(doc: &Value) -> Vec<Value> {
    match doc.get("data") {
        Some(Value::Array(items)) => items.clone(),
        Some(item @ Value::Object(_)) => vec![item.clone()],
        _ => Vec::new(),
    }
}

/// [`data`], moved out of the document rather than copied.
pub fn into_data(mut doc: Value) -> Vec<Value> {
    match doc.get_mut("data").map(Value::take) {
        Some(Value::Array(items)) => items,
        Some(item @ Value::Object(_)) => vec![item],
        _ => Vec::new(),
    }
}

/// A plain string field (the first one, if the field is an array).
pub fn string(item: &Value, field: &str) -> Option<String> {
    first(item.get(field)?).and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o.get("@value").or_else(|| o.get("id")).and_then(Value::as_str).map(str::to_string),
        _ => None,
    })
}

/// Multilingual text: English first, then `mul`, then any language; plain strings as is.
pub fn text(item: &Value, field: &str) -> Option<String> {
    match first(item.get(field)?)? {
        Value::String(s) => Some(s.clone()),
        Value::Object(map) => ["en", "mul"]
            .iter()
            .find_map(|lang| map.get(*lang))
            .or_else(|| map.values().next())
            .and_then(|v| first(v))
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    }
}

/// Every value of a field that may be a scalar or an array, as strings (ids of objects).
pub fn strings(item: &Value, field: &str) -> Vec<String> {
    let values = match item.get(field) {
        Some(Value::Array(values)) => values.iter().collect(),
        Some(value) => vec![value],
        None => Vec::new(),
    };
    values
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
            _ => None,
        })
        .collect()
}

/// The array items of a field that may be a single object or an array.
pub fn objects<'a>(item: &'a Value, field: &str) -> Vec<&'a Value> {
    match item.get(field) {
        Some(Value::Array(values)) => values.iter().filter(|v| v.is_object()).collect(),
        Some(value @ Value::Object(_)) => vec![value],
        _ => Vec::new(),
    }
}

/// A code field reduced to its last segment: `def/ep-roles/MEMBER` → `MEMBER`.
pub fn code(item: &Value, field: &str) -> Option<String> {
    string(item, field).map(|v| tail(&v).to_string())
}

/// A decision's outcome code (`ADOPTED`), under any of the names the live API has used:
/// `had_decision_outcome`, `decision_outcome`, `eli-dl:decision_outcome`.
pub fn outcome(item: &Value) -> Option<String> {
    ["had_decision_outcome", "decision_outcome", "eli-dl:decision_outcome"].iter().find_map(|field| code(item, field))
}

/// An item's short id: `identifier`, else the last segment of `id`.
pub fn identifier(item: &Value) -> String {
    string(item, "identifier").or_else(|| code(item, "id")).unwrap_or_default()
}

/// A parliamentary term number from `org/ep-10`.
pub fn term(item: &Value) -> Option<u32> {
    code(item, "parliamentary_term").and_then(|t| t.trim_start_matches("ep-").parse().ok())
}

/// The last segment of an id or URI: `person/1294` → `1294`,
/// `http://…/authority/country/BEL` → `BEL`, `def/ep-roles/MEMBER` → `MEMBER`.
pub fn tail(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// `YYYY-MM-DD` from a date or timestamp (`2014-01-13T00:00:00+01:00`).
pub fn date(value: &str) -> Option<String> {
    let d = value.get(..10)?;
    let b = d.as_bytes();
    let ok = b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    ok.then(|| d.to_string())
}

fn first(value: &Value) -> Option<&Value> {
    match value {
        Value::Array(values) => values.first(),
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_mixed_shapes() {
        let item = json!({
            "label": {"fr": "Lundi", "en": "Monday"},
            "typed": {"@value": "2014-01-13T00:00:00+01:00", "type": "xsd:dateTime"},
            "org": {"id": "org/6562"},
            "many": ["a", {"id": "b"}],
            "one": "x"
        });
        assert_eq!(text(&item, "label").as_deref(), Some("Monday"));
        assert_eq!(string(&item, "typed").and_then(|s| date(&s)).as_deref(), Some("2014-01-13"));
        assert_eq!(string(&item, "org").as_deref(), Some("org/6562"));
        assert_eq!(strings(&item, "many"), vec!["a", "b"]);
        assert_eq!(strings(&item, "one"), vec!["x"]);
        assert_eq!(tail("http://publications.europa.eu/resource/authority/country/BEL"), "BEL");
        assert_eq!(date("2024-7-1"), None);
    }

    #[test]
    fn data_is_a_list_whatever_its_shape() {
        for doc in [json!({"data": [{"id": "a"}, {"id": "b"}]}), json!({"data": {"id": "a"}}), json!({"x": 1}), json!({"data": "?"})] {
            assert_eq!(into_data(doc.clone()), data(&doc), "{doc}");
        }
        assert_eq!(into_data(json!({"data": {"id": "a"}})), vec![json!({"id": "a"})]);
    }
}
