//! `get_parliamentary_questions`: MEPs' questions to the Council, the Commission and the
//! Vice-President/High Representative: one by id (authors, addressees, answer, files) or a
//! page of a year's questions, optionally of one type.

use guest_client::args::{self, DATE_PATTERN};
use guest_client::work::{self, File};
use guest_client::{Unread, jsonld};
use guest_client::{Ep, Error, List, Query, Tool, Paging};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

const QUESTIONS: &str = "parliamentary-questions";
/// Where document files live: `is_exemplified_by` paths are relative to it.
/// Question ids: `E-10-2024-001357` (written), `O-9-2022-000042` (oral), `P-…`, `H-…`.
const QUESTION_ID_PATTERN: &str = r"^[A-Z]{1,3}-[0-9]{1,2}-[0-9]{4}-[0-9]{4,6}$";
/// Most years one call may list (the EP API takes a list of years).
const MAX_YEARS: u32 = 20;


#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QuestionType {
    Written,
    Oral,
}

impl QuestionType {
    /// The EP `work-type`s of this kind of question.
    fn work_types(self) -> &'static str {
        match self {
            QuestionType::Written => "QUESTION_WRITTEN,QUESTION_WRITTEN_PRIORITY",
            QuestionType::Oral => "QUESTION_ORAL,QUESTION_TIME",
        }
    }

    fn of(work_type: &str) -> Option<QuestionType> {
        match work_type {
            "QUESTION_WRITTEN" | "QUESTION_WRITTEN_PRIORITY" => Some(QuestionType::Written),
            "QUESTION_ORAL" | "QUESTION_TIME" => Some(QuestionType::Oral),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pending,
    Answered,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Params {
    /// One question by id, e.g. `E-10-2024-001357`.
    #[schemars(length(min = 1, max = 200), pattern(QUESTION_ID_PATTERN))]
    doc_id: Option<String>,
    /// `WRITTEN` (incl. priority questions) or `ORAL` (incl. question time).
    r#type: Option<QuestionType>,
    /// Not supported: lists carry no authors (a docId lookup does).
    #[schemars(length(min = 1, max = 100))]
    author: Option<String>,
    /// Not supported: no text search over questions.
    #[schemars(length(min = 1, max = 200))]
    topic: Option<String>,
    /// Not supported on lists: a docId lookup reports it.
    status: Option<Status>,
    /// First day; must be a 1 January (lists are filtered by whole years).
    #[schemars(pattern(DATE_PATTERN))]
    date_from: Option<String>,
    /// Last day; must be a 31 December (needs dateFrom).
    #[schemars(pattern(DATE_PATTERN))]
    date_to: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    /// Question id; pass it as `docId`.
    pub id: String,
    /// EP document type, e.g. `QUESTION_WRITTEN`, `QUESTION_ORAL`, `QUESTION_TIME`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_type: Option<String>,
    /// `WRITTEN` or `ORAL`, from the work type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<QuestionType>,
    /// Title (English when available, else the first language given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Date the question was tabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Parliamentary term number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<u32>,
    /// MEP ids of the authors (pass one to get_mep_details as `id`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub author_ids: Vec<String>,
    /// Org ids of the addressees, e.g. `CS` (Council), `CE` (Commission).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addressees: Vec<String>,
    /// `ANSWERED` when the EP record links an answer, else `PENDING` (single lookups only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
    /// Downloadable files (single lookups only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<File>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    /// Answer document id, e.g. `E-10-2024-001357-ASW`.
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Who answered, as EP org ids, e.g. `EU_COUNCIL`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answered_by: Vec<String>,
}

pub fn get_parliamentary_questions() -> Tool {
    Tool::paged(
        "get_parliamentary_questions",
        "Parliamentary questions",
        "Questions MEPs put to the Council, the Commission or the High Representative: one by docId (e.g. \
         E-10-2024-001357) with authors, addressees, answer and files, or a page of a year's questions (default: \
         this year) of one type (items: id and type).",
        &[QUESTIONS],
        50, run,
    )
}

fn run(ep: &Ep, p: Params, paging: Paging) -> Result<List<Question>, Error> {
    if p.author.is_some() {
        return Err(Error::invalid("author: the EP API cannot list questions by author; look a question up by docId to see its authors"));
    }
    if p.topic.is_some() {
        return Err(Error::invalid("topic: the EP API has no text search over questions; list them by year and type, or look one up by docId"));
    }
    if let Some(id) = &p.doc_id {
        if p.r#type.is_some() || p.status.is_some() || p.date_from.is_some() || p.date_to.is_some() {
            return Err(Error::invalid("type, status, dateFrom and dateTo filter lists; they cannot be combined with docId (one question)"));
        }
        let item = ep.one(&Query::new([QUESTIONS, id.as_str()]), &format!("question {id}"))?;
        let mut unread = Unread::default();
        let found = question(&item, true, &mut unread);
        return Ok(List::new(vec![found], 0, 1, false, format!("{QUESTIONS}/{id}")).warning(unread.warnings()));
    }
    if p.status.is_some() {
        return Err(Error::invalid("status: EP question lists carry no answers; look a question up by docId to see whether it was answered"));
    }
    let years = years(p.date_from.as_deref(), p.date_to.as_deref(), args::current_year())?;
    let defaulted = years.first().copied().filter(|_| p.date_from.is_none());
    let years = years.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    let work_types = p.r#type.map(QuestionType::work_types);
    let query = Query::new([QUESTIONS]).param("year", &years).param_opt("work-type", work_types);
    let endpoint = match work_types {
        Some(w) => format!("{QUESTIONS}?year={years}&work-type={w}"),
        None => format!("{QUESTIONS}?year={years}"),
    };
    let page = ep.page(&query, paging.offset, paging.limit)?;
    let data = page.items.iter().map(|i| question(i, false, &mut Unread::default())).collect();
    Ok(List::from_page(&page, data, endpoint).for_default_year(defaulted, "questions"))
}

/// The years a `dateFrom..dateTo` range covers. EP question lists are filtered by year
/// and their items carry no dates, so only whole years can be honoured truthfully.
fn years(from: Option<&str>, to: Option<&str>, current: u32) -> Result<Vec<u32>, Error> {
    args::date_range(from, to)?;
    let year = |d: &str| d[..4].parse::<u32>().unwrap_or(0);
    let (start, end) = match (from, to) {
        (None, None) => return Ok(vec![current]),
        (None, Some(_)) => return Err(Error::invalid("dateTo needs dateFrom")),
        (Some(f), _) if !f.ends_with("-01-01") => {
            return Err(Error::invalid(format!(
                "dateFrom '{f}': EP question lists are filtered by whole years and carry no dates; use {}-01-01, or look a question up by docId",
                &f[..4]
            )));
        }
        (_, Some(t)) if !t.ends_with("-12-31") => {
            return Err(Error::invalid(format!(
                "dateTo '{t}': EP question lists are filtered by whole years and carry no dates; use {}-12-31, or look a question up by docId",
                &t[..4]
            )));
        }
        (Some(f), Some(t)) => (year(f), year(t)),
        (Some(f), None) => (year(f), current.max(year(f))),
    };
    if end - start >= MAX_YEARS {
        return Err(Error::invalid(format!("dateFrom..dateTo spans more than {MAX_YEARS} years; narrow it")));
    }
    Ok((start..=end).collect())
}

/// A question; with `detail`, its files too (a file without a location goes to `unread`).
fn question(item: &Value, detail: bool, unread: &mut Unread) -> Question {
    let participants = |role: &str, field: &str| -> Vec<String> {
        jsonld::objects(item, "workHadParticipation")
            .into_iter()
            .filter(|p| jsonld::code(p, "participation_role").as_deref() == Some(role))
            .flat_map(|p| jsonld::strings(p, field))
            .map(|id| jsonld::tail(&id).to_string())
            .collect()
    };
    let mut author_ids: Vec<String> = jsonld::strings(item, "creator")
        .iter()
        .filter(|c| c.starts_with("person/"))
        .map(|c| jsonld::tail(c).to_string())
        .collect();
    for id in participants("AUTHOR", "had_participant_person") {
        if !author_ids.contains(&id) {
            author_ids.push(id);
        }
    }
    let answer = jsonld::objects(item, "inverse_answers_to").into_iter().next().map(|a| Answer {
        id: jsonld::identifier(a),
        date: jsonld::string(a, "document_date").and_then(|d| jsonld::date(&d)),
        title: jsonld::text(a, "title_dcterms"),
        answered_by: jsonld::strings(a, "creator").iter().map(|c| jsonld::tail(c).to_string()).collect(),
    });
    let work_type = jsonld::code(item, "work_type");
    let id = jsonld::identifier(item);
    Question {
        kind: work_type.as_deref().and_then(QuestionType::of),
        work_type,
        title: work::title(item),
        date: jsonld::string(item, "document_date").and_then(|d| jsonld::date(&d)),
        term: jsonld::term(item),
        author_ids,
        addressees: participants("ADDRESSEE", "had_participant_organization"),
        status: detail.then(|| if answer.is_some() { Status::Answered } else { Status::Pending }),
        answer,
        files: if detail { work::files(item, &id, unread) } else { Vec::new() },
        id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_whole_years_are_honoured() {
        assert_eq!(years(None, None, 2026), Ok(vec![2026]));
        assert_eq!(years(Some("2023-01-01"), Some("2024-12-31"), 2026), Ok(vec![2023, 2024]));
        assert_eq!(years(Some("2024-01-01"), None, 2026), Ok(vec![2024, 2025, 2026]));
        assert_eq!(years(Some("2030-01-01"), None, 2026), Ok(vec![2030]));
        for (from, to) in [(Some("2024-03-01"), None), (Some("2024-01-01"), Some("2024-06-30")), (None, Some("2024-12-31"))] {
            assert!(years(from, to, 2026).is_err(), "{from:?}..{to:?}");
        }
        assert!(years(Some("2000-01-01"), Some("2024-12-31"), 2026).is_err());
        assert!(years(Some("2024-02-30"), None, 2026).is_err());
    }

    #[test]
    fn an_unanswered_question_is_pending_and_a_list_item_has_no_status() {
        let item = json!({
            "id": "eli/dl/doc/O-10-2025-000012", "identifier": "O-10-2025-000012",
            "work_type": "def/ep-document-types/QUESTION_ORAL", "creator": ["person/1", "person/2"],
            "workHadParticipation": [{"participation_role": "def/ep-roles/ADDRESSEE", "had_participant_organization": "org/CE"}]
        });
        let q = question(&item, true, &mut Unread::default());
        assert_eq!((q.kind, q.status), (Some(QuestionType::Oral), Some(Status::Pending)));
        assert_eq!(q.author_ids, ["1", "2"]);
        assert_eq!(q.addressees, ["CE"]);
        assert!(q.answer.is_none());
        assert_eq!(question(&item, false, &mut Unread::default()).status, None);
    }
}
