//! MEP records, normalised from the EP's JSON-LD `Person`.

use guest_client::jsonld;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// An MEP as listed by `/meps` and `/meps/show-current`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Mep {
    /// Numeric person id; pass it to get_mep_details.
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_label: Option<String>,
    /// ISO 3166 alpha-2 country of representation (EP style: `EL` for Greece), when listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Political group short name as the EP lists it (e.g. `S&D`), when listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub political_group: Option<String>,
}

impl Mep {
    pub fn from_item(item: &Value) -> Option<Mep> {
        let id = jsonld::string(item, "identifier").or_else(|| jsonld::code(item, "id"))?;
        let name = jsonld::text(item, "label").unwrap_or_else(|| {
            [jsonld::string(item, "givenName"), jsonld::string(item, "familyName")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        });
        Some(Mep {
            id,
            name,
            given_name: jsonld::string(item, "givenName"),
            family_name: jsonld::string(item, "familyName"),
            sort_label: jsonld::string(item, "sortLabel"),
            country: jsonld::string(item, "api:country-of-representation"),
            political_group: jsonld::string(item, "api:political-group"),
        })
    }
}
