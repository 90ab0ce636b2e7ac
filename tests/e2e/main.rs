//! End-to-end tests: the real `epmcp` binary, the real components, a loopback fake of
//! the EP API serving real EP samples, and real MCP clients. Run with `make test`;
//! `make test-e2e T=tools::plenary` runs the tests whose paths contain `tools::plenary`.

/// The harness: the fake EP API, the binary over stdio and HTTP, bounded waits, helpers.
mod support;

/// MCP itself, through clients no one here wrote and through our own.
mod protocol {
    /// Resources, prompts and completion.
    mod catalog;
    /// The `client` interface: components reaching the MCP client within the host's bounds.
    mod client;
    /// The TypeScript SDKs, the MCP Inspector CLI and Ajv.
    mod clients;
    /// The official MCP conformance suite, every scenario.
    mod conformance;
    /// Versions, tools/list, errors and ids on the wire, stdin closing, bad configuration.
    mod messages;
    /// Every tool, parameter, resource and prompt of the reference server.
    mod parity;
    /// The official Python SDK over stdio.
    mod python_sdk;
}

/// The tools, per component (the names of `guest-tools/`), against the fake EP API.
mod tools {
    /// The `analytics` component's known answers, worked by hand (docs/METHODS.md).
    mod analytics;
    /// Committees and every corporate body.
    mod committees;
    /// The JavaScript component: vocabulary search.
    mod concepts;
    /// Every document collection, sitting documents and their items, declarations, search.
    mod documents;
    /// Events.
    mod events;
    /// Upstream faults become clean errors in every family.
    mod faults;
    /// The change feeds.
    mod feeds;
    /// MEP lists, rosters, an MEP's record, political groups.
    mod meps;
    /// Sittings, activities, decisions, roll-call votes.
    mod plenary;
    /// Procedures and their events.
    mod procedures;
    /// Parliamentary questions.
    mod questions;
    /// Real EP records read whole, and what cannot be read said.
    mod real_records;
    /// Speeches.
    mod speeches;
    /// Yearly record counts.
    mod stats;
    /// Controlled vocabularies.
    mod vocabularies;
}

/// The controls every call passes and what they leave behind.
mod controls {
    /// Anomaly detection: baselines, tightening, blocks, isolation.
    mod anomaly;
    /// The audit log and its verifiable chain.
    mod audit;
    /// The circuit breaker on the EP API.
    mod breaker;
    /// The response cache and result reuse.
    mod cache;
    /// Configuration from a TOML file, under flags and environment.
    mod config;
    /// Rate limits, tool costs, concurrency, the EP API's budget.
    mod limits;
    /// Health, metrics and readiness.
    mod metrics;
    /// Compliance policies (Rego).
    mod policy;
    /// Tenants share nothing.
    mod tenants;
}

/// The hosted listener (`epmcp serve`).
mod hosted {
    /// Streamable HTTP, keys, tokens, roles, TLS, WebSocket.
    mod listener;
    /// Client certificates as identities.
    mod mtls;
}

/// Components installed, signed, pinned, verified and swapped while serving.
mod lifecycle;

/// Components pushed to and pulled from a real OCI registry.
mod distribution;

/// Several instances sharing Redis.
mod scale;

/// Attacks: on the listener, through arguments, and from inside the sandbox.
mod security {
    /// Hostile arguments never reach the EP API unescaped.
    mod arguments;
    /// An outside review's attacks on `epmcp serve`.
    mod attacks;
    /// Hostile components: egress, CPU, memory, output, imports.
    mod sandbox;
}

/// The invariants of ARCHITECTURE.md, checked on the source.
mod tidy;
