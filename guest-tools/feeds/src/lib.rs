//! Change feeds: what the EP published or updated recently, one tool per feed.
//!
//! The 13 feeds are one table ([`FEEDS`]); [`feed::tool`] makes a tool of each row.
//! A feed with a choosable window takes `timeframe` (and `startDate` for `custom`) plus,
//! for some, one filter; the others cover a window fixed by the EP API and page locally
//! with `limit`/`offset` (feeds are not paged upstream). Each tool may reach only its
//! own `…/feed` path. Feeds are asked for JSON-LD (as the reference does); an Atom answer
//! (the spec's declared format) is read too. Upstream trouble is a clean MCP error like
//! for every other tool (the reference returns an in-band `status: "unavailable"` envelope).

mod atom;
mod feed;
mod fetch;
mod item;

use guest_client::Tool;

use feed::{Filter, Timeframe};

/// One feed: the tool, the EP path it follows, its window, and where its ids lead.
pub struct Feed {
    pub tool: &'static str,
    pub title: &'static str,
    /// The feed's path (`meps/feed`), also the tool's only egress prefix.
    pub egress: &'static [&'static str],
    /// What the feed lists, for the description ("MEP records").
    pub what: &'static str,
    pub window: Window,
    /// The tool and argument that take the items' ids.
    pub detail: (&'static str, &'static str),
}

/// How a feed's time window is chosen.
pub enum Window {
    /// By the caller: `timeframe` (+ `startDate`), and optionally one filter.
    Choice(Option<Filter>),
    /// By the EP API (per the spec's summary of the endpoint); no query parameters.
    Fixed { text: &'static str, timeframe: Timeframe },
}

const LAST_MONTH: Window = Window::Fixed { text: "the last month", timeframe: Timeframe::OneMonth };

pub const FEEDS: &[Feed] = &[
    Feed {
        tool: "get_meps_feed",
        title: "MEPs feed",
        egress: &["meps/feed"],
        what: "MEP records",
        window: Window::Choice(None),
        detail: ("get_mep_details", "id"),
    },
    Feed {
        tool: "get_events_feed",
        title: "Events feed",
        egress: &["events/feed"],
        what: "events (sittings, meetings, votes and other activities)",
        window: Window::Choice(Some(Filter::Activity)),
        detail: ("get_events", "eventId"),
    },
    Feed {
        tool: "get_procedures_feed",
        title: "Procedures feed",
        egress: &["procedures/feed"],
        what: "legislative and other procedures",
        window: Window::Choice(Some(Filter::Process)),
        detail: ("get_procedures", "processId"),
    },
    Feed {
        tool: "get_adopted_texts_feed",
        title: "Adopted texts feed",
        egress: &["adopted-texts/feed"],
        what: "adopted texts",
        window: Window::Choice(Some(Filter::Work)),
        detail: ("get_adopted_texts", "docId"),
    },
    Feed {
        tool: "get_mep_declarations_feed",
        title: "MEP declarations feed",
        egress: &["meps-declarations/feed"],
        what: "MEP declarations",
        window: Window::Choice(Some(Filter::Work)),
        detail: ("get_mep_declarations", "docId"),
    },
    Feed {
        tool: "get_documents_feed",
        title: "Documents feed",
        egress: &["documents/feed"],
        what: "documents",
        window: Window::Fixed { text: "the last week", timeframe: Timeframe::OneWeek },
        detail: ("search_documents", "docId"),
    },
    Feed {
        tool: "get_plenary_documents_feed",
        title: "Plenary documents feed",
        egress: &["plenary-documents/feed"],
        what: "plenary documents (reports, motions for resolutions)",
        window: LAST_MONTH,
        detail: ("get_plenary_documents", "docId"),
    },
    Feed {
        tool: "get_committee_documents_feed",
        title: "Committee documents feed",
        egress: &["committee-documents/feed"],
        what: "committee documents",
        window: LAST_MONTH,
        detail: ("get_committee_documents", "docId"),
    },
    Feed {
        tool: "get_plenary_session_documents_feed",
        title: "Plenary session documents feed",
        egress: &["plenary-session-documents/feed"],
        what: "plenary session documents (agendas, minutes, verbatim reports, vote results)",
        window: LAST_MONTH,
        detail: ("get_plenary_session_documents", "docId"),
    },
    Feed {
        tool: "get_external_documents_feed",
        title: "External documents feed",
        egress: &["external-documents/feed"],
        what: "external documents",
        window: Window::Choice(Some(Filter::Work)),
        detail: ("get_external_documents", "docId"),
    },
    Feed {
        tool: "get_parliamentary_questions_feed",
        title: "Parliamentary questions feed",
        egress: &["parliamentary-questions/feed"],
        what: "parliamentary questions",
        window: LAST_MONTH,
        detail: ("get_parliamentary_questions", "docId"),
    },
    Feed {
        tool: "get_corporate_bodies_feed",
        title: "Corporate bodies feed",
        egress: &["corporate-bodies/feed"],
        what: "corporate bodies (committees, delegations, political groups)",
        window: LAST_MONTH,
        detail: ("get_committee_info", "id"),
    },
    Feed {
        tool: "get_controlled_vocabularies_feed",
        title: "Controlled vocabularies feed",
        egress: &["controlled-vocabularies/feed"],
        what: "controlled vocabularies",
        window: LAST_MONTH,
        detail: ("get_controlled_vocabularies", "vocId"),
    },
];

fn tools() -> Vec<Tool> {
    FEEDS.iter().map(feed::tool).collect()
}

guest_client::component!("feeds", tools);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_feed_reaches_only_its_own_feed_path() {
        assert_eq!(FEEDS.len(), 13);
        for feed in FEEDS {
            assert_eq!(feed.egress.len(), 1, "{}", feed.tool);
            assert!(feed.egress[0].ends_with("/feed") && feed.egress[0].matches('/').count() == 1, "{}", feed.tool);
            assert_eq!(feed::query(feed).endpoint(), feed.egress[0]);
        }
    }
}
