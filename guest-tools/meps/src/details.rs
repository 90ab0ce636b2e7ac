//! `get_mep_details`: one MEP's profile and memberships.

use guest_client::args::{self, MEP_ID_PATTERN};
use guest_client::jsonld;
use guest_client::{Ep, Error, Query, SOURCE, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// MEP id: `124936`, `MEP-124936` or `person/124936`.
    #[schemars(length(min = 1, max = 100), pattern(MEP_ID_PATTERN))]
    id: String,
    /// Ignored: data is always live.
    #[serde(default)]
    live: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MepDetails {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `MALE`, `FEMALE`, … (EU authority code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Citizenship, ISO 3166 alpha-3 (EU authority code, e.g. `BEL`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citizenship: Option<String>,
    /// The country the MEP represents in the current (or latest) mandate, e.g. `BEL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub represents: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place_of_birth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
    /// Holds a parliamentary mandate with no end date.
    pub active: bool,
    /// Start of the current (or latest) parliamentary mandate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mandate_start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mandate_end: Option<String>,
    /// Org id of the current political-group membership, when the record has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub political_group_id: Option<String>,
    /// Org ids of current committee memberships (pass to get_committee_info as `id`).
    pub committee_ids: Vec<String>,
    pub memberships: Vec<Membership>,
    pub source: &'static str,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    /// Org id (`6562`, or `ep-10` for the Parliament of term 10).
    pub organization: String,
    /// EP role code, e.g. `MEMBER`, `CHAIR_VICE`, `MEMBER_PARLIAMENT`.
    pub role: String,
    /// EP entity class, e.g. `COMMITTEE_PARLIAMENTARY_STANDING`, `EU_POLITICAL_GROUP`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// No end date.
    pub current: bool,
    /// The country represented (a parliamentary mandate), e.g. `BEL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub represents: Option<String>,
}

pub fn get_mep_details() -> Tool {
    Tool::new(
        "get_mep_details",
        "MEP details",
        "One MEP's profile: names, e-mail, gender, citizenship, country represented, birth, photo, mandate dates, \
         and every membership (group, committees, delegations) with roles and dates.",
        &["meps"],
        run,
    )
}

fn run(ep: &Ep, p: Params) -> Result<MepDetails, Error> {
    let _ = p.live;
    let id = args::mep_id(&p.id)?;
    let item = ep.one(&Query::new(["meps".to_string(), id.to_string()]), &format!("MEP {id}"))?;
    Ok(details(&item))
}

fn membership(m: &Value) -> Membership {
    let period = m.get("memberDuring").cloned().unwrap_or(Value::Null);
    let end_date = jsonld::string(&period, "endDate");
    Membership {
        organization: jsonld::code(m, "organization").unwrap_or_default(),
        role: jsonld::code(m, "role").unwrap_or_default(),
        classification: jsonld::code(m, "membershipClassification"),
        start_date: jsonld::string(&period, "startDate"),
        current: end_date.is_none(),
        end_date,
        represents: jsonld::code(m, "represents"),
    }
}

pub fn details(item: &Value) -> MepDetails {
    let memberships: Vec<Membership> = jsonld::objects(item, "hasMembership").into_iter().map(membership).collect();
    let mandate = memberships
        .iter()
        .filter(|m| m.role == "MEMBER_PARLIAMENT")
        .max_by(|a, b| a.start_date.cmp(&b.start_date));
    let current_of = |prefix: &'static str| {
        memberships
            .iter()
            .filter(move |m| m.current && m.classification.as_deref().is_some_and(|c| c.starts_with(prefix)))
    };
    MepDetails {
        id: jsonld::string(item, "identifier").unwrap_or_default(),
        name: jsonld::text(item, "label").unwrap_or_default(),
        given_name: jsonld::string(item, "givenName"),
        family_name: jsonld::string(item, "familyName"),
        email: jsonld::string(item, "hasEmail").map(|e| e.trim_start_matches("mailto:").to_string()),
        gender: jsonld::code(item, "hasGender"),
        citizenship: jsonld::code(item, "citizenship"),
        represents: mandate.and_then(|m| m.represents.clone()),
        birth_date: jsonld::string(item, "bday"),
        place_of_birth: jsonld::text(item, "placeOfBirth"),
        photo: jsonld::string(item, "img"),
        active: mandate.is_some_and(|m| m.current),
        mandate_start: mandate.and_then(|m| m.start_date.clone()),
        mandate_end: mandate.and_then(|m| m.end_date.clone()),
        political_group_id: current_of("EU_POLITICAL_GROUP").map(|m| m.organization.clone()).next_back(),
        committee_ids: current_of("COMMITTEE_PARLIAMENTARY").map(|m| m.organization.clone()).collect(),
        memberships,
        source: SOURCE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_country_represented_is_the_latest_mandates_not_the_citizenship() {
        let country = |c: &str| format!("http://publications.europa.eu/resource/authority/country/{c}");
        let record = json!({
            "identifier": "9", "label": "A MEP", "citizenship": country("FRA"),
            "hasMembership": [
                {"organization": "org/ep-9", "role": "def/ep-roles/MEMBER_PARLIAMENT", "represents": [country("FRA")],
                 "memberDuring": {"startDate": "2019-07-02", "endDate": "2024-07-15"}},
                {"organization": "org/ep-10", "role": "def/ep-roles/MEMBER_PARLIAMENT", "represents": country("DEU"),
                 "memberDuring": {"startDate": "2024-07-16"}}
            ]
        });
        let mep = details(&record);
        assert_eq!((mep.citizenship.as_deref(), mep.represents.as_deref()), (Some("FRA"), Some("DEU")));
        assert_eq!(mep.memberships[0].represents.as_deref(), Some("FRA"));
        assert_eq!(details(&json!({"identifier": "9"})).represents, None);
    }
}
