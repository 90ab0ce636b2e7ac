//! The measures of docs/METHODS.md over a period's roll calls; each returns the counts it
//! came from, so outputs can show their working.


use crate::metrics::{Position, agreement_index, mean, ratio};
use std::collections::BTreeMap;

use crate::read::rollcalls::{RollCalls, Vote, co_voting, counts_where};

/// Roll calls two MEPs must share before their agreement makes an edge.
pub const MIN_SHARED: usize = 3;

/// An MEP's participation, as outputs show it.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Participation {
    /// Roll calls held in the period (while the MEP held a mandate, when their record gives it).
    pub roll_calls: usize,
    /// Of those, the roll calls the MEP voted in.
    pub voted: usize,
    pub participation_rate: Option<f64>,
}

impl Participation {
    pub fn of(data: &RollCalls, mep: &str) -> Participation {
        let (voted, roll_calls, participation_rate) = attendance(data, mep);
        Participation { roll_calls, voted, participation_rate }
    }
}

/// Roll calls an MEP voted in, of those held in the period while they held a mandate (all
/// of the period's, when their mandate dates were not read: see `RollCalls::expected`).
pub fn attendance(data: &RollCalls, mep: &str) -> (usize, usize, Option<f64>) {
    let voted = data.voter(mep).map_or(0, |i| data.votes.iter().filter(|v| v.position(i).is_some()).count());
    let held = data.votes.iter().filter(|v| data.expected(mep, v)).count();
    (voted, held, ratio(voted, held))
}

/// The roll calls in which at least two of `group`'s members voted and the group had a
/// position (strict plurality): those where an MEP can vote with or against their group.
fn decisive<'a>(data: &'a RollCalls, vote: &'a Vote, group: &str) -> Option<Position> {
    let counts = data.group_counts(vote, group);
    if counts.iter().sum::<usize>() < 2 {
        return None;
    }
    data.group_position(vote, group)
}

/// An MEP's votes with their group's position, of their votes where the group had one
/// (see [`decisive`]); with the ids of the roll calls where they voted otherwise.
pub fn loyalty(data: &RollCalls, mep: &str) -> (usize, usize, Option<f64>, Vec<String>) {
    let Some(group) = data.group_of(mep) else { return (0, 0, None, Vec::new()) };
    let (mut with, mut counted, mut defections) = (0, 0, Vec::new());
    for vote in &data.votes {
        let (Some(own), Some(line)) = (data.position(vote, mep), decisive(data, vote, group)) else { continue };
        counted += 1;
        if own == line {
            with += 1;
        } else {
            defections.push(vote.id.clone());
        }
    }
    (with, counted, ratio(with, counted), defections)
}

/// A group's cohesion: the mean Agreement Index over the roll calls in which at least two
/// of its members voted; with that number of roll calls.
pub fn cohesion(data: &RollCalls, group: &str) -> (usize, Option<f64>) {
    if group == crate::read::rollcalls::NON_ATTACHED {
        return (0, None); // no common line to agree on
    }
    cohesion_where(data, |id| data.group_of(id) == Some(group))
}

/// The same for any set of MEPs (e.g. a national delegation).
pub fn cohesion_where(data: &RollCalls, member: impl Fn(&str) -> bool) -> (usize, Option<f64>) {
    let indices: Vec<f64> = data
        .votes
        .iter()
        .map(|v| counts_where(data, v, &member))
        .filter(|c| c.iter().sum::<usize>() >= 2)
        .filter_map(agreement_index)
        .collect();
    (indices.len(), mean(&indices))
}

/// How often two groups took the same position, of the roll calls where both had one.
pub fn agreement(data: &RollCalls, a: &str, b: &str) -> (usize, usize, Option<f64>) {
    let (mut same, mut compared) = (0, 0);
    for vote in &data.votes {
        if let (Some(x), Some(y)) = (data.group_position(vote, a), data.group_position(vote, b)) {
            compared += 1;
            same += usize::from(x == y);
        }
    }
    (same, compared, ratio(same, compared))
}

/// Co-voting agreement that makes another MEP a voting partner.
pub const PARTNER_AGREEMENT: f64 = 0.7;

/// Of the other voters sharing ≥ [`MIN_SHARED`] roll calls with `mep` (ballots as
/// [`RollCalls::ballots`] gives them): how many were compared, and the partners among them
/// (co-voting ≥ [`PARTNER_AGREEMENT`]).
pub fn voting_partners<'a>(ballots: &BTreeMap<&'a str, Vec<u8>>, mep: &str) -> (usize, Vec<&'a str>) {
    let Some(own) = ballots.get(mep) else { return (0, Vec::new()) };
    let (mut compared, mut partners) = (0, Vec::new());
    for (other, ballot) in ballots.iter().filter(|(other, _)| **other != mep) {
        let (_, shared, agreement) = co_voting(own, ballot);
        if shared >= MIN_SHARED {
            compared += 1;
            if agreement.is_some_and(|a| a >= PARTNER_AGREEMENT) {
                partners.push(*other);
            }
        }
    }
    (compared, partners)
}

/// How often an MEP voted as a group did, of the roll calls where both voted (the MEP)
/// and had a position (the group).
pub fn alignment(data: &RollCalls, mep: &str, group: &str) -> (usize, usize, Option<f64>) {
    let (mut same, mut compared) = (0, 0);
    for vote in &data.votes {
        if let (Some(own), Some(line)) = (data.position(vote, mep), data.group_position(vote, group)) {
            compared += 1;
            same += usize::from(own == line);
        }
    }
    (same, compared, ratio(same, compared))
}

/// An MEP's votes on the side that prevailed, of their votes for or against in roll calls
/// with a recorded outcome: for an `ADOPTED` text, against a `REJECTED` one. Abstentions,
/// and roll calls without an outcome, are not counted.
pub fn prevailing_side(data: &RollCalls, mep: &str) -> (usize, usize, Option<f64>) {
    let (mut with, mut counted) = (0, 0);
    for vote in &data.votes {
        let winning = match vote.outcome.as_deref() {
            Some("ADOPTED") => Position::For,
            Some("REJECTED") => Position::Against,
            _ => continue,
        };
        match data.position(vote, mep) {
            Some(Position::Abstain) | None => {}
            Some(own) => {
                counted += 1;
                with += usize::from(own == winning);
            }
        }
    }
    (with, counted, ratio(with, counted))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two synthetic sittings of the test fixtures (docs/METHODS.md works them by hand).
    fn march_2024() -> RollCalls {
        crate::read::rollcalls::built(
            &[("101", "EPP"), ("102", "S&D"), ("103", "ECR"), ("104", "Renew"), ("105", "Greens/EFA"), ("106", "S&D"), ("107", "EPP")],
            &[
                ("A", &["101", "102", "104", "105"], &["103"], &["106"]),
                ("B", &["101", "107", "102", "106", "104"], &["103", "105"], &[]),
                ("C", &["101", "103"], &["107", "102", "106", "105"], &["104"]),
                ("D", &["105", "106"], &["101", "107", "103"], &["102"]),
            ],
        )
    }

    #[test]
    fn known_answers() {
        let data = march_2024();
        assert_eq!(attendance(&data, "104"), (3, 4, Some(0.75)));
        assert_eq!(attendance(&data, "101"), (4, 4, Some(1.0)));
        assert_eq!(cohesion(&data, "EPP"), (3, Some(0.75)), "A has one EPP voter; B 1, C 0.25, D 1");
        assert_eq!(cohesion(&data, "S&D"), (4, Some(0.625)), "0.25, 1, 1, 0.25");
        assert_eq!(cohesion(&data, "ECR"), (0, None), "one member: never two voting");
        assert_eq!(loyalty(&data, "101"), (2, 2, Some(1.0), vec![]), "EPP had a position with two voters in B and D");
        assert_eq!(agreement(&data, "EPP", "ECR"), (1, 3, Some(1.0 / 3.0)));
        assert_eq!(agreement(&data, "S&D", "ECR"), (0, 2, Some(0.0)));
        assert_eq!(agreement(&data, "ECR", "Greens/EFA"), (1, 4, Some(0.25)));
        assert_eq!(alignment(&data, "101", "Renew"), (2, 3, Some(2.0 / 3.0)));
        assert_eq!(alignment(&data, "101", "Greens/EFA"), (1, 4, Some(0.25)));
    }

    #[test]
    fn the_non_attached_have_no_line_and_a_voter_in_two_lists_is_left_out() {
        let data = crate::read::rollcalls::built(
            &[("1", "NI"), ("2", "NI"), ("3", "NI"), ("4", "EPP"), ("5", "EPP")],
            &[("A", &["1", "2", "4", "5", "4"], &["3"], &[]), ("B", &["1", "2", "3", "4"], &["5"], &["5"])],
        );
        assert_eq!(cohesion(&data, "NI"), (0, None), "three NI voted alike twice: still no group line");
        assert_eq!(loyalty(&data, "3"), (0, 0, None, vec![]));
        assert_eq!(agreement(&data, "NI", "EPP"), (0, 0, None));
        // 4 is listed twice as for in A (counted once); 5 both against and abstaining in B (left out).
        assert_eq!(data.position(&data.votes[0], "4"), Some(crate::metrics::Position::For));
        assert_eq!(data.position(&data.votes[1], "5"), None);
        assert_eq!(attendance(&data, "5"), (1, 2, Some(0.5)));
        assert_eq!(cohesion(&data, "EPP"), (1, Some(1.0)), "only A has two EPP voters once 5 leaves B");
        let warnings = data.warnings.join(" ");
        assert!(warnings.contains("1 voter(s) are listed under two positions") && warnings.contains("B: 5"), "{warnings}");
        assert!(warnings.contains("2 of 2 roll calls record no outcome"), "{warnings}");
        assert!(warnings.contains("Non-attached members (NI) have no common line"), "{warnings}");
    }

    #[test]
    fn the_prevailing_side_counts_for_and_against_only() {
        let mut data = march_2024();
        assert_eq!(prevailing_side(&data, "101"), (0, 0, None), "no outcomes recorded");
        for (vote, outcome) in data.votes.iter_mut().zip(["ADOPTED", "ADOPTED", "REJECTED", "REJECTED"]) {
            vote.outcome = Some(outcome.into());
        }
        assert_eq!(prevailing_side(&data, "101"), (3, 4, Some(0.75)), "for A, B; against D; for the rejected C");
        assert_eq!(prevailing_side(&data, "104"), (2, 2, Some(1.0)), "abstained in C, absent in D");
        assert_eq!(prevailing_side(&data, "105"), (2, 4, Some(0.5)));
    }
}
