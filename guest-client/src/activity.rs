//! EP `Activity` records (sittings' activities, votes, decisions, procedure events,
//! events, speeches) normalised to one shape, for every tool that lists activities.

use crate::jsonld;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// Activity and event ids: `1972-0003-DEC-DCPL-1991-07-10`, `MTG-PL-2020-10-20-PVCRE-ITM-5`,
/// `MTG-PL-2024-04-23` (upper-case letter/digit groups joined by single hyphens).
pub const EVENT_ID_PATTERN: &str = r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$";

#[derive(Debug, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Activity id, e.g. `MTG-PL-2024-03-12-VOT-ITM-1` or `1972-0003-DEC-DCPL-1991-07-10`.
    pub id: String,
    /// EP record type: `Activity`, or `Decision` for decisions and votes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// EP activity type, e.g. `REFERRAL`, `PLENARY_AMEND_PROPOSAL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_type: Option<String>,
    /// Procedure stage code (EU procedure-phase authority), e.g. `RDG1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Label (English when available, else the first language given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Outcome code of a decision, e.g. `ADOPTED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Ids of the documents the activity is based on (or decided on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
    /// Ids of the documents that record it (minutes, verbatim report items).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recorded_in: Vec<String>,
    /// Ids of what it is part of (its sitting, its procedure).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_of: Vec<String>,
}

pub fn event(item: &Value) -> Event {
    Event {
        id: jsonld::string(item, "activity_id").or_else(|| jsonld::code(item, "id")).unwrap_or_default(),
        kind: jsonld::string(item, "type"),
        date: jsonld::string(item, "activity_date").and_then(|d| jsonld::date(&d)),
        activity_type: jsonld::code(item, "had_activity_type"),
        stage: jsonld::code(item, "occured_at_stage"),
        label: jsonld::text(item, "activity_label"),
        outcome: jsonld::outcome(item),
        documents: ["based_on_a_realization_of", "decided_on_a_realization_of"]
            .iter()
            .flat_map(|f| tails(item, f))
            .collect(),
        recorded_in: tails(item, "recorded_in_a_realization_of"),
        part_of: tails(item, "inverse_consists_of"),
    }
}

/// The events a record `consists_of`: objects read whole, and bare ids (the live API mixes
/// them in) kept as events known by id only.
pub struct Events {
    pub list: Vec<Event>,
    /// The ids of events given as a bare id: they have no date, type or stage.
    pub by_id_only: Vec<String>,
    /// Entries that are neither (numbers, nulls …): not kept.
    pub unreadable: usize,
}

impl Events {
    /// What procedure `procedure`'s events did not hold whole, for `dataQualityWarnings`.
    pub fn warnings(&self, procedure: &str) -> Vec<String> {
        let mut warnings = Vec::new();
        if !self.by_id_only.is_empty() {
            let (n, ids) = (self.by_id_only.len(), self.by_id_only.join(", "));
            warnings.push(format!("procedure {procedure}: {n} events given only by id (no date, type or stage): {ids}"));
        }
        if self.unreadable > 0 {
            warnings.push(format!("procedure {procedure}: {} entries of consists_of are neither an event nor an id", self.unreadable));
        }
        warnings
    }
}

pub fn consists_of(record: &Value) -> Events {
    let entries = match record.get("consists_of") {
        Some(Value::Array(entries)) => entries.iter().collect(),
        Some(entry) => vec![entry],
        None => Vec::new(),
    };
    let mut events = Events { list: Vec::new(), by_id_only: Vec::new(), unreadable: 0 };
    for entry in entries {
        match entry {
            Value::Object(_) => events.list.push(event(entry)),
            Value::String(id) if !id.is_empty() => {
                events.by_id_only.push(jsonld::tail(id).to_string());
                events.list.push(Event { id: jsonld::tail(id).to_string(), ..Event::default() });
            }
            _ => events.unreadable += 1,
        }
    }
    events
}

/// The short ids of a field of references (strings or objects with `id`).
fn tails(item: &Value, field: &str) -> Vec<String> {
    jsonld::strings(item, field).iter().map(|d| jsonld::tail(d).to_string()).collect()
}

/// Events oldest first (undated ones first, in the order given).
pub fn chronological(mut events: Vec<Event>) -> Vec<Event> {
    events.sort_by(|a, b| a.date.cmp(&b.date));
    events
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn reads_the_real_consists_of_shape() {
        let e = super::event(&json!({
            "id": "eli/dl/event/1972-0003-DEC-DCPL-1991-07-10", "type": "Decision", "activity_date": "1991-07-10",
            "activity_id": "1972-0003-DEC-DCPL-1991-07-10", "had_activity_type": "def/ep-activities/PLENARY_AMEND_PROPOSAL",
            "occured_at_stage": "http://publications.europa.eu/resource/authority/procedure-phase/RDG1"
        }));
        assert_eq!(e.id, "1972-0003-DEC-DCPL-1991-07-10");
        assert_eq!(e.kind.as_deref(), Some("Decision"));
        assert_eq!(e.date.as_deref(), Some("1991-07-10"));
        assert_eq!(e.activity_type.as_deref(), Some("PLENARY_AMEND_PROPOSAL"));
        assert_eq!(e.stage.as_deref(), Some("RDG1"));
        assert_eq!((e.label, e.outcome), (None, None));
        assert!(e.documents.is_empty());
    }

    #[test]
    fn labels_outcomes_and_documents_when_given() {
        let e = super::event(&json!({
            "id": "eli/dl/event/MTG-PL-2024-04-23-VOT-ITM-1", "type": ["Decision"],
            "activity_label": {"fr": "Vote", "en": "Vote"},
            "had_decision_outcome": "http://publications.europa.eu/resource/authority/decision-outcome/ADOPTED",
            "based_on_a_realization_of": ["eli/dl/doc/A-9-2024-0001", {"id": "eli/dl/doc/A-9-2024-0002"}]
        }));
        assert_eq!(e.id, "MTG-PL-2024-04-23-VOT-ITM-1");
        assert_eq!(e.kind.as_deref(), Some("Decision"));
        assert_eq!(e.label.as_deref(), Some("Vote"));
        assert_eq!(e.outcome.as_deref(), Some("ADOPTED"));
        assert_eq!(e.documents, ["A-9-2024-0001", "A-9-2024-0002"]);
    }

    #[test]
    fn bare_ids_among_the_events_are_kept_and_counted() {
        let record = json!({"consists_of": [
            {"activity_id": "2020-0001-DEPOT-2020-01-01", "activity_date": "2020-01-01"},
            "eli/dl/event/MTG-PL-2020-12-16-VOT-ITM-915693",
            7
        ]});
        let events = super::consists_of(&record);
        assert_eq!((events.list.len(), events.by_id_only.len(), events.unreadable), (2, 1, 1));
        assert_eq!(events.list[1].id, "MTG-PL-2020-12-16-VOT-ITM-915693");
        assert_eq!(events.list[1].date, None);
        assert_eq!(super::consists_of(&json!({"consists_of": {"activity_id": "X"}})).list.len(), 1);
    }

    #[test]
    fn oldest_first() {
        let at = |d: &str| super::event(&json!({"activity_id": d, "activity_date": d}));
        let sorted = super::chronological(vec![at("1991-07-10"), at("1972-11-06")]);
        assert_eq!(sorted.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["1972-11-06", "1991-07-10"]);
    }
}
