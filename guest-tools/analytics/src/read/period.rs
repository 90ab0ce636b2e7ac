//! The period an analysis covers: `dateFrom`..=`dateTo`, by default the 30 days up to
//! today, at most 366 days (a year of sittings is about 60 days of roll calls).

use guest_client::{Dated, Error, args, date};
use schemars::JsonSchema;
use serde::Serialize;

pub const DEFAULT_DAYS: i64 = 30;

/// `dateFrom` and `dateTo` as the analyses take them (the defaults [`Period::new`] gives).
pub const PERIOD: Dated = Dated { from: "First day (default: 30 days before dateTo).", to: "Last day (default: today)." };
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Period {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
}

/// A date `args::date_range` has checked.
fn day(value: &str) -> i64 {
    date::days_of_iso(value).unwrap_or_default()
}

impl Period {
    pub fn new(from: Option<&str>, to: Option<&str>) -> Result<Period, Error> {
        Period::at(from, to, date::today())
    }

    /// As [`Period::new`], with `today` given (tests).
    pub fn at(from: Option<&str>, to: Option<&str>, today: i64) -> Result<Period, Error> {
        args::date_range(from, to)?;
        let last = to.map(day).unwrap_or(today);
        let first = from.map(day).unwrap_or(last - DEFAULT_DAYS + 1);
        if first > last {
            return Err(Error::invalid(format!("dateFrom {} is after dateTo {}", date::iso(first), date::iso(last))));
        }
        if last - first + 1 > MAX_DAYS {
            return Err(Error::invalid(format!("the period spans {} days; at most {MAX_DAYS}", last - first + 1)));
        }
        Ok(Period { from: date::iso(first), to: date::iso(last) })
    }

    /// The `days` days up to `to` (default today).
    pub fn ending(to: Option<&str>, days: i64) -> Result<Period, Error> {
        args::date_range(None, to)?;
        let last = to.map(day).unwrap_or_else(date::today);
        Ok(Period { from: date::iso(last - days + 1), to: date::iso(last) })
    }

    /// The calendar years the period touches.
    pub fn years(&self) -> std::ops::RangeInclusive<u32> {
        let year = |d: &str| d[..4].parse::<u32>().unwrap_or(0);
        year(&self.from)..=year(&self.to)
    }

    pub fn contains(&self, day: &str) -> bool {
        self.from.as_str() <= day && day <= self.to.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bounds_and_order() {
        let today = date::days_from_civil(2024, 3, 14);
        assert_eq!(Period::at(None, None, today).unwrap(), Period { from: "2024-02-14".into(), to: "2024-03-14".into() });
        let march = Period::at(Some("2024-03-11"), Some("2024-03-14"), today).unwrap();
        assert!(march.contains("2024-03-11") && march.contains("2024-03-14") && !march.contains("2024-03-15"));
        assert_eq!(Period::at(Some("2023-12-01"), Some("2024-01-31"), today).unwrap().years(), 2023..=2024);
        assert!(Period::at(Some("2024-03-15"), None, today).is_err(), "from after the default to (today)");
        assert!(Period::at(Some("2022-01-01"), Some("2024-01-01"), today).is_err(), "more than a year");
        assert!(Period::at(Some("2024-02-30"), None, today).is_err());
    }
}
