//! Arguments several tools take with one meaning, declared once: paging (`limit`,
//! `offset`) and a period (`dateFrom`, `dateTo`). A tool takes a group with
//! [`crate::Tool::with`]; the group's arguments are merged into the tool's own parameters
//! on the argument object and on the schema, because serde's `flatten` cannot be combined
//! with the `deny_unknown_fields` every tool's parameters carry.

use serde_json::{Map, Value, json};

use crate::error::Error;

/// A group of arguments several tools share.
pub trait Common: 'static {
    /// What the tool's `run` gets of them.
    type Args;
    /// The group's properties, as a tool's input schema shows them.
    fn properties(&self) -> Map<String, Value>;
    /// Takes the group's arguments out of a tool's argument object, checked.
    fn take(&self, arguments: &mut Map<String, Value>) -> Result<Self::Args, Error>;
}

pub const MAX_LIMIT: u32 = 100;
pub const MAX_OFFSET: u32 = 100_000;

/// `limit` and `offset`, as every list tool takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Paging {
    /// Items per page, 1..=[`MAX_LIMIT`].
    pub limit: u32,
    /// Items to skip, 0..=[`MAX_OFFSET`].
    pub offset: u32,
}

/// The paging group, with the tool's default page size.
pub struct Paged {
    pub default_limit: u32,
}

impl Common for Paged {
    type Args = Paging;

    fn properties(&self) -> Map<String, Value> {
        let mut properties = Map::new();
        properties.insert(
            "limit".into(),
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": self.default_limit, "description": "Items per page."}),
        );
        properties.insert(
            "offset".into(),
            json!({"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0, "description": "Items to skip (a nextOffset)."}),
        );
        properties
    }

    fn take(&self, arguments: &mut Map<String, Value>) -> Result<Paging, Error> {
        let mut read = |name: &str, default: u32, range: std::ops::RangeInclusive<u32>| match arguments.remove(name) {
            None | Some(Value::Null) => Ok(default),
            Some(value) => value
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| range.contains(n))
                .ok_or_else(|| Error::invalid(format!("invalid arguments: {name} must be an integer in {}..={}", range.start(), range.end()))),
        };
        Ok(Paging { limit: read("limit", self.default_limit, 1..=MAX_LIMIT)?, offset: read("offset", 0, 0..=MAX_OFFSET)? })
    }
}

/// `dateFrom` and `dateTo` as given (each a checked calendar day, or absent): what a
/// missing one means is the tool's to say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dates {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The period group, with what `dateFrom` and `dateTo` mean for the tools that take it.
pub struct Dated {
    pub from: &'static str,
    pub to: &'static str,
}

impl Common for Dated {
    type Args = Dates;

    fn properties(&self) -> Map<String, Value> {
        let day = |description: &str| json!({"type": "string", "format": "date", "description": description});
        let mut properties = Map::new();
        properties.insert("dateFrom".into(), day(self.from));
        properties.insert("dateTo".into(), day(self.to));
        properties
    }

    fn take(&self, arguments: &mut Map<String, Value>) -> Result<Dates, Error> {
        let mut read = |name: &str| match arguments.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(day)) => crate::args::date(name, &day).map(|()| Some(day)),
            Some(_) => Err(Error::invalid(format!("invalid arguments: {name} must be a date (YYYY-MM-DD)"))),
        };
        Ok(Dates { from: read("dateFrom")?, to: read("dateTo")? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_taken_out_and_its_days_checked() {
        let dated = Dated { from: "First day.", to: "Last day." };
        let mut arguments = json!({"dateFrom": "2024-02-29", "other": 1}).as_object().unwrap().clone();
        assert_eq!(dated.take(&mut arguments).unwrap(), Dates { from: Some("2024-02-29".into()), to: None });
        assert_eq!(arguments.keys().collect::<Vec<_>>(), ["other"], "the tool's own arguments stay");
        for bad in [json!({"dateTo": "2023-02-29"}), json!({"dateFrom": 20240101}), json!({"dateTo": "2024-1-1"})] {
            assert!(dated.take(&mut bad.as_object().unwrap().clone()).is_err(), "{bad}");
        }
        assert_eq!(dated.properties()["dateTo"]["format"], "date");
    }
}
