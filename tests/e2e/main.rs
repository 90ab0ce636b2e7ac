//! End-to-end tests: the real `epmcp` binary, the real components, a loopback fake of
//! the EP API serving real EP samples, and real MCP clients. Run with `make test`.

mod analytics;
mod attacks;
mod anomaly;
mod args;
mod catalog;
mod client;
mod clients;
mod components;
mod conformance;
mod controls;
mod faults;
mod hosted;
mod mtls;
mod parity;
mod policy;

mod family_documents;
mod family_feeds;
mod family_meetings;
mod family_members;
mod protocol;
mod python_sdk;
mod real_records;
mod sandbox;
mod scale;
mod tenants;
mod tidy;
mod support;
mod tools;
