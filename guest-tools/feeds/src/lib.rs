//! Change feeds: what the EP published or updated recently, one tool per feed.
//!
//! The 13 feeds are one table ([`FEEDS`]). A feed with a window takes `timeframe`
//! (and `startDate` for `custom`) plus, for some, one filter; the others have a window
//! fixed by the EP API. Feeds are not paged upstream: `limit`/`offset` page locally.
//! Each tool may reach only its own feed path. Upstream trouble is a clean MCP error
//! like for every other tool (the reference returns an in-band "unavailable" envelope).

mod feed;

use guest_client::Tool;

use feed::{Filter, Window};

/// One feed: tool name, title, the EP resource it follows, and its window.
pub struct Feed {
    pub tool: &'static str,
    pub title: &'static str,
    /// The feed's path (`meps/feed`), also its only egress prefix.
    pub egress: &'static [&'static str],
    pub what: &'static str,
    pub window: Window,
}

pub const FEEDS: &[Feed] = &[
    Feed { tool: "get_meps_feed", title: "MEPs feed", egress: &["meps/feed"], what: "MEP records", window: Window::Choice(None) },
    Feed {
        tool: "get_events_feed",
        title: "Events feed",
        egress: &["events/feed"],
        what: "events",
        window: Window::Choice(Some(Filter::ActivityType)),
    },
    Feed {
        tool: "get_procedures_feed",
        title: "Procedures feed",
        egress: &["procedures/feed"],
        what: "procedures",
        window: Window::Choice(Some(Filter::ProcessType)),
    },
    Feed {
        tool: "get_adopted_texts_feed",
        title: "Adopted texts feed",
        egress: &["adopted-texts/feed"],
        what: "adopted texts",
        window: Window::Choice(Some(Filter::WorkType)),
    },
    Feed {
        tool: "get_mep_declarations_feed",
        title: "MEP declarations feed",
        egress: &["meps-declarations/feed"],
        what: "MEP declarations",
        window: Window::Choice(Some(Filter::WorkType)),
    },
    Feed {
        tool: "get_external_documents_feed",
        title: "External documents feed",
        egress: &["external-documents/feed"],
        what: "external documents",
        window: Window::Choice(Some(Filter::WorkType)),
    },
    Feed { tool: "get_documents_feed", title: "Documents feed", egress: &["documents/feed"], what: "documents", window: Window::Fixed("the last week") },
    Feed {
        tool: "get_plenary_documents_feed",
        title: "Plenary documents feed",
        egress: &["plenary-documents/feed"],
        what: "plenary documents",
        window: Window::Fixed("the last month"),
    },
    Feed {
        tool: "get_committee_documents_feed",
        title: "Committee documents feed",
        egress: &["committee-documents/feed"],
        what: "committee documents",
        window: Window::Fixed("the last month"),
    },
    Feed {
        tool: "get_plenary_session_documents_feed",
        title: "Plenary session documents feed",
        egress: &["plenary-session-documents/feed"],
        what: "plenary session documents",
        window: Window::Fixed("the last month"),
    },
    Feed {
        tool: "get_parliamentary_questions_feed",
        title: "Parliamentary questions feed",
        egress: &["parliamentary-questions/feed"],
        what: "parliamentary questions",
        window: Window::Fixed("the last month"),
    },
    Feed {
        tool: "get_corporate_bodies_feed",
        title: "Corporate bodies feed",
        egress: &["corporate-bodies/feed"],
        what: "corporate bodies",
        window: Window::Fixed("a window the EP API sets"),
    },
    Feed {
        tool: "get_controlled_vocabularies_feed",
        title: "Controlled vocabularies feed",
        egress: &["controlled-vocabularies/feed"],
        what: "controlled vocabularies",
        window: Window::Fixed("the last month"),
    },
];

fn tools() -> Vec<Tool> {
    FEEDS.iter().map(feed::tool).collect()
}

guest_client::component!("feeds", tools);
