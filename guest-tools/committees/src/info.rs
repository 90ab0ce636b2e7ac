//! `get_committee_info`: one committee (by org id or acronym), or every current body;
//! `get_corporate_bodies`: every body, past and present, by class.

use guest_client::jsonld;
use guest_client::{Ep, Error, List, Query, Tool, Paging};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

const BODIES_PAGE: u32 = 500;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// Org id (`6562`) or acronym (`AFET`).
    #[schemars(length(min = 1, max = 100), pattern(r"^(?:org/)?[A-Za-z0-9-]+$"))]
    id: Option<String>,
    /// Acronym, e.g. `ENVI`, `AFET`, `LIBE` (wins over `id`).
    #[schemars(length(min = 1, max = 20), pattern(r"^[A-Za-z0-9-]+$"))]
    abbreviation: Option<String>,
    /// List every body that exists today (committees, delegations, groups …).
    #[serde(default)]
    show_current: bool,
    /// Ignored: data is always live.
    #[serde(default)]
    live: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Body {
    /// Org id; pass it as `id`.
    pub id: String,
    /// Acronym, e.g. `AFET`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abbreviation: Option<String>,
    /// Full name in English when the EP gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    /// EP entity class, e.g. `COMMITTEE_PARLIAMENTARY_STANDING`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
}

pub fn get_committee_info() -> Tool {
    Tool::new(
        "get_committee_info",
        "Committee information",
        "An EP committee or other corporate body by org id or acronym (name, classification, dates), or with \
         showCurrent=true every body that exists today. One of id, abbreviation or showCurrent.",
        &["corporate-bodies"],
        run,
    )
}

fn run(ep: &Ep, p: Params) -> Result<List<Body>, Error> {
    let _ = p.live;
    let key = p.abbreviation.as_deref().or(p.id.as_deref()).map(|k| k.trim_start_matches("org/").to_ascii_uppercase());
    match key {
        Some(key) => {
            let item = ep.one(&Query::new(["corporate-bodies", key.as_str()]), &format!("corporate body {key}"))?;
            Ok(List::new(vec![body(&item)], 0, 1, false, format!("corporate-bodies/{key}")))
        }
        None if p.show_current => {
            let query = Query::new(["corporate-bodies", "show-current"]);
            let data: Vec<Body> = ep.all(&query, BODIES_PAGE)?.iter().map(body).collect();
            let count = data.len() as u32;
            Ok(List::new(data, 0, count, false, query.endpoint()))
        }
        None => Err(Error::invalid("one of id, abbreviation or showCurrent=true is required")),
    }
}

fn body(item: &Value) -> Body {
    let period = item.get("temporal").cloned().unwrap_or(Value::Null);
    Body {
        id: jsonld::string(item, "identifier")
            .or_else(|| jsonld::code(item, "id"))
            .unwrap_or_default(),
        abbreviation: jsonld::text(item, "label"),
        name: jsonld::text(item, "prefLabel"),
        short_name: jsonld::text(item, "altLabel"),
        classification: jsonld::code(item, "classification"),
        start_date: jsonld::string(&period, "startDate"),
        end_date: jsonld::string(&period, "endDate"),
    }
}

/// The EP's classes of corporate bodies (the spec's `body-classification`).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Classification {
    CommitteeParliamentaryStanding,
    CommitteeParliamentaryTemporary,
    CommitteeParliamentarySpecial,
    CommitteeParliamentarySub,
    CommitteeParliamentaryJoint,
    EuPoliticalGroup,
    DelegationParliamentary,
    DelegationParliamentaryAssembly,
    DelegationJointCommittee,
    NationalChamber,
    EuInstitution,
    WorkingGroup,
}


#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListParams {
    /// Only bodies of this class, e.g. `COMMITTEE_PARLIAMENTARY_STANDING`, `DELEGATION_PARLIAMENTARY`.
    classification: Option<Classification>,
}

/// Beyond the reference: every body the EP ever had, by class (`/corporate-bodies`).
pub fn get_corporate_bodies() -> Tool {
    Tool::paged(
        "get_corporate_bodies",
        "Corporate bodies",
        "Every EP corporate body, past and present (committees, subcommittees, delegations, political groups, \
         national chambers …), optionally of one classification, paged. Ids work with get_committee_info.",
        &["corporate-bodies"],
        50, |ep: &Ep, p: ListParams, paging: Paging| {
            let class = p.classification.map(|c| serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string)));
            let query = Query::new(["corporate-bodies"]).param_opt("body-classification", class.flatten());
            let page = ep.page(&query, paging.offset, paging.limit)?;
            Ok(List::from_page(&page, page.items.iter().map(body).collect(), query.endpoint()))
        },
    )
}
