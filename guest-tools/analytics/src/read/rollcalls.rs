//! The data every vote analysis reads, from the EP's own records: the plenary sittings of
//! the period (`/meetings?year=`, every page), the decisions of each sitting
//! (`/meetings/{sitting-id}/decisions`, every page, read concurrently) of which the roll
//! calls — decisions with voter lists — are kept, and the current roster
//! (`/meps/show-current`, every page) for each MEP's group and country. The mandates of
//! the MEPs who joined or left during the term (`/meps/show-incoming`, `/meps/show-outgoing`,
//! then each one's record `/meps/{mep-id}`) bound the roll calls their attendance counts.

use std::collections::{BTreeMap, BTreeSet};

use guest_client::decision::decision;
use guest_client::{Ep, Error, Query, group, jsonld};

use crate::metrics::{Counts, Position, index, majority};
use crate::read::period::Period;

/// Items per page when walking lists.
const PAGE: u32 = 500;

/// What every tool that reads roll calls may request: the sittings and their decisions, the
/// roster, the incoming and outgoing MEPs and their records.
pub const EGRESS: &[&str] = &["meetings", "meps"];

/// Records of incoming and outgoing MEPs read for their mandate dates, at most (the rest
/// are named in a warning).
const MANDATE_RECORDS: usize = 100;

/// The first day of the current parliamentary term (the roster's).
pub const CURRENT_TERM_START: &str = "2024-07-16";

/// One roll call: who voted how, compactly (a Parliament-year is about 2,000 roll calls of
/// 700 voters: 1.4 million ballots, 8 bytes each here).
#[derive(Debug, Clone)]
pub struct Vote {
    pub id: String,
    /// YYYY-MM-DD.
    pub date: String,
    /// The EP's recorded outcome code, e.g. `ADOPTED`, `REJECTED`.
    pub outcome: Option<String>,
    /// (voter index into [`RollCalls::ids`], position), sorted by voter.
    ballots: Vec<(u32, Position)>,
    /// How each group's current members voted (see [`RollCalls::tally`]).
    groups: BTreeMap<String, Counts>,
}

impl Vote {
    /// How voter `index` voted, if they did.
    pub fn position(&self, index: u32) -> Option<Position> {
        self.ballots.binary_search_by_key(&index, |(i, _)| *i).ok().map(|at| self.ballots[at].1)
    }
}

/// An MEP of the current roster.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    /// The group's common short name (see `guest_client::group`).
    pub group: Option<String>,
    /// ISO 3166 alpha-2 as the EP writes it (`EL` for Greece).
    pub country: Option<String>,
}

#[derive(Debug, Default)]
pub struct RollCalls {
    /// Person ids of every voter, by voter index.
    ids: Vec<String>,
    index: BTreeMap<String, u32>,
    /// Sittings of the period with at least one roll call, oldest first.
    pub sittings: Vec<String>,
    /// Sittings of the period whose decisions list no roll call (yet).
    pub sittings_without_roll_calls: Vec<String>,
    pub votes: Vec<Vote>,
    /// The current roster by person id.
    pub members: BTreeMap<String, Member>,
    pub endpoints: Vec<String>,
    pub warnings: Vec<String>,
    /// Parliamentary mandates (first day, last day if ended) of the MEPs whose records were
    /// read: their attendance counts only the roll calls inside these (see [`RollCalls::expected`]).
    mandates: BTreeMap<String, Vec<(String, Option<String>)>>,
    /// Voters a roll call lists under two different positions (`vote id: person id`): a
    /// data error; they are left out of that vote.
    conflicts: Vec<String>,
}

/// The non-attached members' "group": no common line, so no group measure describes it.
pub const NON_ATTACHED: &str = "NI";

/// Reads the roll calls of `period` and the current roster.
pub fn load(ep: &Ep, period: &Period) -> Result<RollCalls, Error> {
    let years: Vec<Query> = period.years().map(|y| Query::new(["meetings"]).param("year", y)).collect();
    let mut days: Vec<String> = ep
        .all_of(&years, PAGE)?
        .iter()
        .flatten()
        .filter_map(|s| jsonld::string(s, "activity_id"))
        .filter_map(|id| id.strip_prefix("MTG-PL-").map(str::to_string))
        .filter(|day| period.contains(day))
        .collect();
    days.sort();
    days.dedup();
    let sittings: Vec<String> = days.iter().map(|day| format!("MTG-PL-{day}")).collect();
    let queries: Vec<Query> = sittings.iter().map(|s| Query::new(["meetings", s.as_str(), "decisions"])).collect();
    let mut data = RollCalls {
        endpoints: vec!["meetings".into(), "meetings/{sitting-id}/decisions".into(), "meps/show-current".into()],
        ..RollCalls::default()
    };
    // Each sitting's decisions are folded into compact votes as they arrive: a year's JSON
    // (some 2,000 roll calls of 700 names) would not fit in the component's memory at once.
    ep.each_of(&queries, PAGE, |i, items| {
        let sitting = sittings[i].clone();
        let before = data.votes.len();
        for item in &items {
            let d = decision(item, true);
            let Some(voters) = d.voters else { continue }; // not a roll call
            let date = d.date.unwrap_or_else(|| sitting.trim_start_matches("MTG-PL-").to_string());
            data.add_vote(d.id, date, d.outcome, [(voters.favor, Position::For), (voters.against, Position::Against), (voters.abstention, Position::Abstain)]);
        }
        if data.votes.len() > before { data.sittings.push(sitting) } else { data.sittings_without_roll_calls.push(sitting) }
    })?;
    for item in ep.all(&Query::new(["meps", "show-current"]), PAGE)? {
        let Some(id) = jsonld::string(&item, "identifier") else { continue };
        let member = Member {
            name: jsonld::text(&item, "label").unwrap_or_else(|| id.clone()),
            group: jsonld::string(&item, "api:political-group").map(|g| group::canonical(&g)),
            country: jsonld::string(&item, "api:country-of-representation"),
        };
        data.members.insert(id, member);
    }
    data.warnings.push(
        "Political group and country are each MEP's current ones (/meps/show-current): a vote cast before a change \
         of group counts with the MEP's current group."
            .into(),
    );
    data.tally();
    data.warn_about_the_records();
    data.read_mandates(ep, period);
    let outside: Vec<&String> = data.ids.iter().filter(|id| !data.members.contains_key(*id)).collect();
    if !outside.is_empty() {
        data.warnings.push(format!(
            "{} voter(s) of these roll calls are not current MEPs; they have no group or country here.",
            outside.len()
        ));
    }
    if data.votes.is_empty() {
        data.warnings.push(format!(
            "No roll-call vote was found between {} and {} (the EP publishes roll calls some weeks after a sitting).",
            period.from, period.to
        ));
    }
    Ok(data)
}

/// Whether `day` falls in one of the mandates (first day, last day if ended).
fn within(mandates: &[(String, Option<String>)], day: &str) -> bool {
    mandates.iter().any(|(from, to)| from.as_str() <= day && to.as_deref().is_none_or(|to| day <= to))
}

/// Co-voting of two ballots (see [`RollCalls::ballots`]): (same, both voted, same / both voted).
pub fn co_voting(a: &[u8], b: &[u8]) -> (usize, usize, Option<f64>) {
    let (mut same, mut both) = (0, 0);
    for (x, y) in a.iter().zip(b) {
        if *x != 0 && *y != 0 {
            both += 1;
            same += usize::from(x == y);
        }
    }
    (same, both, crate::metrics::ratio(same, both))
}

/// How the voters `member` accepts voted in `vote`.
pub fn counts_where(data: &RollCalls, vote: &Vote, member: impl Fn(&str) -> bool) -> Counts {
    let mut counts = [0; 3];
    for (voter, position) in &vote.ballots {
        if member(&data.ids[*voter as usize]) {
            counts[index(*position)] += 1;
        }
    }
    counts
}

impl RollCalls {
    /// Adds a roll call from its voter lists.
    fn add_vote(&mut self, id: String, date: String, outcome: Option<String>, lists: [(Vec<String>, Position); 3]) {
        let mut ballots = Vec::new();
        for (voters, position) in lists {
            for voter in voters {
                let next = self.ids.len() as u32;
                let index = *self.index.entry(voter.clone()).or_insert(next);
                if index == next {
                    self.ids.push(voter);
                }
                ballots.push((index, position));
            }
        }
        ballots.sort_by_key(|(i, _)| *i);
        // A voter listed twice under one position counts once; under two, not at all.
        let mut kept = Vec::with_capacity(ballots.len());
        for listed in ballots.chunk_by(|a, b| a.0 == b.0) {
            if listed.iter().all(|(_, position)| *position == listed[0].1) {
                kept.push(listed[0]);
            } else {
                self.conflicts.push(format!("{id}: {}", self.ids[listed[0].0 as usize]));
            }
        }
        self.votes.push(Vote { id, date, outcome, ballots: kept, groups: BTreeMap::new() });
    }

    /// Reads the mandates of the MEPs who joined or left during the term and voted in the
    /// period, so that their attendance counts only roll calls they could vote in.
    fn read_mandates(&mut self, ep: &Ep, period: &Period) {
        let lists = [Query::new(["meps", "show-incoming"]), Query::new(["meps", "show-outgoing"])];
        let changed: BTreeSet<String> = match ep.all_of(&lists, PAGE) {
            Ok(lists) => {
                self.endpoints.extend(["meps/show-incoming".to_string(), "meps/show-outgoing".to_string()]);
                lists.iter().flatten().filter_map(|m| jsonld::string(m, "identifier")).filter(|id| self.index.contains_key(id) || self.members.contains_key(id)).collect()
            }
            Err(e) => {
                self.warnings.push(format!("The incoming and outgoing MEPs could not be read ({e}): every MEP's attendance counts every roll call of the period."));
                BTreeSet::new()
            }
        };
        let changed: Vec<&String> = changed.iter().collect();
        let (read, unread) = changed.split_at(changed.len().min(MANDATE_RECORDS));
        let queries: Vec<Query> = read.iter().map(|id| Query::new(["meps", id.as_str()])).collect();
        let mut unknown: Vec<String> = unread.iter().map(|id| id.to_string()).collect();
        let mut limited = Vec::new();
        for (id, answer) in read.iter().zip(ep.fetch_all(&queries)) {
            let record = answer.ok().flatten().and_then(|doc| jsonld::into_data(doc).into_iter().next());
            let mandates: Vec<(String, Option<String>)> = record
                .iter()
                .flat_map(|r| jsonld::objects(r, "hasMembership"))
                .filter(|m| jsonld::code(m, "role").as_deref() == Some("MEMBER_PARLIAMENT"))
                .filter_map(|m| {
                    let during = m.get("memberDuring")?;
                    Some((jsonld::string(during, "startDate")?, jsonld::string(during, "endDate")))
                })
                .collect();
            if mandates.is_empty() {
                unknown.push(id.to_string());
                continue;
            }
            let inside = |day: &str| within(&mandates, day);
            // A vote cast outside every recorded mandate means the record lacks one: not used.
            let voter = self.index.get(id.as_str()).copied();
            if self.votes.iter().any(|v| voter.is_some_and(|i| v.position(i).is_some()) && !inside(&v.date)) {
                unknown.push(format!("{id} (voted outside the mandates its record gives)"));
                continue;
            }
            if self.votes.iter().any(|v| !inside(&v.date)) {
                limited.push(id.to_string());
            }
            self.mandates.insert(id.to_string(), mandates);
        }
        if !self.mandates.is_empty() {
            self.endpoints.push("meps/{mep-id}".into());
        }
        if !limited.is_empty() {
            self.warnings.push(format!(
                "Attendance counts only the roll calls inside the mandate for MEPs who joined or left during the period: {}.",
                limited.join(", ")
            ));
        }
        if !unknown.is_empty() {
            self.warnings.push(format!(
                "Mandate dates could not be read for MEPs who joined or left during the term: {}; their attendance counts every roll call of the period.",
                unknown.join(", ")
            ));
        }
        if period.from.as_str() < CURRENT_TERM_START {
            self.warnings.push(format!(
                "The period begins before the current term ({CURRENT_TERM_START}): an MEP first seated then had no mandate before it, \
                 yet the roll calls before it count in their attendance unless their record was read."
            ));
        }
    }

    /// Whether `mep` was expected to vote in `vote`: inside a mandate their record gives, or
    /// any roll call when no record was read.
    pub fn expected(&self, mep: &str, vote: &Vote) -> bool {
        self.mandates.get(mep).is_none_or(|mandates| within(mandates, &vote.date))
    }

    /// What the roll calls read cannot support, said in the warnings.
    fn warn_about_the_records(&mut self) {
        if !self.conflicts.is_empty() {
            let shown: Vec<&str> = self.conflicts.iter().take(10).map(String::as_str).collect();
            let more = if self.conflicts.len() > shown.len() { " …" } else { "" };
            self.warnings.push(format!(
                "{} voter(s) are listed under two positions in one roll call (a data error), and left out of that vote: {}{more}.",
                self.conflicts.len(),
                shown.join(", ")
            ));
        }
        let without_outcome = self.votes.iter().filter(|v| v.outcome.is_none()).count();
        if without_outcome > 0 {
            self.warnings.push(format!(
                "{without_outcome} of {} roll calls record no outcome: they count for participation and cohesion, not for the prevailing side.",
                self.votes.len()
            ));
        }
        if self.members.values().any(|m| m.group.as_deref() == Some(NON_ATTACHED)) {
            self.warnings.push(
                "Non-attached members (NI) have no common line: their group cohesion, loyalty and group positions are null, not measured."
                    .into(),
            );
        }
    }

    /// Counts each group's votes in every roll call, once (the measures read them often).
    fn tally(&mut self) {
        let groups: Vec<Option<&str>> = self.ids.iter().map(|id| self.members.get(id).and_then(|m| m.group.as_deref())).collect();
        let tallies: Vec<BTreeMap<String, Counts>> = self
            .votes
            .iter()
            .map(|vote| {
                let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
                for (voter, position) in &vote.ballots {
                    if let Some(group) = groups[*voter as usize] {
                        counts.entry(group.to_string()).or_default()[index(*position)] += 1;
                    }
                }
                counts
            })
            .collect();
        for (vote, groups) in self.votes.iter_mut().zip(tallies) {
            vote.groups = groups;
        }
    }

    /// The voter index of a person id, if they voted at all in the period.
    pub fn voter(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// How `mep` voted in `vote`.
    pub fn position(&self, vote: &Vote, mep: &str) -> Option<Position> {
        self.voter(mep).and_then(|i| vote.position(i))
    }

    /// How a group's members voted in `vote`.
    pub fn group_counts(&self, vote: &Vote, group: &str) -> Counts {
        vote.groups.get(group).copied().unwrap_or_default()
    }

    /// The group's position in `vote` (strict plurality of its voting members); none for
    /// the non-attached, who have no common line.
    pub fn group_position(&self, vote: &Vote, group: &str) -> Option<Position> {
        if group == NON_ATTACHED {
            return None;
        }
        majority(self.group_counts(vote, group))
    }

    pub fn group_of(&self, id: &str) -> Option<&str> {
        self.members.get(id).and_then(|m| m.group.as_deref())
    }

    /// The groups of the roster, by name.
    pub fn groups(&self) -> BTreeSet<&str> {
        self.members.values().filter_map(|m| m.group.as_deref()).collect()
    }

    /// Current members of a group, by id.
    pub fn members_of<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.members.iter().filter(move |(_, m)| m.group.as_deref() == Some(group)).map(|(id, _)| id)
    }

    /// Every voter's ballot: one byte per roll call (0 absent, 1 for, 2 against, 3 abstain),
    /// so that comparing two MEPs is a pass over two byte strings.
    pub fn ballots(&self) -> BTreeMap<&str, Vec<u8>> {
        let mut dense = vec![vec![0u8; self.votes.len()]; self.ids.len()];
        for (i, vote) in self.votes.iter().enumerate() {
            for (voter, position) in &vote.ballots {
                dense[*voter as usize][i] = index(*position) as u8 + 1;
            }
        }
        self.ids.iter().map(String::as_str).zip(dense).collect()
    }

    /// Distinct MEPs who voted in at least one roll call.
    pub fn voters(&self) -> usize {
        self.ids.len()
    }
}

/// Roll calls and a roster built by hand: `members` as (id, group), `votes` as (id, for,
/// against, abstain).
#[cfg(test)]
pub fn built(members: &[(&str, &str)], votes: &[(&str, &[&str], &[&str], &[&str])]) -> RollCalls {
    let mut data = RollCalls::default();
    data.members = members
        .iter()
        .map(|(id, g)| (id.to_string(), Member { name: format!("MEP {id}"), group: Some(g.to_string()), country: None }))
        .collect();
    let list = |ids: &[&str]| ids.iter().map(|i| i.to_string()).collect::<Vec<_>>();
    for (id, f, a, x) in votes {
        data.add_vote(id.to_string(), "2024-03-13".into(), None, [(list(f), Position::For), (list(a), Position::Against), (list(x), Position::Abstain)]);
    }
    data.tally();
    data.warn_about_the_records();
    data
}
