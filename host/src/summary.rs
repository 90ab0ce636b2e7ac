//! The text block of a tool result. Small results are their JSON; large ones are
//! summarised (what was returned, the first items by id and name, how to page on) and
//! stay complete in `structuredContent`, so an assistant's context is not flooded.

use serde_json::Value;

/// Items named in a summary.
const ITEMS_SHOWN: usize = 20;

/// The text block for `value`, whose JSON serialisation is `json`: the JSON itself up
/// to `max_bytes`, a summary beyond.
pub fn text(value: &Value, json: String, max_bytes: usize) -> String {
    if json.len() <= max_bytes {
        return json;
    }
    let mut lines = Vec::new();
    match value.get("data").and_then(Value::as_array) {
        Some(items) => {
            let count = items.len();
            let mut head = format!("{count} items");
            if let Some(endpoint) = value.get("endpoint").and_then(Value::as_str) {
                head.push_str(&format!(" from {endpoint}"));
            }
            if let Some(offset) = value.get("offset").and_then(Value::as_u64) {
                head.push_str(&format!(", offset {offset}"));
            }
            lines.push(head + ".");
            for item in items.iter().take(ITEMS_SHOWN) {
                lines.push(format!("- {}", label(item)));
            }
            if count > ITEMS_SHOWN {
                lines.push(format!("… and {} more.", count - ITEMS_SHOWN));
            }
            if let Some(next) = value.get("nextOffset").and_then(Value::as_u64) {
                lines.push(format!("More results: call again with offset {next}."));
            }
        }
        None => {
            let fields: Vec<String> = value
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| match v {
                    Value::Array(a) => format!("{k}: {} entries", a.len()),
                    Value::Object(o) => format!("{k}: {} fields", o.len()),
                    other => format!("{k}: {}", clip(&other.to_string(), 120)),
                })
                .collect();
            lines.push(fields.join("; "));
        }
    }
    lines.push(format!(
        "(Summary of a {} KiB result; the complete result is in structuredContent.)",
        json.len().div_ceil(1024)
    ));
    lines.join("\n")
}

/// `id — name` of a list item, from whichever of the usual fields it has.
fn label(item: &Value) -> String {
    let field = |names: &[&str]| names.iter().find_map(|n| item.get(*n).and_then(Value::as_str)).map(|s| clip(s, 100));
    match (field(&["id", "identifier"]), field(&["name", "title", "label", "abbreviation", "reference"])) {
        (Some(id), Some(name)) => format!("{id} — {name}"),
        (Some(id), None) => id,
        (None, Some(name)) => name,
        (None, None) => clip(&item.to_string(), 100),
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { format!("{}…", s.chars().take(max).collect::<String>()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn small_results_are_their_json() {
        let v = json!({"a": 1});
        assert_eq!(text(&v, v.to_string(), 8192), r#"{"a":1}"#);
    }

    #[test]
    fn large_lists_are_summarised_with_paging() {
        let items: Vec<Value> = (0..200).map(|i| json!({"id": i.to_string(), "name": format!("MEP {i}"), "pad": "x".repeat(50)})).collect();
        let v = json!({"data": items, "count": 200, "offset": 0, "nextOffset": 200, "endpoint": "meps/show-current"});
        let t = text(&v, v.to_string(), 8192);
        assert!(t.starts_with("200 items from meps/show-current, offset 0."), "{t}");
        assert!(t.contains("- 0 — MEP 0") && t.contains("… and 180 more.") && t.contains("offset 200"), "{t}");
        assert!(t.len() < 2000);
    }

    #[test]
    fn large_objects_list_their_fields() {
        let v = json!({"id": "x", "memberships": vec![json!({"pad": "y".repeat(100)}); 100]});
        let t = text(&v, v.to_string(), 8192);
        assert!(t.starts_with("id: \"x\"; memberships: 100 entries"), "{t}");
    }
}
