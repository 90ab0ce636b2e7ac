//! Who worked on which files: the committee responsible, the committees for opinion and the
//! rapporteurs, from the participations (`had_participation`) of the most recently
//! registered procedures (`/procedures`, every page, then `/procedures/{process-id}`).
//! The EP gives no index of files by MEP or committee, so counts cover the records read,
//! and every result says which.

use guest_client::participation::{self, Participant};
use guest_client::roles::Role;
use guest_client::{Ep, Error, Query, jsonld};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// Items per page when listing procedures (the list carries no dates: it is read whole).
pub const LIST_PAGE: u32 = 1000;
/// Procedure records read per round, newest first.
pub const BATCH: usize = 25;
/// Procedure records read for the counts of one call (four rounds).
pub const RECORDS: usize = 100;

/// Procedure records read, and their participations.
#[derive(Debug, Default)]
pub struct Files {
    /// Procedures in the EP's list.
    pub listed: usize,
    /// (process id, participations), the most recently registered first.
    pub records: Vec<(String, Vec<Participant>)>,
}

/// What the counts rest on.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FilesRead {
    /// Procedure records read (the most recently registered).
    pub procedures: usize,
    /// Of those, records naming any participation (committee or rapporteur).
    pub with_participations: usize,
    pub newest: Option<String>,
    pub oldest: Option<String>,
}

/// Every procedure id of the EP's list, newest (highest) first.
pub fn newest_first(ep: &Ep) -> Result<(usize, Vec<String>), Error> {
    let mut ids: Vec<String> = ep.all(&Query::new(["procedures"]), LIST_PAGE)?.iter().filter_map(|i| jsonld::string(i, "process_id")).collect();
    let listed = ids.len();
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    Ok((listed, ids))
}

/// The records of `ids` (a batch), as read: (id, record); a missing one is skipped.
pub fn records(ep: &Ep, ids: &[String]) -> Result<Vec<(String, Value)>, Error> {
    let queries: Vec<Query> = ids.iter().map(|id| Query::new(["procedures", id.as_str()])).collect();
    let mut read = Vec::new();
    for (id, answer) in ids.iter().zip(ep.fetch_all(&queries)) {
        if let Some(record) = answer?.and_then(|doc| jsonld::into_data(doc).into_iter().next()) {
            read.push((id.clone(), record));
        }
    }
    Ok(read)
}

/// The participations of the [`RECORDS`] most recently registered procedures.
pub fn read(ep: &Ep) -> Result<Files, Error> {
    let (listed, ids) = newest_first(ep)?;
    let mut files = Files { listed, records: Vec::new() };
    for batch in ids.chunks(BATCH).take(RECORDS / BATCH) {
        for (id, record) in records(ep, batch)? {
            files.records.push((id, participation::participants(&record).0));
        }
    }
    Ok(files)
}

impl Files {
    pub fn read(&self) -> FilesRead {
        FilesRead {
            procedures: self.records.len(),
            with_participations: self.records.iter().filter(|(_, p)| !p.is_empty()).count(),
            newest: self.records.first().map(|(id, _)| id.clone()),
            oldest: self.records.last().map(|(id, _)| id.clone()),
        }
    }

    /// The procedures in which `mep` holds a role of `class`.
    pub fn of_mep(&self, mep: &str, class: Role) -> Vec<String> {
        self.records
            .iter()
            .filter(|(_, ps)| ps.iter().any(|p| p.class() == class && p.mep_id.as_deref() == Some(mep)))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The procedures in which the committee `acronym` takes part as `class`.
    pub fn of_committee(&self, acronym: &str, class: Role) -> Vec<String> {
        self.records
            .iter()
            .filter(|(_, ps)| ps.iter().any(|p| p.class() == class && p.committee.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(acronym))))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The warning every count from these files carries.
    pub fn coverage(&self) -> String {
        let read = self.read();
        format!(
            "Files (rapporteurships, committees responsible) are counted over the {} most recently registered procedures read \
             ({} to {}), of the {} listed; {} of them name participations. Older files are not counted.",
            read.procedures,
            read.newest.as_deref().unwrap_or("-"),
            read.oldest.as_deref().unwrap_or("-"),
            self.listed,
            read.with_participations
        )
    }
}

/// An MEP's files among those read.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MepFiles {
    /// Procedures (process ids) in which the MEP is rapporteur.
    pub rapporteur: Vec<String>,
    /// … shadow rapporteur (of the report or of an opinion).
    pub shadow_rapporteur: Vec<String>,
    /// … rapporteur for a committee's opinion.
    pub opinion_rapporteur: Vec<String>,
    pub files_read: FilesRead,
}

/// A committee's files among those read.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommitteeFiles {
    /// Procedures (process ids) for which the committee is responsible.
    pub lead: Vec<String>,
    /// … giving an opinion (or a budgetary assessment).
    pub opinion: Vec<String>,
    pub files_read: FilesRead,
}

impl Files {
    pub fn mep(&self, mep: &str) -> MepFiles {
        MepFiles {
            rapporteur: self.of_mep(mep, Role::Rapporteur),
            shadow_rapporteur: self.of_mep(mep, Role::ShadowRapporteur),
            opinion_rapporteur: self.of_mep(mep, Role::RapporteurForOpinion),
            files_read: self.read(),
        }
    }

    pub fn committee(&self, acronym: &str) -> CommitteeFiles {
        CommitteeFiles { lead: self.of_committee(acronym, Role::LeadCommittee), opinion: self.of_committee(acronym, Role::OpinionCommittee), files_read: self.read() }
    }
}
