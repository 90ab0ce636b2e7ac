//! The EP's controlled vocabularies (SKOS concept schemes): the codes other tools
//! return (`TEXT_ADOPTED`, `COD`, `ROLL_CALL_EV` …) with their labels and definitions.

use guest_client::{Ep, Error, List, Query, Tool, jsonld, Paging};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One vocabulary with all its concepts: `ep-document-types` (or `def/ep-document-types`),
    /// `ep-procedure-types`, `ep-roles`, `ep-statuses`, `ep-decision-methods` …
    #[schemars(length(min = 1, max = 200), pattern(r"^(?:def/)?[a-z0-9]+(?:-[a-z0-9]+)*$"))]
    voc_id: Option<String>,
    /// Ignored: data is always live.
    #[serde(default)]
    live: bool,
}

/// A vocabulary: list items carry id and version; a lookup adds its concepts.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Vocabulary {
    /// Vocabulary id, e.g. `ep-document-types`; pass it as `vocId`.
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// Concepts (lookups only), in the EP's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub concepts: Vec<Concept>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Concept {
    /// The code as other EP data uses it, e.g. `TEXT_ADOPTED`.
    pub code: String,
    /// English label (else the first language given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// Codes of broader concepts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub broader: Vec<String>,
    pub deprecated: bool,
}

fn vocabulary(item: &Value, with_concepts: bool) -> Vocabulary {
    let concepts = if with_concepts {
        jsonld::objects(item, "inverse_inScheme")
            .into_iter()
            .map(|c| Concept {
                code: jsonld::identifier(c),
                label: jsonld::text(c, "prefLabel"),
                definition: jsonld::text(c, "definition"),
                broader: jsonld::strings(c, "broader").iter().map(|b| jsonld::tail(b).to_string()).collect(),
                deprecated: c.get("deprecated").and_then(Value::as_bool).unwrap_or(false),
            })
            .collect()
    } else {
        Vec::new()
    };
    Vocabulary {
        id: jsonld::identifier(item),
        title: jsonld::text(item, "title_dcterms"),
        description: jsonld::text(item, "description"),
        version: jsonld::string(item, "versionInfo"),
        modified: jsonld::string(item, "modified"),
        concepts,
    }
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Vocabulary>, Error> {
    let _ = p.live;
    match &p.voc_id {
        Some(id) => {
            let id = id.trim_start_matches("def/");
            let item = ep.one(&Query::new(["controlled-vocabularies", id]), &format!("vocabulary {id}"))?;
            Ok(List::new(vec![vocabulary(&item, true)], 0, 1, false, format!("controlled-vocabularies/{id}")))
        }
        None => {
            let query = Query::new(["controlled-vocabularies"]);
            let page = ep.page(&query, paging.offset, paging.limit)?;
            let data = page.items.iter().map(|v| vocabulary(v, false)).collect();
            Ok(List::from_page(&page, data, query.endpoint()))
        }
    }
}

fn tools() -> Vec<Tool> {
    vec![Tool::paged(
        "get_controlled_vocabularies",
        "Controlled vocabularies",
        "The European Parliament's controlled vocabularies: the list (id, version), or with vocId one vocabulary \
         with every concept (code, English label, definition, broader codes, deprecated) — e.g. ep-document-types, \
         ep-procedure-types, ep-roles, ep-statuses, ep-decision-methods. Explains the codes other tools return.",
        &["controlled-vocabularies"],
        50, run,
    )]
}

guest_client::component!("vocabularies", tools);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn concepts_keep_codes_labels_and_hierarchy() {
        let item = json!({"id": "def/ep-x", "identifier": "ep-x", "versionInfo": "1", "inverse_inScheme": [
            {"id": "def/ep-x/A", "identifier": "A", "prefLabel": {"fr": "Un", "en": "One"}, "broader": "def/ep-x/B", "deprecated": true}
        ]});
        let v = vocabulary(&item, true);
        assert_eq!(v.id, "ep-x");
        assert_eq!((v.concepts[0].code.as_str(), v.concepts[0].label.as_deref()), ("A", Some("One")));
        assert_eq!(v.concepts[0].broader, ["B"]);
        assert!(v.concepts[0].deprecated);
    }
}
