//! Transports: framing and identity, nothing else. Every call goes to the same
//! `McpServer` → `Dispatcher`.

mod gate;
pub mod http;
mod idle;
pub mod lifetime;
pub mod observe;
pub mod sessions;
pub mod stdio;
pub mod streams;
pub mod tls;
pub mod ws;
