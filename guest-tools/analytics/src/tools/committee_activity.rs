//! `analyze_committee_activity`: a committee's output as the records show it — the
//! documents it produced, by type, in the parliamentary terms the period touches — and,
//! null with the reason, what they do not show (its meetings, its members' work).

use guest_client::{Ep, Error, Tool, Dates};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tools::basis::Basis;
use crate::read::files;
use crate::read::committee::{self, COMMITTEE_PATTERN, Committee, Documents};
use crate::read::period::{PERIOD, Period};
use crate::read::rollcalls::RollCalls;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// Committee acronym (`ENVI`) or org id (`6562`).
    #[schemars(length(min = 1, max = 100), pattern(COMMITTEE_PATTERN))]
    committee_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub committee: Committee,
    pub documents: Documents,
    /// The files it is responsible for, or gives an opinion on, among the procedure records read.
    pub files: files::CommitteeFiles,
    /// Committee meetings are not in the records read: null.
    pub meetings_held: Option<usize>,
    /// Membership is only in each MEP's own record (about 720 reads): null.
    pub members: Option<usize>,
    /// Plenary votes are not linked to the committee that prepared the text: null.
    pub reports_adopted_in_plenary: Option<usize>,
    #[serde(flatten)]
    pub basis: Basis,
}

pub const METHOD: &str = "Committee: found by acronym or org id among /corporate-bodies/show-current (else \
    /corporate-bodies/{body-id}). Documents: /committee-documents?committee=<acronym>&parliamentary-term=<n>, every page, \
    for each term the period touches, kept when the document id starts with the acronym, counted by work_type and by term. \
    The list gives no document dates, so counts are per term, not per period. Files: the procedures naming the committee \
    as responsible (COMMITTEE_LEAD) or for opinion in had_participation, among the records of the most recently registered \
    procedures (/procedures, /procedures/{process-id}).";

pub fn tool() -> Tool {
    Tool::with(
        "analyze_committee_activity",
        "Committee activity",
        "A committee's documented output: the documents it produced (draft reports, opinions, amendment lists …) counted \
         by type, for each parliamentary term the period touches (the EP lists give no document dates), and the files \
         it leads or gives an opinion on among the procedures read. Meetings, membership and plenary adoption of its \
         reports are null, with the reason: the records read do not link them.",
        &["corporate-bodies", "committee-documents", "procedures"],
        PERIOD, run,
    )
}

/// The committee and its documents over `period`, with what cannot be known said.
pub fn read(ep: &Ep, key: &str, period: Period) -> Result<(Committee, Documents, Basis), Error> {
    let committee = committee::lookup(ep, key)?;
    let acronym = committee.abbreviation.clone().unwrap_or_else(|| key.to_ascii_uppercase());
    let documents = committee::documents(ep, &acronym, &committee::terms(&period))?;
    let warnings = vec![
        format!("Document counts cover whole parliamentary terms ({:?}): the EP's lists give no document dates.", documents.terms),
        "Committee meetings, committee membership and the plenary fate of the committee's reports are not linked to the \
         committee in the records read; those values are null."
            .to_string(),
    ];
    let mut basis = Basis::new(period, &RollCalls::default(), METHOD, warnings);
    basis.endpoints = vec!["corporate-bodies/show-current".into(), "corporate-bodies/{body-id}".into(), "committee-documents".into()];
    basis.coverage.documents = Some(documents.total);
    Ok((committee, documents, basis))
}

pub(crate) fn run(ep: &Ep, p: Params, dates: Dates) -> Result<Activity, Error> {
    let period = Period::new(dates.from.as_deref(), dates.to.as_deref())?;
    let (committee, documents, mut basis) = read(ep, &p.committee_id, period)?;
    let committee_files = files_of(ep, &committee, &mut basis)?;
    Ok(Activity { committee, documents, files: committee_files, meetings_held: None, members: None, reports_adopted_in_plenary: None, basis })
}

/// The committee's files among the procedure records read, with their coverage in `basis`.
pub fn files_of(ep: &Ep, committee: &Committee, basis: &mut Basis) -> Result<files::CommitteeFiles, Error> {
    let files = files::read(ep)?;
    let acronym = committee.abbreviation.clone().unwrap_or_else(|| committee.id.clone());
    basis.data_quality_warnings.push(files.coverage());
    basis.endpoints.extend(["procedures".to_string(), "procedures/{process-id}".to_string()]);
    Ok(files.committee(&acronym))
}
