//! Civil dates (UTC, proleptic Gregorian) to and from day counts since 1970-01-01
//! (Howard Hinnant's algorithms), and today from the wall clock the host grants.

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// `YYYY-MM-DD` of a day count since 1970-01-01.
pub fn iso(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The day count of a `YYYY-MM-DD` date; `None` if it does not have that shape.
pub fn days_of_iso(value: &str) -> Option<i64> {
    let part = |range: std::ops::Range<usize>| value.get(range)?.parse::<i64>().ok();
    Some(days_from_civil(part(0..4)?, part(5..7)?, part(8..10)?))
}

/// Today as a day count since 1970-01-01 (UTC).
pub fn today() -> i64 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    (secs / 86_400) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_both_ways() {
        assert_eq!(iso(0), "1970-01-01");
        assert_eq!(iso(19_723), "2024-01-01");
        assert_eq!(iso(19_782), "2024-02-29");
        assert_eq!(iso(-1), "1969-12-31");
        assert_eq!(iso(days_from_civil(2000, 2, 29)), "2000-02-29");
        for days in [-800_000, -1, 0, 59, 11_016, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert!(civil_from_days(today()).0 >= 2024);
    }
}
