//! The Streamable HTTP sessions of the hosted listener: who owns each (tenant and identity,
//! and the address it came from), how many each client and each address holds, and when
//! an idle one ends. rmcp keeps a session's state; this table decides whether one may be
//! opened and closes it in rmcp when it idles out here (sooner for anonymous callers).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moka::notification::RemovalCause;
use rmcp::transport::streamable_http_server::session::SessionManager;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;

use crate::identity::Caller;

/// How long a keyed caller's session may idle (rmcp's own default keep-alive).
pub const KEYED_IDLE: Duration = Duration::from_secs(300);
/// How long an anonymous caller's session may idle.
pub const ANONYMOUS_IDLE: Duration = Duration::from_secs(60);

/// The session caps (`--max-sessions`, `--max-sessions-per-client`, `--max-sessions-per-address`).
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub total: usize,
    pub per_client: usize,
    pub per_address: usize,
}

/// Who opened a session.
#[derive(Debug)]
struct Owned {
    owner: String,
    /// `addr:` and the address, for an anonymous caller; empty for a keyed one.
    address: String,
    idle: Duration,
}

/// Why a session may not be opened: the message, and seconds to wait before trying again.
#[derive(Debug, PartialEq)]
pub struct Refusal {
    pub message: String,
    pub retry_after_secs: u64,
    /// The listener as a whole is full (503), rather than this client (429).
    pub server_full: bool,
}

pub struct SessionTable {
    owners: moka::sync::Cache<String, Arc<Owned>>,
    /// Sessions per owner and per `addr:` address, and in all (`""`).
    counts: Arc<Mutex<HashMap<String, usize>>>,
    limits: SessionLimits,
}

struct IdleFor;

impl moka::Expiry<String, Arc<Owned>> for IdleFor {
    fn expire_after_create(&self, _: &String, owned: &Arc<Owned>, _: Instant) -> Option<Duration> {
        Some(owned.idle)
    }

    fn expire_after_read(&self, _: &String, owned: &Arc<Owned>, _: Instant, _: Option<Duration>, _: Instant) -> Option<Duration> {
        Some(owned.idle)
    }
}

/// A session's owner: the identity within its tenant (one principal in two tenants is
/// two owners).
pub fn owner_of(caller: &Caller) -> String {
    format!("{}\n{}", caller.tenant, caller.id)
}

impl SessionTable {
    /// Sessions idled out here are closed in rmcp's `manager` too.
    pub fn new(limits: SessionLimits, manager: Arc<LocalSessionManager>) -> SessionTable {
        let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let released = counts.clone();
        let runtime = tokio::runtime::Handle::current();
        let owners = moka::sync::Cache::builder()
            .max_capacity(limits.total as u64 + 1)
            .expire_after(IdleFor)
            .eviction_listener(move |id: Arc<String>, owned: Arc<Owned>, cause| {
                let mut counts = released.lock().unwrap_or_else(|e| e.into_inner());
                let keys = [owned.owner.as_str(), ""].into_iter().chain((!owned.address.is_empty()).then_some(owned.address.as_str()));
                for key in keys {
                    if let Some(n) = counts.get_mut(key) {
                        *n = n.saturating_sub(1);
                        if *n == 0 {
                            counts.remove(key);
                        }
                    }
                }
                // Idled out (or pushed out) here: end it in rmcp as well.
                if cause != RemovalCause::Explicit && cause != RemovalCause::Replaced {
                    let manager = manager.clone();
                    runtime.spawn(async move {
                        let _ = manager.close_session(&id.as_str().into()).await;
                    });
                }
            })
            .build();
        SessionTable { owners, counts, limits }
    }

    /// Whether `caller`, from `address`, may open one more session.
    pub fn admit(&self, caller: &Caller, address: &str) -> Result<(), Refusal> {
        self.owners.run_pending_tasks(); // idle sessions leave before they are counted
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let held = |key: &str| counts.get(key).copied().unwrap_or(0);
        let refuse = |message: String, server_full| Err(Refusal { message, retry_after_secs: ANONYMOUS_IDLE.as_secs(), server_full });
        // An anonymous caller is its address, counted as such; a keyed caller is counted as
        // itself, so it gets in from a crowded address.
        if caller.is_anonymous() {
            if held(&format!("addr:{address}")) >= self.limits.per_address {
                return refuse(format!("at most {} anonymous sessions per address: use a key, or retry later", self.limits.per_address), false);
            }
        } else if held(&owner_of(caller)) >= self.limits.per_client {
            return refuse(format!("at most {} sessions per client: end one (DELETE /mcp) or let it idle out", self.limits.per_client), false);
        }
        if held("") >= self.limits.total {
            return refuse(format!("the server holds its {} sessions: retry later", self.limits.total), true);
        }
        Ok(())
    }

    /// Records a session rmcp opened for `caller`.
    pub fn opened(&self, id: &str, caller: &Caller, address: &str) {
        let anonymous = caller.is_anonymous();
        let address = if anonymous { format!("addr:{address}") } else { String::new() };
        let owned = Owned { owner: owner_of(caller), address, idle: if anonymous { ANONYMOUS_IDLE } else { KEYED_IDLE } };
        {
            let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            *counts.entry(owned.owner.clone()).or_default() += 1;
            *counts.entry(String::new()).or_default() += 1;
            if !owned.address.is_empty() {
                *counts.entry(owned.address.clone()).or_default() += 1;
            }
        }
        self.owners.insert(id.to_string(), Arc::new(owned));
    }

    /// The owner of a live session (and it stays live: this is a use).
    pub fn owner(&self, id: &str) -> Option<String> {
        self.owners.get(id).map(|owned| owned.owner.clone())
    }

    /// A session its client ended.
    pub fn ended(&self, id: &str) {
        self.owners.invalidate(id);
    }
}
