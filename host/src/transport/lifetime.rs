//! How long a long-lived connection may live: a WebSocket session or an SSE stream ends at
//! the listener's `--max-stream-secs`, or earlier when the bearer token it was opened with
//! expires (a request with that token would be refused from then on; an open stream must
//! not outlive it).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Frame, SizeHint};

use crate::identity::{Caller, now_secs};

/// Why a stream ends (a WebSocket close frame's reason says it to the client).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum End {
    CredentialExpired,
    LifetimeReached,
}

impl End {
    pub fn reason(self) -> &'static str {
        match self {
            End::CredentialExpired => "credential expired: reconnect with a new one",
            End::LifetimeReached => "stream lifetime reached: reconnect",
        }
    }
}


/// How long a stream of `caller`'s may still live, and what ends it then.
pub fn remaining(caller: &Caller, max: Duration) -> (Duration, End) {
    let now = now_secs();
    match caller.expires.map(|exp| Duration::from_secs(exp.saturating_sub(now))) {
        Some(left) if left < max => (left, End::CredentialExpired),
        _ => (max, End::LifetimeReached),
    }
}

/// A response body that ends (cleanly, as if complete) after a time.
pub struct Bounded<B> {
    body: Pin<Box<B>>,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl<B> Bounded<B> {
    pub fn new(body: B, lifetime: Duration) -> Self {
        Bounded { body: Box::pin(body), deadline: Box::pin(tokio::time::sleep(lifetime)) }
    }
}

impl<B: Body> Body for Bounded<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        self.body.as_mut().poll_frame(cx)
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{SystemTime, UNIX_EPOCH};

    fn caller(expires: Option<u64>) -> Caller {
        Caller { expires, ..Caller::stdio("researcher") }
    }

    #[test]
    fn a_stream_ends_at_the_token_expiry_or_its_lifetime() {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let hour = Duration::from_secs(3600);
        assert_eq!(remaining(&caller(None), hour), (hour, End::LifetimeReached));
        let (left, end) = remaining(&caller(Some(now + 60)), hour);
        assert!(left <= Duration::from_secs(60) && left >= Duration::from_secs(58) && end == End::CredentialExpired);
        assert_eq!(remaining(&caller(Some(now - 5)), hour), (Duration::ZERO, End::CredentialExpired));
        assert_eq!(remaining(&caller(Some(now + 7200)), hour), (hour, End::LifetimeReached));
    }
}
