//! What the records say about a committee: its record (found by acronym or org id among
//! `/corporate-bodies/show-current`, else `/corporate-bodies/{body-id}`), the documents it
//! produced (`/committee-documents?committee=`, per parliamentary term: the list gives
//! no dates), and an MEP record's committee seats.

use std::collections::BTreeMap;

use guest_client::roles::{self, Role};
use guest_client::{Ep, Error, Query, jsonld};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::read::period::Period;

/// Items per page when walking lists.
const PAGE: u32 = 500;

/// Org ids (`6562`, `org/6562`) or acronyms (`AFET`).
pub const COMMITTEE_PATTERN: &str = r"^(?:org/)?[A-Za-z0-9-]+$";

/// Parliamentary terms: (number, first day, last day).
const TERMS: [(u32, &str, &str); 5] = [
    (6, "2004-07-20", "2009-07-13"),
    (7, "2009-07-14", "2014-06-30"),
    (8, "2014-07-01", "2019-07-01"),
    (9, "2019-07-02", "2024-07-15"),
    (10, "2024-07-16", "9999-12-31"),
];

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Committee {
    /// Org id, e.g. `6562`.
    pub id: String,
    /// Acronym, e.g. `AFET`.
    pub abbreviation: Option<String>,
    /// Full name in English, when the record gives it.
    pub name: Option<String>,
    /// EP entity class, e.g. `COMMITTEE_PARLIAMENTARY_STANDING`.
    pub classification: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Documents {
    /// The parliamentary terms the period touches: the counts are theirs.
    pub terms: Vec<u32>,
    pub total: usize,
    /// Documents per EP document type, e.g. `AMENDMENT_LIST`.
    pub by_type: BTreeMap<String, usize>,
    /// Documents per term.
    pub by_term: BTreeMap<u32, usize>,
}

/// The parliamentary terms overlapping `period`.
pub fn terms(period: &Period) -> Vec<u32> {
    TERMS.iter().filter(|(_, first, last)| *first <= period.to.as_str() && *last >= period.from.as_str()).map(|(n, _, _)| *n).collect()
}

/// The committee `key` names: an acronym or org id among the current bodies, else the
/// body record itself (a past committee).
pub fn lookup(ep: &Ep, key: &str) -> Result<Committee, Error> {
    let key = key.trim_start_matches("org/").to_ascii_uppercase();
    let current = ep.all(&Query::new(["corporate-bodies", "show-current"]), PAGE)?;
    let found = current.iter().find(|b| jsonld::string(b, "label").as_deref() == Some(key.as_str()) || jsonld::identifier(b) == key);
    // The full record has the name; a current body's list item may be all there is.
    let record = match found {
        Some(body) => {
            let full = ep.fetch(&Query::new(["corporate-bodies", jsonld::identifier(body).as_str()]))?;
            full.and_then(|doc| jsonld::into_data(doc).into_iter().next()).unwrap_or_else(|| body.clone())
        }
        None => ep.one(&Query::new(["corporate-bodies", key.as_str()]), &format!("committee {key}"))?,
    };
    let classification = jsonld::code(&record, "classification");
    if !classification.as_deref().is_some_and(|c| c.starts_with("COMMITTEE_")) {
        return Err(Error::invalid(format!("{key} is not a committee ({})", classification.as_deref().unwrap_or("no classification"))));
    }
    Ok(Committee {
        id: jsonld::identifier(&record),
        abbreviation: jsonld::string(&record, "label"),
        name: jsonld::text(&record, "prefLabel"),
        classification,
    })
}

/// The committee's documents in `terms`: every page of each term's list, kept only when
/// the document id carries the committee's acronym (`AFCO-PA-745315`).
pub fn documents(ep: &Ep, acronym: &str, terms: &[u32]) -> Result<Documents, Error> {
    let queries: Vec<Query> =
        terms.iter().map(|t| Query::new(["committee-documents"]).param("committee", acronym).param("parliamentary-term", t)).collect();
    let prefix = format!("{acronym}-");
    let mut counted = Documents { terms: terms.to_vec(), total: 0, by_type: BTreeMap::new(), by_term: BTreeMap::new() };
    let mut seen = std::collections::BTreeSet::new();
    for (term, items) in terms.iter().zip(ep.all_of(&queries, PAGE)?) {
        for item in &items {
            let id = jsonld::identifier(item);
            if !id.starts_with(&prefix) || !seen.insert(id) {
                continue;
            }
            counted.total += 1;
            *counted.by_term.entry(*term).or_default() += 1;
            *counted.by_type.entry(jsonld::code(item, "work_type").unwrap_or_else(|| "unknown".into())).or_default() += 1;
        }
    }
    Ok(counted)
}

/// Committee memberships of an MEP record overlapping `period`: (organisation id, role).
pub fn memberships(record: &Value, period: &Period) -> Vec<(String, String)> {
    jsonld::objects(record, "hasMembership")
        .into_iter()
        .filter(|m| jsonld::code(m, "membershipClassification").is_some_and(|c| c.starts_with("COMMITTEE_")))
        .filter(|m| {
            let during = m.get("memberDuring");
            let start = during.and_then(|d| jsonld::string(d, "startDate"));
            let end = during.and_then(|d| jsonld::string(d, "endDate"));
            start.is_none_or(|s| s.as_str() <= period.to.as_str()) && end.is_none_or(|e| e.as_str() >= period.from.as_str())
        })
        .filter_map(|m| Some((jsonld::code(m, "organization")?, jsonld::code(m, "role").unwrap_or_default())))
        .collect()
}

/// The leading roles among the memberships (chairs, vice-chairs … per the EP's role
/// vocabulary; never a member's or a substitute's seat), each once.
pub fn leadership_roles(memberships: &[(String, String)]) -> Vec<String> {
    let mut roles: Vec<String> = memberships.iter().map(|(_, r)| r.clone()).filter(|r| roles::classify(r) == Role::Leads).collect();
    roles.sort();
    roles.dedup();
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_and_members_hold_no_leading_role() {
        let seats = |roles: &[&str]| roles.iter().map(|r| ("6562".to_string(), r.to_string())).collect::<Vec<_>>();
        assert!(leadership_roles(&seats(&["MEMBER", "MEMBER_SUBSTITUTE", "OBSERVER_SUBSTITUTE", "SUBSTITUTE", ""])).is_empty());
        assert_eq!(leadership_roles(&seats(&["CHAIR_VICE", "MEMBER", "CHAIR_VICE", "CHAIR"])), ["CHAIR", "CHAIR_VICE"]);
    }

    #[test]
    fn terms_a_period_touches() {
        let p = |from: &str, to: &str| Period { from: from.into(), to: to.into() };
        assert_eq!(terms(&p("2024-03-01", "2024-03-31")), [9]);
        assert_eq!(terms(&p("2024-07-01", "2024-07-31")), [9, 10]);
        assert_eq!(terms(&p("2025-01-01", "2025-12-31")), [10]);
    }
}
