//! End-to-end: the 13 feed tools against the fake — fixture values, exact request
//! lines, windows and filters, Atom answers, empty feeds, refusals and upstream faults.

use serde_json::{Value, json};

use crate::support::{FORMAT, Fake, Options, Server, ids};

/// One feed tool: its path, whether its window is chosen (else fixed by the EP API),
/// the ids of its fixture (`None`: the fixture is an error body), the first item's
/// `kind`, and the detail tool and argument that take the ids.
struct Case {
    tool: &'static str,
    path: &'static str,
    windowed: bool,
    ids: Option<&'static [&'static str]>,
    kind: Option<&'static str>,
    detail: (&'static str, &'static str),
}

const FEEDS: &[Case] = &[
    Case { tool: "get_meps_feed", path: "meps/feed", windowed: true, ids: Some(&["1294"]), kind: None, detail: ("get_mep_details", "id") },
    Case {
        tool: "get_events_feed",
        path: "events/feed",
        windowed: true,
        ids: Some(&["MTG-PL-2014-01-13", "MTG-PL-2014-01-16-VOT-ITM-344715-3", "MTG-PL-2022-04-05-OTH-20680000"]),
        kind: Some("PLENARY_SITTING"),
        detail: ("get_events", "eventId"),
    },
    // Its JSON fixture is an HTTP 200 carrying `error`; its records come as Atom (see below).
    Case { tool: "get_procedures_feed", path: "procedures/feed", windowed: true, ids: None, kind: None, detail: ("get_procedures", "processId") },
    Case {
        tool: "get_adopted_texts_feed",
        path: "adopted-texts/feed",
        windowed: true,
        ids: Some(&["TA-10-2025-0001", "TA-10-2025-0002"]),
        kind: Some("TEXT_ADOPTED"),
        detail: ("get_adopted_texts", "docId"),
    },
    Case {
        tool: "get_mep_declarations_feed",
        path: "meps-declarations/feed",
        windowed: true,
        ids: Some(&["DCI-197491-2024-07-19-123456", "DCI-124936-2024-09-02-123457"]),
        kind: Some("MEMBER_DECLARATION_INTEREST_CONFLICT"),
        detail: ("get_mep_declarations", "docId"),
    },
    Case {
        tool: "get_documents_feed",
        path: "documents/feed",
        windowed: false,
        ids: Some(&["A-10-0034-0034-AM-001-001", "TA-10-2025-0001", "A-9-2022-0066"]),
        kind: Some("AMENDMENT_LIST"),
        detail: ("search_documents", "docId"),
    },
    Case {
        tool: "get_plenary_documents_feed",
        path: "plenary-documents/feed",
        windowed: false,
        ids: Some(&["A-9-2022-0066", "B-9-2022-0187"]),
        kind: Some("REPORT_PLENARY"),
        detail: ("get_plenary_documents", "docId"),
    },
    Case {
        tool: "get_committee_documents_feed",
        path: "committee-documents/feed",
        windowed: false,
        ids: Some(&["AFCO-PA-745315", "ENVI-AM-752912"]),
        kind: Some("OPINION_PARLIAMENTARY_COMMITTEE_DRAFT"),
        detail: ("get_committee_documents", "docId"),
    },
    Case {
        tool: "get_plenary_session_documents_feed",
        path: "plenary-session-documents/feed",
        windowed: false,
        ids: Some(&["PV-9-2023-11-21", "CRE-9-2023-11-21", "OJ-9-2023-11-21"]),
        kind: Some("MINUTES_PLENARY"),
        detail: ("get_plenary_session_documents", "docId"),
    },
    Case {
        tool: "get_external_documents_feed",
        path: "external-documents/feed",
        windowed: true,
        ids: Some(&["SP-2022-180-TA-9-2022-0053"]),
        kind: Some("ACT_FOLLOWUP"),
        detail: ("get_external_documents", "docId"),
    },
    Case {
        tool: "get_parliamentary_questions_feed",
        path: "parliamentary-questions/feed",
        windowed: false,
        ids: Some(&["E-10-2024-001357"]),
        kind: Some("QUESTION_WRITTEN"),
        detail: ("get_parliamentary_questions", "docId"),
    },
    Case {
        tool: "get_corporate_bodies_feed",
        path: "corporate-bodies/feed",
        windowed: false,
        ids: Some(&["1"]),
        kind: Some("COMMITTEE_PARLIAMENTARY_STANDING"),
        detail: ("get_committee_info", "id"),
    },
    Case {
        tool: "get_controlled_vocabularies_feed",
        path: "controlled-vocabularies/feed",
        windowed: false,
        ids: Some(&["ep-decision-methods", "ep-document-types"]),
        kind: None,
        detail: ("get_controlled_vocabularies", "vocId"),
    },
];

/// The request line a call with no arguments must send: `timeframe` always goes out
/// for windowed feeds; fixed-window feeds send nothing but `format`.
fn default_request(case: &Case) -> String {
    let window = if case.windowed { "&timeframe=one-week" } else { "" };
    format!("GET /api/v2/{}?{FORMAT}{window}", case.path)
}

#[test]
fn every_feed_lists_its_records_from_its_own_path_with_ids_for_its_detail_tool() {
    assert_eq!(FEEDS.len(), 13);
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    for case in FEEDS {
        let before = fake.requests().len();
        let Some(expected) = case.ids else {
            let message = server.tool_error(case.tool, json!({}));
            assert!(message.contains("reported an error") && message.contains(case.path), "{}: {message}", case.tool);
            assert!(!message.contains("synthetic example"), "the upstream text leaked: {message}");
            assert_eq!(fake.requests()[before..], [default_request(case)]);
            continue;
        };
        let feed = server.ok(case.tool, json!({}));
        assert_eq!(fake.requests()[before..], [default_request(case)], "{}: exactly one request, to its own feed", case.tool);
        assert_eq!(ids(&feed), expected, "{}", case.tool);
        assert_eq!(feed["count"], expected.len(), "{}", case.tool);
        assert_eq!(feed["hasMore"], false);
        assert_eq!(feed["endpoint"], case.path);
        assert_eq!(feed["representation"], "json-ld");
        assert_eq!((feed["detailTool"].as_str(), feed["detailArgument"].as_str()), (Some(case.detail.0), Some(case.detail.1)));
        assert_eq!(feed["data"][0]["kind"].as_str(), case.kind, "{}", case.tool);
        assert!(!feed["data"][0]["uri"].as_str().unwrap().starts_with("http"), "{feed}");
        if case.windowed {
            assert_eq!((feed["window"].as_str(), feed["timeframe"].as_str()), (Some("one-week"), Some("one-week")));
        } else {
            assert!(feed["window"].as_str().unwrap().starts_with("fixed by the EP API: the last "), "{feed}");
            assert!(feed.get("timeframe").is_none());
        }
        // The first id is accepted by the tool the result names.
        server.ok(case.detail.0, json!({ case.detail.1: expected[0] }));
    }
}

#[test]
fn feed_items_carry_the_fixture_values() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let meps = server.ok("get_meps_feed", json!({}));
    assert_eq!(meps["data"], json!([{"id": "1294", "uri": "person/1294", "type": "Person", "label": "Elio DI RUPO"}]));
    assert_eq!(server.ok("get_mep_details", json!({"id": meps["data"][0]["id"]}))["name"], "Elio DI RUPO");

    let events = server.ok("get_events_feed", json!({}));
    assert_eq!(
        events["data"][0],
        json!({"id": "MTG-PL-2014-01-13", "uri": "eli/dl/event/MTG-PL-2014-01-13", "type": "Activity",
               "kind": "PLENARY_SITTING", "label": "Monday, 13 January 2014", "date": "2014-01-13"})
    );
    let adopted = server.ok("get_adopted_texts_feed", json!({}));
    assert_eq!(adopted["data"][0]["label"], "Climate resilience of European infrastructure (constructed sample)");
    assert_eq!(adopted["data"][0]["date"], "2025-01-22");
    let bodies = server.ok("get_corporate_bodies_feed", json!({}));
    assert_eq!(bodies["data"][0], json!({"id": "1", "uri": "org/1", "type": "Organization", "kind": "COMMITTEE_PARLIAMENTARY_STANDING", "label": "ECON"}));
    let vocabularies = server.ok("get_controlled_vocabularies_feed", json!({}));
    assert_eq!(vocabularies["data"][0], json!({"id": "ep-decision-methods", "uri": "def/ep-decision-methods", "type": "ConceptScheme"}));
    assert_eq!(vocabularies["window"], "fixed by the EP API: the last month");
    assert_eq!(server.ok("get_documents_feed", json!({}))["window"], "fixed by the EP API: the last week");
}

#[test]
fn windows_and_filters_reach_the_ep_api_by_their_real_names() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let custom = server.ok("get_meps_feed", json!({"timeframe": "custom", "startDate": "2024-02-07"}));
    assert_eq!((custom["window"].as_str(), custom["startDate"].as_str()), (Some("custom, from 2024-02-07"), Some("2024-02-07")));
    for timeframe in ["today", "one-day", "one-week", "one-month"] {
        assert_eq!(server.ok("get_meps_feed", json!({"timeframe": timeframe}))["window"], timeframe);
    }
    server.ok("get_events_feed", json!({"activityType": "PLENARY_SITTING", "timeframe": "today"}));
    server.tool_error("get_procedures_feed", json!({"processType": "COD", "timeframe": "one-month"})); // its fixture is an error body
    server.ok("get_adopted_texts_feed", json!({"workType": "TEXT_ADOPTED", "timeframe": "custom", "startDate": "2025-01-01"}));
    server.ok("get_mep_declarations_feed", json!({"workType": "MEMBER_DECLARATION_INTEREST_CONFLICT"}));
    server.ok("get_external_documents_feed", json!({"workType": "ACT_FOLLOWUP", "timeframe": "one-day"}));
    assert_eq!(
        fake.requests(),
        [
            format!("GET /api/v2/meps/feed?{FORMAT}&timeframe=custom&start-date=2024-02-07"),
            format!("GET /api/v2/meps/feed?{FORMAT}&timeframe=today"),
            format!("GET /api/v2/meps/feed?{FORMAT}&timeframe=one-day"),
            format!("GET /api/v2/meps/feed?{FORMAT}&timeframe=one-week"),
            format!("GET /api/v2/meps/feed?{FORMAT}&timeframe=one-month"),
            format!("GET /api/v2/events/feed?{FORMAT}&timeframe=today&activity-type=PLENARY_SITTING"),
            format!("GET /api/v2/procedures/feed?{FORMAT}&timeframe=one-month&process-type=COD"),
            format!("GET /api/v2/adopted-texts/feed?{FORMAT}&timeframe=custom&start-date=2025-01-01&work-type=TEXT_ADOPTED"),
            format!("GET /api/v2/meps-declarations/feed?{FORMAT}&timeframe=one-week&work-type=MEMBER_DECLARATION_INTEREST_CONFLICT"),
            format!("GET /api/v2/external-documents/feed?{FORMAT}&timeframe=one-day&work-type=ACT_FOLLOWUP"),
        ]
    );
}

#[test]
fn fixed_window_feeds_page_locally_and_send_no_window() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let first = server.ok("get_documents_feed", json!({"limit": 2}));
    assert_eq!(ids(&first), ["A-10-0034-0034-AM-001-001", "TA-10-2025-0001"]);
    assert_eq!((first["hasMore"].as_bool(), first["nextOffset"].as_u64(), first["limit"].as_u64()), (Some(true), Some(2), Some(2)));
    let rest = server.ok("get_documents_feed", json!({"limit": 2, "offset": first["nextOffset"]}));
    assert_eq!((ids(&rest), rest["hasMore"].as_bool()), (vec!["A-9-2022-0066"], Some(false)));
    let beyond = server.ok("get_documents_feed", json!({"offset": 7}));
    assert_eq!((beyond["count"].as_u64(), beyond["hasMore"].as_bool()), (Some(0), Some(false)));
    // The advertised default and the feed's own window are accepted; nothing of them is sent.
    server.ok("get_documents_feed", json!({"timeframe": "one-week"}));
    server.ok("get_plenary_documents_feed", json!({"timeframe": "one-month"}));
    server.ok("get_plenary_documents_feed", json!({"timeframe": "one-week", "limit": 1}));
    // Every call sent the same request (no limit, offset or window), so the host's
    // response cache answered the repeats.
    assert_eq!(
        fake.requests(),
        [format!("GET /api/v2/documents/feed?{FORMAT}"), format!("GET /api/v2/plenary-documents/feed?{FORMAT}")]
    );
}

#[test]
fn invalid_or_hostile_arguments_never_reach_the_ep_api() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let long = "A".repeat(201);
    let cases = [
        ("get_meps_feed", json!({"timeframe": "custom"}), "startDate"),
        ("get_meps_feed", json!({"timeframe": "custom", "startDate": "2026-02-30"}), "calendar"),
        ("get_meps_feed", json!({"timeframe": "custom", "startDate": "2999-01-01"}), "future"),
        ("get_meps_feed", json!({"timeframe": "custom", "startDate": "2024-1-1"}), "startDate"),
        ("get_meps_feed", json!({"timeframe": "custom", "startDate": "2024-02-07&timeframe=today"}), "startDate"),
        ("get_meps_feed", json!({"timeframe": "one-day", "startDate": "2024-02-07"}), "custom"),
        ("get_meps_feed", json!({"timeframe": "yesterday"}), "timeframe"),
        ("get_meps_feed", json!({"timeframe": 7}), "timeframe"),
        ("get_meps_feed", json!({"activityType": "PLENARY_SITTING"}), "activityType"),
        ("get_meps_feed", json!({"limit": 5}), "limit"),
        ("get_events_feed", json!({"activityType": "PLENARY_SITTING&x=1"}), "activityType"),
        ("get_events_feed", json!({"activityType": long}), "activityType"),
        ("get_events_feed", json!({"processType": "COD"}), "processType"),
        ("get_procedures_feed", json!({"processType": "cod"}), "processType"),
        ("get_procedures_feed", json!({"processType": "COD,INI"}), "processType"),
        ("get_adopted_texts_feed", json!({"workType": "../corporate-bodies"}), "workType"),
        ("get_mep_declarations_feed", json!({"workType": ""}), "workType"),
        ("get_external_documents_feed", json!({"timeframe": "custom", "startDate": "2024-13-01"}), "calendar"),
        ("get_documents_feed", json!({"timeframe": "one-month"}), "timeframe"),
        ("get_documents_feed", json!({"startDate": "2024-02-07"}), "startDate"),
        ("get_documents_feed", json!({"limit": 0}), "limit"),
        ("get_documents_feed", json!({"limit": 101}), "limit"),
        ("get_documents_feed", json!({"limit": "5"}), "limit"),
        ("get_documents_feed", json!({"offset": -1}), "offset"),
        ("get_documents_feed", json!({"workType": "TEXT_ADOPTED"}), "workType"),
        ("get_plenary_documents_feed", json!({"timeframe": "today"}), "timeframe"),
        ("get_corporate_bodies_feed", json!({"timeframe": "custom", "startDate": "2024-02-07"}), "timeframe"),
        ("get_controlled_vocabularies_feed", json!({"startDate": "2024-02-07"}), "startDate"),
    ];
    for (tool, args, needle) in cases {
        let message = server.invalid(tool, args.clone());
        assert!(message.contains(needle), "{tool} {args}: {message}");
    }
    for case in FEEDS {
        let message = server.invalid(case.tool, json!({"format": "application/atom+xml"}));
        assert!(message.contains("format"), "{}: {message}", case.tool);
    }
    assert!(fake.requests().is_empty(), "nothing invalid reached the EP API: {:?}", fake.requests());
}

#[test]
fn atom_answers_are_read_like_json_ld() {
    // This fake answers feeds that have an Atom sample with Atom only, and with 406
    // unless Accept allows Atom: success here also shows that Accept does.
    let fake = Fake::start_with(&["--atom-feeds"]);
    let mut server = Server::start(&fake);
    let meps = server.ok("get_meps_feed", json!({}));
    assert_eq!(meps["representation"], "atom");
    assert_eq!(meps["feedUpdated"], "2026-08-17T02:30:31Z");
    assert_eq!(
        meps["data"],
        json!([{"id": "1294", "uri": "person/1294", "type": "Person", "label": "Elio DI RUPO", "updated": "2026-08-16T09:12:00Z"}])
    );
    let procedures = server.ok("get_procedures_feed", json!({"processType": "COD"}));
    assert_eq!(
        procedures["data"],
        json!([{"id": "1972-0003", "uri": "eli/dl/proc/1972-0003", "type": "Process", "kind": "COD",
                "label": "1972/0003(COD)", "updated": "2026-08-17T14:05:00Z"}])
    );
    server.ok("get_procedures", json!({"processId": procedures["data"][0]["id"]}));
    // Feeds without an Atom sample still answer JSON-LD.
    assert_eq!(server.ok("get_documents_feed", json!({}))["representation"], "json-ld");
    let requests = fake.requests();
    assert_eq!(requests[0], format!("GET /api/v2/meps/feed?{FORMAT}&timeframe=one-week"));
    assert_eq!(requests[1], format!("GET /api/v2/procedures/feed?{FORMAT}&timeframe=one-week&process-type=COD"));
}

#[test]
fn nothing_changed_is_an_empty_result_not_an_error() {
    // 204 (the spec's "no content"), an empty 200 body, and 404 (the API's "nothing matched").
    for fault in ["204", "empty", "404"] {
        let fake = Fake::start_with(&["--fault", fault]);
        let mut server = Server::start(&fake);
        for case in FEEDS {
            let feed = server.ok(case.tool, json!({}));
            assert_eq!((feed["count"].as_u64(), feed["hasMore"].as_bool()), (Some(0), Some(false)), "{} under {fault}", case.tool);
            assert_eq!(feed["data"], json!([]));
            assert!(feed.get("representation").is_none(), "{feed}");
            assert!(feed["window"].is_string());
        }
        assert_eq!(fake.requests().len(), FEEDS.len());
    }
}

#[test]
fn upstream_faults_are_clean_errors_for_every_feed() {
    let faults = [
        ("500", "HTTP 500"),
        ("503", "HTTP 503"),
        ("429", "rate limiting"),
        ("302", "redirect"),
        ("truncated", "malformed JSON"),
        ("html", "malformed JSON"),
        ("error-body", "reported an error"),
        ("slow", "did not answer in time"),
    ];
    for (fault, expected) in faults {
        let fake = Fake::start_with(&["--fault", fault]);
        let mut options = Options::breaker_off();
        options.env.push(("EPMCP_UPSTREAM_TIMEOUT_MS", "300".into()));
        let mut server = Server::start_with(&fake, options);
        for case in FEEDS {
            let message = server.tool_error(case.tool, json!({}));
            assert!(message.contains(expected), "{} under {fault}: {message}", case.tool);
            for leaked in ["<html>", "internal details", "maintenance", "backend failure", "not json"] {
                assert!(!message.contains(leaked), "{} under {fault} leaked the body: {message}", case.tool);
            }
        }
        assert!(!fake.requests().iter().any(|r| r.contains("redirected-here")), "a redirect was followed");
    }
}

/// The feeds' schemas: the reference's parameters, strict, with the window rules in the text.
#[test]
fn feed_schemas_are_strict_and_describe_the_window() {
    let fake = Fake::start();
    let mut server = Server::start(&fake);
    let tools = server.request("tools/list", json!({}))["result"]["tools"].clone();
    for case in FEEDS {
        let tool = tools.as_array().unwrap().iter().find(|t| t["name"] == case.tool).unwrap_or_else(|| panic!("{} missing", case.tool));
        let schema = &tool["inputSchema"];
        assert_eq!(schema["additionalProperties"], false, "{}", case.tool);
        let properties: Vec<&str> = schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        let description = tool["description"].as_str().unwrap();
        assert!(description.contains(case.detail.0), "{}: {description}", case.tool);
        if case.windowed {
            assert!(!properties.contains(&"limit") && description.contains("custom"), "{}: {properties:?}", case.tool);
        } else {
            assert!(properties.contains(&"limit") && properties.contains(&"offset"), "{}: {properties:?}", case.tool);
            assert!(description.contains("fixes the window"), "{}", case.tool);
        }
        assert_eq!(tool["annotations"]["readOnlyHint"], Value::Bool(true), "{}", case.tool);
    }
}
