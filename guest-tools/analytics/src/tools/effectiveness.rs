//! `analyze_legislative_effectiveness`: for an MEP, how often their plenary votes went
//! the way the vote went (the prevailing side), their participation and their committee
//! seats; for a committee, its documented output. No score: reports, amendments and
//! questions are not attributable to their authors in the records read.

use guest_client::args;
use guest_client::{Ep, Error, Query, Tool, jsonld, Dates};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::basis::Basis;
use crate::read::files;
use crate::read::committee::{self, Committee, Documents};

/// A person id (`124936`, `MEP-124936`, `person/124936`), or a committee's acronym or org id.
const SUBJECT_PATTERN: &str = r"^(?:org/|person/)?[A-Za-z0-9-]+$";
use crate::tools::committee_activity;
use crate::measure::{Participation, prevailing_side};
use crate::read::period::{PERIOD, Period};
use crate::read::rollcalls;

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Subject {
    Mep,
    Committee,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// `MEP` or `COMMITTEE`.
    subject_type: Subject,
    /// An MEP's person id (`124936`), or a committee's acronym (`ENVI`) or org id.
    #[schemars(length(min = 1, max = 100), pattern(SUBJECT_PATTERN))]
    subject_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Voting {
    #[serde(flatten)]
    pub participation: Participation,
    /// Votes for or against in roll calls with a recorded outcome.
    pub decided_votes: usize,
    /// Of those, votes for an adopted text or against a rejected one.
    pub on_prevailing_side: usize,
    pub prevailing_side_rate: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Seats {
    /// Committee memberships overlapping the period (from the MEP's record).
    pub memberships: usize,
    /// Roles other than member or substitute, e.g. `CHAIR`.
    pub leadership_roles: Vec<String>,
    /// The committees' org ids.
    pub committees: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Effectiveness {
    pub subject_type: Subject,
    pub subject_id: String,
    pub name: Option<String>,
    /// MEP: their roll-call record in the period.
    pub voting: Option<Voting>,
    /// MEP: their committee seats in the period.
    pub committee_seats: Option<Seats>,
    /// COMMITTEE: the committee.
    pub committee: Option<Committee>,
    /// COMMITTEE: its documents in the terms the period touches.
    pub documents: Option<Documents>,
    /// Files among the procedure records read: the MEP's rapporteurships, or the files the
    /// committee is responsible for (see `files`).
    pub reports: Option<usize>,
    /// MEP: their files (rapporteur, shadow, opinion) among the procedure records read.
    pub mep_files: Option<files::MepFiles>,
    /// COMMITTEE: the files it leads or gives an opinion on, among the records read.
    pub committee_files: Option<files::CommitteeFiles>,
    /// Amendments' authors are not in the records read: null.
    pub amendments: Option<usize>,
    /// Questions' authors are only in each question's own record, not read here: null.
    pub questions: Option<usize>,
    /// Not given: it would weigh what the records cannot measure.
    pub overall_score: Option<f64>,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const METHOD_MEP: &str = "MEP: roll calls of the period (docs/METHODS.md): participation = roll calls voted in / held; \
    prevailing side = votes for an ADOPTED text or against a REJECTED one, of the MEP's votes for or against in roll calls \
    with a recorded outcome (abstentions not counted). Committee seats: memberships with membershipClassification \
    COMMITTEE_* whose memberDuring overlaps the period, from /meps/{mep-id}. Reports: the procedures naming the MEP as \
    RAPPORTEUR (or the committee as COMMITTEE_LEAD) in had_participation, among the records of the most recently registered \
    procedures.";

pub fn tool() -> Tool {
    Tool::with(
        "analyze_legislative_effectiveness",
        "Legislative effectiveness (measurable parts)",
        "For an MEP: plenary roll-call participation and how often their for/against votes matched the outcome (the \
         prevailing side), with their committee seats and roles and their rapporteurships. For a committee: its \
         documents by type and the files it leads. Amendments, questions and an overall score are null, with the \
         reason: the records read do not attribute them.",
        &["meetings", "meps", "corporate-bodies", "committee-documents", "procedures"],
        PERIOD, run,
    )
}

fn run(ep: &Ep, p: Params, dates: Dates) -> Result<Effectiveness, Error> {
    let period = Period::new(dates.from.as_deref(), dates.to.as_deref())?;
    let nulls = [
        "amendments: amendments' authors are not in the records read; null.",
        "questions: the authors of parliamentary questions are only in each question's own record, not read here; null.",
        "overallScore: not given, since it would weigh what the records cannot measure.",
    ];
    let blank = |subject_id: String, basis: Basis| Effectiveness {
        subject_type: p.subject_type,
        subject_id,
        name: None,
        voting: None,
        committee_seats: None,
        committee: None,
        documents: None,
        reports: None,
        mep_files: None,
        committee_files: None,
        amendments: None,
        questions: None,
        overall_score: None,
        basis,
    };
    match p.subject_type {
        Subject::Mep => {
            let id = args::mep_id(&p.subject_id)?.to_string();
            let record = ep.one(&Query::new(["meps", id.as_str()]), &format!("MEP {id}"))?;
            let data = rollcalls::load(ep, &period)?;
            let (on_prevailing_side, decided_votes, prevailing_side_rate) = prevailing_side(&data, &id);
            let memberships = committee::memberships(&record, &period);
            let mut committees: Vec<String> = memberships.iter().map(|(c, _)| c.clone()).collect();
            committees.sort();
            committees.dedup();
            let files = files::read(ep)?;
            let warnings = std::iter::once(files.coverage()).chain(nulls.iter().map(|w| w.to_string())).collect();
            let mut basis = Basis::new(period, &data, METHOD_MEP, warnings);
            basis.endpoints.extend(["meps/{mep-id}".to_string(), "procedures".to_string(), "procedures/{process-id}".to_string()]);
            let mep_files = files.mep(&id);
            Ok(Effectiveness {
                name: jsonld::text(&record, "label"),
                reports: Some(mep_files.rapporteur.len()),
                mep_files: Some(mep_files),
                voting: Some(Voting { participation: Participation::of(&data, &id), decided_votes, on_prevailing_side, prevailing_side_rate }),
                committee_seats: Some(Seats { memberships: memberships.len(), leadership_roles: committee::leadership_roles(&memberships), committees }),
                ..blank(id, basis)
            })
        }
        Subject::Committee => {
            let (committee, documents, mut basis) = committee_activity::read(ep, &p.subject_id, period)?;
            let files = committee_activity::files_of(ep, &committee, &mut basis)?;
            basis.data_quality_warnings.extend(nulls.iter().map(|w| w.to_string()));
            let id = committee.id.clone();
            Ok(Effectiveness {
                name: committee.name.clone(),
                committee: Some(committee),
                documents: Some(documents),
                reports: Some(files.lead.len()),
                committee_files: Some(files),
                ..blank(id, basis)
            })
        }
    }
}
