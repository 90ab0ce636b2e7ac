//! Argument checks the JSON Schema cannot express, and identifier normalisation.

use crate::error::Error;

/// Regex for MEP ids as users type them: `124936`, `MEP-124936`, `person/124936`.
pub const MEP_ID_PATTERN: &str = r"^(?:[0-9]{1,9}|MEP-[0-9]{1,9}|person/[0-9]{1,9})$";
/// Regex for `YYYY-MM-DD` (calendar validity is checked by [`date`]).
pub const DATE_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// The numeric part of an MEP id.
pub fn mep_id(id: &str) -> Result<u64, Error> {
    let digits = id.trim_start_matches("MEP-").trim_start_matches("person/");
    digits.parse().map_err(|_| Error::invalid(format!("id '{id}' is not an MEP id (e.g. 124936)")))
}

/// Checks that a `YYYY-MM-DD` string is a real calendar date.
pub fn date(field: &str, value: &str) -> Result<(), Error> {
    let bad = || Error::invalid(format!("{field} '{value}' is not a calendar date (YYYY-MM-DD)"));
    let parts: Vec<&str> = value.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    let (y, m, d): (u32, u32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if value.len() != 10 || d == 0 || d > days {
        return Err(bad());
    }
    Ok(())
}

/// Checks an optional `from ≤ to` date range (both real dates).
pub fn date_range(from: Option<&str>, to: Option<&str>) -> Result<(), Error> {
    if let Some(f) = from {
        date("dateFrom", f)?;
    }
    if let Some(t) = to {
        date("dateTo", t)?;
    }
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(Error::invalid(format!("dateFrom '{f}' is after dateTo '{t}'")));
    }
    Ok(())
}

/// Today's year, from the wall clock the host grants.
pub fn current_year() -> u32 {
    crate::date::civil_from_days(crate::date::today()).0 as u32
}

/// Regex for procedure ids as users type them: `2024-0006`, `2024/0006(COD)`, `2024-0006(COD)`
/// (reference type codes have two or three letters, e.g. `COD`, `INI`, `CN`).
pub const PROCESS_ID_PATTERN: &str = r"^[0-9]{4}[-/][0-9]{4}[A-Z]?(?:\([A-Za-z]{2,3}\))?$";

/// The EP API's `process-id` from a reference: `2024/0006(COD)` → `2024-0006`.
pub fn process_id(reference: &str) -> String {
    let bare = reference.split('(').next().unwrap_or(reference);
    bare.replace('/', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_ids() {
        assert_eq!(process_id("2024/0006(COD)"), "2024-0006");
        assert_eq!(process_id("2024-0006(cod)"), "2024-0006");
        assert_eq!(process_id("2018-0218"), "2018-0218");
    }

    #[test]
    fn mep_ids() {
        assert_eq!(mep_id("124936"), Ok(124936));
        assert_eq!(mep_id("MEP-7"), Ok(7));
        assert_eq!(mep_id("person/1294"), Ok(1294));
        assert!(mep_id("x").is_err());
    }

    #[test]
    fn dates() {
        assert!(date("d", "2024-02-29").is_ok());
        assert!(date("d", "2023-02-29").is_err());
        assert!(date("d", "2024-13-01").is_err());
        assert!(date_range(Some("2024-05-01"), Some("2024-04-01")).is_err());
        assert!(current_year() >= 2024);
    }
}
