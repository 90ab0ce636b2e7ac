//! The arithmetic of roll-call analysis, on counts only (see docs/METHODS.md). Every ratio
//! is `None` when its denominator is zero, and rounded to 4 decimals: no NaN, no infinity.

use serde::Serialize;

/// How an MEP voted in one roll call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Position {
    For,
    Against,
    Abstain,
}

pub const POSITIONS: [Position; 3] = [Position::For, Position::Against, Position::Abstain];

/// Votes for, against and abstaining.
pub type Counts = [usize; 3];

pub fn index(position: Position) -> usize {
    match position {
        Position::For => 0,
        Position::Against => 1,
        Position::Abstain => 2,
    }
}

/// `numerator / denominator`, exact; `None` for a zero denominator. Every measure is
/// computed from exact values and compared exactly; results are rounded once, when written
/// (`guest_client::output::rounded`).
pub fn ratio(numerator: usize, denominator: usize) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// The mean of the values, exact; `None` for none.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The Agreement Index of Hix, Noury and Roland for one vote of one group:
/// `(max − (total − max) / 2) / total`, from 0 (evenly split three ways) to 1 (unanimous).
/// Unrounded; `None` when nobody voted.
pub fn agreement_index(counts: Counts) -> Option<f64> {
    let total: usize = counts.iter().sum();
    let max = *counts.iter().max().unwrap_or(&0);
    (total > 0).then(|| (max as f64 - (total - max) as f64 / 2.0) / total as f64)
}

/// The group's position: the strict plurality of its members' votes; `None` when nobody
/// voted or the largest positions tie.
pub fn majority(counts: Counts) -> Option<Position> {
    let max = *counts.iter().max().unwrap_or(&0);
    if max == 0 || counts.iter().filter(|c| **c == max).count() > 1 {
        return None;
    }
    POSITIONS.into_iter().find(|p| counts[index(*p)] == max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_index_by_hand() {
        assert_eq!(agreement_index([2, 0, 0]), Some(1.0));
        assert_eq!(agreement_index([1, 1, 0]), Some(0.25), "(1 − 1/2) / 2");
        assert_eq!(agreement_index([1, 1, 1]), Some(0.0));
        assert_eq!(agreement_index([3, 1, 0]), Some(0.625), "(3 − 1/2) / 4");
        assert_eq!(agreement_index([0, 0, 0]), None);
    }

    #[test]
    fn majorities_ties_and_ratios() {
        assert_eq!(majority([2, 1, 0]), Some(Position::For));
        assert_eq!(majority([0, 0, 1]), Some(Position::Abstain));
        assert_eq!(majority([1, 1, 0]), None);
        assert_eq!(majority([0, 0, 0]), None);
        assert_eq!(ratio(1, 3), Some(1.0 / 3.0), "exact: rounded once, when written");
        assert_eq!(ratio(1, 0), None);
        assert_eq!(mean(&[1.0, 0.25, 1.0]), Some(0.75));
        assert_eq!(mean(&[]), None);
    }
}
