//! `epmcp`: parse the configuration, start the runtime, serve. Errors are printed once
//! (with their causes) on stderr and the process exits non-zero.
//!
//! The layers, each naming only those after it (ARCHITECTURE.md; `tests/e2e/tidy.rs` checks it):
//! cli → transport → auth → mcp → dispatch → controls → runtime → egress → the ground files.

mod cli;
mod transport;
mod auth;
mod mcp;
mod dispatch;
mod controls;
mod runtime;
mod egress;

mod audit;
mod digest;
mod identity;
mod metrics;
mod rate;
mod shared;
mod telemetry;

use std::process::ExitCode;

use cli::args::{Cli, Command};

/// Logs to stderr only (in stdio mode stdout carries nothing but JSON-RPC), filtered by
/// `EPMCP_LOG`; with `traces`, this crate's spans are exported too.
fn init_logging(traces: Option<&opentelemetry_sdk::trace::SdkTracerProvider>) {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_env("EPMCP_LOG").unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false).with_filter(filter);
    tracing_subscriber::registry().with(traces.map(telemetry::layer)).with(logs).init();
}

fn main() -> ExitCode {
    let cli = match Cli::load() {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("epmcp: {e:#}");
            return ExitCode::from(2);
        }
    };
    // One client on stdio: a single-threaded executor saves the cross-thread wake-ups of
    // every request (≈0.07 ms per call, measured). Guests yield at every epoch tick, so
    // concurrent calls still interleave. The hosted listener serves many: all cores.
    let builder = match cli.command {
        Some(Command::Serve) => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    let runtime = match { builder }.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("epmcp: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let traces = match cli.runtime.otlp_endpoint.as_deref().map(telemetry::provider) {
        Some(Err(e)) => {
            eprintln!("epmcp: {e:#}");
            return ExitCode::from(2);
        }
        Some(Ok(provider)) => Some(provider),
        None => None,
    };
    init_logging(traces.as_ref());
    if cli.health {
        return runtime.block_on(cli::health::check(cli));
    }
    let outcome = runtime.block_on(cli::run(cli));
    if let Some(provider) = traces {
        let _ = provider.shutdown(); // sends the last spans
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("epmcp: {e:#}");
            ExitCode::from(2)
        }
    }
}
