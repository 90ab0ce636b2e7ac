//! The Streamable HTTP sessions of the hosted listener: who owns each (tenant and identity,
//! and the address it came from), how many each client and each address holds, and when
//! an idle one ends. rmcp keeps a session's state; this table decides whether one may be
//! opened and closes it in rmcp when it idles out here (sooner for anonymous callers).
//!
//! A session also sleeps: after `--session-sleep-secs` (10) with no request and no open stream, its
//! rmcp worker and service (some 60 KiB of channels and tasks) are closed, and only its
//! `initialize` parameters stay, in [`Dormant`]. Its next request wakes it: rmcp's restore
//! replays the handshake from them, and the client never notices. A session whose state
//! is more than that (a log level, a subscription) stays awake.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moka::notification::RemovalCause;
use rmcp::transport::streamable_http_server::session::SessionManager;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::store::{SessionState, SessionStore, SessionStoreError};
use tokio::sync::{OwnedRwLockReadGuard, RwLock};

use crate::identity::Caller;

/// How long a keyed caller's session may idle (rmcp's own default keep-alive).
pub const KEYED_IDLE: Duration = Duration::from_secs(300);
/// How long an anonymous caller's session may idle.
pub const ANONYMOUS_IDLE: Duration = Duration::from_secs(60);

/// The session caps (`--max-sessions`, `--max-sessions-per-client`, `--max-sessions-per-address`),
/// and how long an unused session stays awake (`--session-sleep-secs`; `None`: always).
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub total: usize,
    pub per_client: usize,
    pub per_address: usize,
    pub sleep_after: Option<Duration>,
}

/// Sessions by state, after a round of [`SessionTable::sleep_idle`].
#[derive(Debug, Default, PartialEq)]
pub struct Sleepers {
    /// Put to sleep in this round.
    pub slept: usize,
    pub awake: usize,
    pub asleep: usize,
}

/// Who opened a session, and what it is doing.
#[derive(Debug)]
struct Owned {
    owner: String,
    /// `addr:` and the address, for an anonymous caller; empty for a keyed one.
    address: String,
    idle: Duration,
    /// Held (read) by each request and stream in progress; taken (write) to put it to sleep,
    /// so that a request never meets a session half closed.
    busy: Arc<RwLock<()>>,
    /// When its last request or stream ended (milliseconds since the table began).
    last_used: AtomicU64,
    /// Its rmcp worker is closed (until its next request).
    asleep: AtomicBool,
    /// It holds state beyond its `initialize` (a log level, subscriptions): never put to sleep.
    awake_always: AtomicBool,
}

/// A request or stream in progress on a session: it cannot sleep meanwhile.
pub struct InUse {
    owned: Arc<Owned>,
    _busy: OwnedRwLockReadGuard<()>,
    /// What `last_used` counts from.
    epoch: Instant,
}

impl InUse {
    /// The session now holds state its `initialize` cannot restore.
    pub fn keep_awake(&self) {
        self.owned.awake_always.store(true, Ordering::Relaxed);
    }
}

impl Drop for InUse {
    fn drop(&mut self) {
        self.owned.last_used.store(self.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
}

/// The `initialize` parameters of every open session (rmcp's session store), from which a
/// sleeping session is woken. Kept as compact JSON: a tenth of the parsed structure's size,
/// for thousands of sessions.
#[derive(Default)]
pub struct Dormant(Mutex<HashMap<Box<str>, Box<[u8]>>>);

impl Dormant {
    fn states(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Box<[u8]>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait::async_trait]
impl SessionStore for Dormant {
    async fn load(&self, id: &str) -> Result<Option<SessionState>, SessionStoreError> {
        let stored = self.states().get(id).cloned();
        Ok(stored.map(|json| serde_json::from_slice(&json)).transpose()?)
    }

    async fn store(&self, id: &str, state: &SessionState) -> Result<(), SessionStoreError> {
        let json = serde_json::to_vec(state)?.into_boxed_slice();
        self.states().insert(id.into(), json);
        Ok(())
    }

    async fn delete(&self, id: &str) -> Result<(), SessionStoreError> {
        self.states().remove(id);
        Ok(())
    }
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
    manager: Arc<LocalSessionManager>,
    /// What `last_used` counts from.
    began: Instant,
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
    /// Sessions idled out here are closed in rmcp's `manager` too, and forgotten by `dormant`.
    pub fn new(limits: SessionLimits, manager: Arc<LocalSessionManager>, dormant: Arc<Dormant>) -> SessionTable {
        let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let released = counts.clone();
        let runtime = tokio::runtime::Handle::current();
        let closer = manager.clone();
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
                if cause != RemovalCause::Replaced {
                    dormant.states().remove(id.as_str());
                }
                if cause != RemovalCause::Explicit && cause != RemovalCause::Replaced {
                    let manager = closer.clone();
                    runtime.spawn(async move {
                        let _ = manager.close_session(&id.as_str().into()).await;
                    });
                }
            })
            .build();
        SessionTable { owners, counts, limits, manager, began: Instant::now() }
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
        let owned = Owned {
            owner: owner_of(caller),
            address,
            idle: if anonymous { ANONYMOUS_IDLE } else { KEYED_IDLE },
            busy: Arc::default(),
            last_used: AtomicU64::new(self.now_ms()),
            asleep: AtomicBool::new(false),
            awake_always: AtomicBool::new(false),
        };
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

    fn now_ms(&self) -> u64 {
        self.began.elapsed().as_millis() as u64
    }

    /// A request or stream of `owner`'s begins on session `id`: `None` if the session is
    /// not open, or not `owner`'s. It stays awake (or wakes) until the use is dropped.
    pub async fn enter(&self, id: &str, owner: &str) -> Option<InUse> {
        let owned = self.owners.get(id).filter(|owned| owned.owner == owner)?;
        // Waits while the session is being put to sleep; rmcp then wakes it for this request.
        let busy = owned.busy.clone().read_owned().await;
        owned.asleep.store(false, Ordering::Relaxed);
        Some(InUse { owned, _busy: busy, epoch: self.began })
    }

    /// Puts to sleep every session unused for `sleep_after`: its rmcp worker is closed,
    /// its `initialize` stays.
    pub async fn sleep_idle(&self, sleep_after: Duration) -> Sleepers {
        let due = self.now_ms().saturating_sub(sleep_after.as_millis() as u64);
        let mut count = Sleepers::default();
        for (id, owned) in self.owners.iter() {
            if owned.asleep.load(Ordering::Relaxed) {
                count.asleep += 1;
                continue;
            }
            count.awake += 1;
            if owned.awake_always.load(Ordering::Relaxed) || owned.last_used.load(Ordering::Relaxed) > due {
                continue;
            }
            let Ok(_closing) = owned.busy.clone().try_write_owned() else { continue }; // in use
            let _ = self.manager.close_session(&id.as_str().into()).await;
            owned.asleep.store(true, Ordering::Relaxed);
            (count.slept, count.awake, count.asleep) = (count.slept + 1, count.awake - 1, count.asleep + 1);
        }
        count
    }

    /// A session its client ended.
    pub fn ended(&self, id: &str) {
        self.owners.invalidate(id);
    }
}
