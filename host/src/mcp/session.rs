//! Per-session MCP state and the link a call uses to reach its client: the log level the
//! client asked for, its resource subscriptions and the task that watches them, and
//! [`PeerLink`], the transport side of the `client` interface of `wit/tool.wit` (rmcp's
//! peer). What a component may send is bounded in `runtime::client`; what reaches the
//! client is typed and checked here.
// MCP logging and sampling are deprecated upstream (SEP-2577) but part of every revision we serve.
#![allow(deprecated)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::{
    CreateMessageRequestParams, ElicitRequestParams, LoggingLevel, LoggingMessageNotificationParam, ProgressNotificationParam,
    ProgressToken, ResourceUpdatedNotificationParam,
};
use rmcp::service::{Peer, RoleServer};
use serde_json::Value;

use crate::digest::sha256_hex;
use crate::dispatch::Dispatcher;
use crate::identity::Caller;
use crate::rate::{KeySlot, KeyedSlots};
use crate::runtime::{ClientLink, Generations, LogLevel};

/// Messages below `warning` are not sent until the client sets a level.
const DEFAULT_LEVEL: u8 = 3;
/// Resources one identity may watch at once, across all its sessions.
pub const MAX_SUBSCRIPTIONS: usize = 32;
/// A subscription whose reads keep failing is read every 2, 4 … at most this many polls.
const MAX_BACKOFF_POLLS: u32 = 32;

/// Subscriptions held per owner (tenant and identity), across sessions.
pub struct SubscriptionQuota(KeyedSlots<String>);

impl Default for SubscriptionQuota {
    fn default() -> SubscriptionQuota {
        SubscriptionQuota(KeyedSlots::new(MAX_SUBSCRIPTIONS))
    }
}

/// A subscribed resource: the digest of its last read, and how its reads have failed.
struct Watched {
    digest: Option<String>,
    /// Reads failed in a row, and polls still to skip because of them.
    failures: u32,
    skip: u32,
    _slot: KeySlot<String>,
}

/// What one MCP session remembers between requests.
pub struct Session {
    /// The least severe level the client wants (0 = debug … 7 = emergency).
    log_level: AtomicU8,
    /// Subscribed URIs.
    subscriptions: Mutex<BTreeMap<String, Watched>>,
    /// Whether a [`watch`] task runs for this session.
    watching: AtomicBool,
    /// Cancelled when the session's service is dropped (its client left, or it went to
    /// sleep): the tasks serving it end then, and free its channels.
    ended: tokio_util::sync::CancellationToken,
}

impl Default for Session {
    fn default() -> Session {
        Session {
            log_level: AtomicU8::new(DEFAULT_LEVEL),
            subscriptions: Mutex::default(),
            watching: AtomicBool::new(false),
            ended: tokio_util::sync::CancellationToken::new(),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.ended.cancel();
    }
}

impl Session {
    /// Cancelled when this session's service is dropped.
    pub fn ended(&self) -> tokio_util::sync::CancellationToken {
        self.ended.clone()
    }

    pub fn set_log_level(&self, level: LoggingLevel) {
        self.log_level.store(severity_of(level), Ordering::Relaxed);
    }

    fn subscriptions(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Watched>> {
        self.subscriptions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a subscription of `subscriber`'s; `Ok(true)` if a watch task must be started
    /// for the session.
    pub fn subscribe(&self, uri: &str, subscriber: &Caller, quota: &Arc<SubscriptionQuota>) -> Result<bool, String> {
        let mut subscriptions = self.subscriptions();
        if !subscriptions.contains_key(uri) {
            let owner = format!("{}\n{}", subscriber.tenant, subscriber.id);
            let slot = quota.0.try_enter(owner).ok_or_else(|| format!("at most {MAX_SUBSCRIPTIONS} subscriptions per client, across its sessions"))?;
            subscriptions.insert(uri.to_string(), Watched { digest: None, failures: 0, skip: 0, _slot: slot });
        }
        Ok(!self.watching.swap(true, Ordering::AcqRel))
    }

    pub fn unsubscribe(&self, uri: &str) {
        self.subscriptions().remove(uri);
    }

    /// Whether `uri` is due for a read this poll (a failing one is read ever more rarely).
    fn due(&self, uri: &str) -> bool {
        match self.subscriptions().get_mut(uri) {
            Some(watched) if watched.skip > 0 => {
                watched.skip -= 1;
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    /// Records a failed read of `uri`: the next reads wait 1, 3, 7 … polls.
    fn failed(&self, uri: &str) {
        if let Some(watched) = self.subscriptions().get_mut(uri) {
            watched.failures = watched.failures.saturating_add(1);
            watched.skip = (1u32 << watched.failures.min(5)).min(MAX_BACKOFF_POLLS) - 1;
        }
    }

    /// Records what `uri` read; true if it differs from the previous read.
    fn changed(&self, uri: &str, digest: String) -> bool {
        match self.subscriptions().get_mut(uri) {
            Some(watched) => {
                watched.failures = 0;
                watched.digest.replace(digest.clone()).is_some_and(|previous| previous != digest)
            }
            None => false, // unsubscribed meanwhile
        }
    }
}

/// Reads a session's subscribed resources now and every `every` after, and sends
/// `notifications/resources/updated` for each whose content changed since its last read.
/// Each read is the subscriber's own (its grants, tenant, limits and audit), so it reuses
/// cached EP data and spends the subscriber's calls; a resource whose reads fail is read
/// ever more rarely. Ends with the session, its transport, its last subscription, or the
/// subscriber's credential.
pub async fn watch(session: Weak<Session>, dispatcher: Arc<Dispatcher>, peer: Peer<RoleServer>, every: Duration, subscriber: Caller) {
    loop {
        let Some(current) = session.upgrade() else { return };
        let uris: Vec<String> = current.subscriptions().keys().cloned().collect();
        let expired = subscriber.has_expired();
        if uris.is_empty() || expired {
            if expired {
                current.subscriptions().clear();
            }
            current.watching.store(false, Ordering::Release);
            // A subscription that arrived meanwhile saw a running watcher: keep it.
            if current.subscriptions().is_empty() || current.watching.swap(true, Ordering::AcqRel) {
                return;
            }
            continue;
        }
        for uri in uris {
            if !current.due(&uri) {
                continue;
            }
            let Some(output) = dispatcher.read_watched(&subscriber, &uri).await else {
                current.failed(&uri);
                continue;
            };
            let digest = sha256_hex(format!("{:?}{:?}", output.structured, output.content).as_bytes());
            if current.changed(&uri, digest) && peer.notify_resource_updated(ResourceUpdatedNotificationParam::new(uri)).await.is_err() {
                return;
            }
        }
        drop(current);
        if peer.is_transport_closed() {
            return;
        }
        tokio::time::sleep(every).await;
    }
}

/// How often a session with no component changes checks that its client is still there.
const ANNOUNCE_CHECK: Duration = Duration::from_secs(30);

/// Tells a session's client which lists (tools, resources, prompts) changed when
/// components are added, replaced or removed. Ends with the session or its transport.
pub async fn announce_changes(ended: tokio_util::sync::CancellationToken, mut changes: tokio::sync::watch::Receiver<Generations>, peer: Peer<RoleServer>) {
    let mut seen = *changes.borrow_and_update();
    loop {
        tokio::select! {
            () = ended.cancelled() => return,
            changed = tokio::time::timeout(ANNOUNCE_CHECK, changes.changed()) => match changed {
                Ok(Err(_)) => return, // the runtime is gone
                Ok(Ok(())) => {}
                Err(_) if peer.is_transport_closed() => return,
                Err(_) => continue,
            },
        }
        let now = *changes.borrow_and_update();
        let sent = async {
            if now.tools != seen.tools {
                peer.notify_tool_list_changed().await?;
            }
            if now.resources != seen.resources {
                peer.notify_resource_list_changed().await?;
            }
            if now.prompts != seen.prompts {
                peer.notify_prompt_list_changed().await?;
            }
            anyhow::Ok(())
        };
        if sent.await.is_err() {
            return;
        }
        seen = now;
    }
}

fn severity_of(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

fn level_of(level: LogLevel) -> LoggingLevel {
    match level {
        LogLevel::Debug => LoggingLevel::Debug,
        LogLevel::Info => LoggingLevel::Info,
        LogLevel::Notice => LoggingLevel::Notice,
        LogLevel::Warning => LoggingLevel::Warning,
        LogLevel::Error => LoggingLevel::Error,
        LogLevel::Critical => LoggingLevel::Critical,
        LogLevel::Alert => LoggingLevel::Alert,
        LogLevel::Emergency => LoggingLevel::Emergency,
    }
}

/// One request's client: its session, its peer and its progress token.
pub struct PeerLink {
    pub peer: Peer<RoleServer>,
    pub session: Arc<Session>,
    pub progress_token: Option<ProgressToken>,
}

impl ClientLink for PeerLink {
    fn log(&self, level: LogLevel, logger: &str, message: String) -> BoxFuture<'static, ()> {
        let level = level_of(level);
        if severity_of(level) < self.session.log_level.load(Ordering::Relaxed) {
            return futures::future::ready(()).boxed();
        }
        let mut param = LoggingMessageNotificationParam::new(level, Value::String(message));
        param.logger = Some(logger.to_string());
        let peer = self.peer.clone();
        async move {
            let _ = peer.notify_logging_message(param).await; // a gone client is not the component's problem
        }
        .boxed()
    }

    fn progress(&self, progress: f64, total: Option<f64>, message: Option<String>) -> BoxFuture<'static, ()> {
        let Some(token) = self.progress_token.clone() else { return futures::future::ready(()).boxed() };
        let mut param = ProgressNotificationParam::new(token, progress);
        param.total = total;
        param.message = message;
        let peer = self.peer.clone();
        async move {
            let _ = peer.notify_progress(param).await;
        }
        .boxed()
    }

    fn sample(&self, params: Value) -> BoxFuture<'static, Result<Value, String>> {
        let peer = self.peer.clone();
        async move {
            if peer.peer_info().is_none_or(|i| i.capabilities.sampling.is_none()) {
                return Err("the client does not support sampling".to_string());
            }
            let params: CreateMessageRequestParams =
                serde_json::from_value(params).map_err(|e| format!("not a valid sampling request: {e}"))?;
            let result = peer.create_message(params).await.map_err(|e| format!("sampling failed: {e}"))?;
            serde_json::to_value(result).map_err(|e| e.to_string())
        }
        .boxed()
    }

    fn elicit(&self, params: Value) -> BoxFuture<'static, Result<Value, String>> {
        let peer = self.peer.clone();
        async move {
            if peer.peer_info().is_none_or(|i| i.capabilities.elicitation.is_none()) {
                return Err("the client does not support elicitation".to_string());
            }
            let params: ElicitRequestParams =
                serde_json::from_value(params).map_err(|e| format!("not a valid elicitation request: {e}"))?;
            // A component may ask the user to fill in a form, never to open a link.
            if !matches!(params, ElicitRequestParams::FormElicitationParams { .. }) {
                return Err("only form elicitation is allowed".to_string());
            }
            let result = peer.create_elicitation(params).await.map_err(|e| format!("elicitation failed: {e}"))?;
            serde_json::to_value(result).map_err(|e| e.to_string())
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_subscription_is_read_ever_more_rarely_and_quotas_are_given_back() {
        let quota = Arc::new(SubscriptionQuota::default());
        let caller = Caller::stdio("researcher");
        let session = Session::default();
        session.subscribe("ep://meps/404", &caller, &quota).unwrap();
        // Every read fails: over 40 polls it is read at polls 0, 2, 6, 14, 30 …, not 40 times.
        let mut reads = 0;
        for _ in 0..40 {
            if session.due("ep://meps/404") {
                reads += 1;
                session.failed("ep://meps/404");
            }
        }
        assert_eq!(reads, 5);
        // A good read resets the back-off.
        while !session.due("ep://meps/404") {}
        assert!(!session.changed("ep://meps/404", "digest".into()));
        assert!(session.due("ep://meps/404"));
        // Slots are counted per owner and given back on unsubscribe and with the session.
        for i in 1..MAX_SUBSCRIPTIONS {
            session.subscribe(&format!("ep://meps/{i}"), &caller, &quota).unwrap();
        }
        let other = Session::default();
        assert!(other.subscribe("ep://meps/x", &caller, &quota).is_err());
        session.unsubscribe("ep://meps/1");
        assert!(other.subscribe("ep://meps/x", &caller, &quota).is_ok());
        drop(session);
        assert_eq!(quota.0.held(&format!("{}\n{}", caller.tenant, caller.id)), 1);
    }
}
