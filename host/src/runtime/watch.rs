//! Watching the components directory: a change to a component's files (inotify, through
//! the `notify` crate) wakes a reload once the directory has been quiet for
//! [`SETTLE`]; a rescan every [`RESCAN`] catches anything the events missed (full event
//! queues, file systems without events). A half-copied component is refused (its digest
//! does not match its manifest) and installed by the reload its last write triggers.

use std::path::Path;
use std::sync::{Arc, Weak};
use std::time::Duration;

use anyhow::{Context, Result};
use notify::{RecursiveMode, Watcher};

use super::Runtime;
use super::directory::is_component_file;

/// Quiet time after the last event before reloading (a copy writes in many pieces).
const SETTLE: Duration = Duration::from_millis(50);
/// How often the directory is rescanned without an event.
const RESCAN: Duration = Duration::from_secs(10);

/// Starts watching `dir` for `runtime`; stops when the runtime is dropped.
pub fn start(runtime: &Arc<Runtime>, dir: &Path) -> Result<()> {
    let (wake, mut woken) = tokio::sync::mpsc::channel::<()>(1);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let relevant = match event {
            Ok(event) => event.paths.iter().any(|p| is_component_file(p)),
            Err(_) => true, // lost events: rescan
        };
        if relevant {
            let _ = wake.try_send(()); // a reload is pending already when full
        }
    })
    .context("starting the components directory watcher")?;
    watcher
        .watch(dir, RecursiveMode::NonRecursive)
        .with_context(|| format!("watching {}", dir.display()))?;
    let runtime: Weak<Runtime> = Arc::downgrade(runtime);
    tokio::spawn(async move {
        let _watcher = watcher; // dropping it ends the events
        loop {
            match tokio::time::timeout(RESCAN, woken.recv()).await {
                Ok(None) => return,
                Ok(Some(())) => while let Ok(Some(())) = tokio::time::timeout(SETTLE, woken.recv()).await {},
                Err(_) => {} // periodic rescan
            }
            let Some(runtime) = runtime.upgrade() else { return };
            if let Err(e) = runtime.reload().await {
                tracing::error!("reloading components: {e:#}");
            }
        }
    });
    Ok(())
}
