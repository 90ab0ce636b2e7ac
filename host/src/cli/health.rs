//! `epmcp --health`: the readiness check a container runtime or a script runs.

use std::process::ExitCode;

use super::args::Cli;
use super::{policy, require_components, start};
use crate::transport;

/// `epmcp --health`: prints one JSON line and exits 0 when ready, 1 when not, 2 when
/// the configuration is invalid. With a listener configured it asks the running server;
/// otherwise it checks that this configuration starts (components load and link).
pub async fn check(cli: Cli) -> ExitCode {
    let config = match cli.runtime.validate() {
        Ok(config) => config,
        Err(e) => {
            println!("{}", serde_json::json!({"ready": false, "reason": format!("invalid configuration: {e:#}")}));
            return ExitCode::from(2);
        }
    };
    // A listener that requires client certificates cannot be asked without one: then
    // the metrics listener answers, if there is one.
    let listener = config.http.as_ref().filter(|h| h.tls.as_ref().is_none_or(|t| t.client_ca.is_none() || t.client_cert_optional)).map(|h| (h.listen, h.tls.as_ref()));
    let (ready, report) = match listener.or(config.metrics_listen.map(|addr| (addr, None))) {
        Some((addr, tls)) => transport::observe::probe(addr, tls).await,
        None => match start(&config).await.and_then(|(rt, refusals)| require_components(&config, &rt, &refusals).map(|()| rt)) {
            Ok(rt) => {
                // A configuration its policies refuse would not start: invalid, like a bad flag.
                let verdict = policy::findings(&config, &rt.registry()).and_then(|f| policy::enforce(&f));
                if let Err(e) = verdict {
                    println!("{}", serde_json::json!({"ready": false, "reason": format!("invalid configuration: {e:#}")}));
                    return ExitCode::from(2);
                }
                let (components, tools) = (rt.registry().components.len(), rt.registry().tools().len());
                let mut report = serde_json::json!({"ready": tools > 0, "components": components, "tools": tools});
                if tools == 0 {
                    report["reason"] = format!("no components in {}", config.runtime.components_dir.display()).into();
                }
                (tools > 0, report)
            }
            Err(e) => (false, serde_json::json!({"ready": false, "reason": format!("{e:#}")})),
        },
    };
    println!("{report}");
    if ready { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
