//! Long-lived streams of the hosted listener: a WebSocket, or a session's standalone SSE
//! stream (GET /mcp). Each holds a connection for as long as it lives, kept awake by the
//! server's own keep-alives, so they are counted: per client (its tenant and identity, or
//! its address when anonymous), and anonymous ones together may hold at most half of the
//! listener's connections, so that the other half stays for callers with a credential.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::sessions::{Refusal, owner_of};
use crate::identity::Caller;
use crate::rate::{KeySlot, KeyedSlots};

/// Seconds a refused client is told to wait: streams end when their clients leave, or at
/// the stream lifetime at the latest.
const RETRY_AFTER_SECS: u64 = 30;

pub struct StreamSlots {
    per_client: KeyedSlots<String>,
    anonymous: Arc<Semaphore>,
    anonymous_max: usize,
}

/// One open stream, counted until dropped (with the stream).
pub struct StreamSlot {
    _client: KeySlot<String>,
    _anonymous: Option<OwnedSemaphorePermit>,
}

impl StreamSlots {
    /// `per_client` streams per client; anonymous ones share half of `max_connections`.
    pub fn new(per_client: usize, max_connections: usize) -> StreamSlots {
        let anonymous_max = (max_connections / 2).max(1);
        StreamSlots { per_client: KeyedSlots::new(per_client), anonymous: Arc::new(Semaphore::new(anonymous_max)), anonymous_max }
    }

    /// A slot for one more stream of `caller`, or why not.
    pub fn open(&self, caller: &Caller) -> Result<StreamSlot, Refusal> {
        let refuse = |message: String, server_full| Refusal { message, retry_after_secs: RETRY_AFTER_SECS, server_full };
        let client = self
            .per_client
            .try_enter(owner_of(caller))
            .ok_or_else(|| refuse(format!("at most {} open streams (WebSocket or SSE) per client: close one first", self.per_client.max()), false))?;
        let anonymous = if caller.is_anonymous() {
            let permit = self.anonymous.clone().try_acquire_owned().map_err(|_| {
                refuse(format!("anonymous clients hold all {} of their streams: use a key, or retry later", self.anonymous_max), true)
            })?;
            Some(permit)
        } else {
            None
        };
        Ok(StreamSlot { _client: client, _anonymous: anonymous })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(id: &str) -> Caller {
        Caller { id: id.into(), label: id.into(), role: "public".into(), tenant: "default".into(), address: None, expires: None }
    }

    #[test]
    fn streams_are_counted_per_client_and_anonymous_ones_leave_half_for_keyed_callers() {
        let slots = StreamSlots::new(2, 6);
        let a = caller("addr:10.0.0.1");
        let held: Vec<_> = (0..2).map(|_| slots.open(&a).unwrap()).collect();
        let refusal = slots.open(&a).err().unwrap();
        assert!(!refusal.server_full && refusal.message.contains("at most 2"), "{refusal:?}");
        let b = caller("addr:10.0.0.2");
        let _third = slots.open(&b).unwrap();
        let refusal = slots.open(&b).err().unwrap();
        assert!(refusal.server_full && refusal.message.contains("use a key"), "{refusal:?}");
        // A keyed client is not held back by the anonymous share.
        let keyed = caller("key:0123");
        let _k = (slots.open(&keyed).unwrap(), slots.open(&keyed).unwrap());
        // A stream that ends is a slot again.
        drop(held);
        assert!(slots.open(&a).is_ok());
    }
}
