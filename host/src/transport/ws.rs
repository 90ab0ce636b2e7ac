//! MCP over WebSocket at `/ws`: one JSON-RPC message per text frame, one MCP session per
//! connection. The upgrade request is authenticated like `/mcp`, and its caller is the
//! session's. Incoming frames pass the same gate as stdio lines.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::upgrade::Upgraded;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rmcp::ServiceExt;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::service::RoleServer;
use rmcp::transport::Transport;
use tokio::sync::Mutex;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};

use super::http::Body;
use super::lifetime;
use super::gate::{Decided, decide};
use super::streams::StreamSlot;
use crate::identity::Caller;
use crate::mcp::McpServer;

type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// The subprotocol MCP clients ask for.
const SUBPROTOCOL: &str = "mcp";
/// Largest message accepted (the HTTP body cap is smaller; this bounds a frame's buffer).
const MAX_MESSAGE_BYTES: usize = 1 << 20;

fn bad_request(message: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from_static(message.as_bytes())).boxed());
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
}

/// Answers the upgrade (101) and runs the session on the upgraded connection, until the
/// client leaves or the connection's lifetime ends (see [`super::lifetime`]): then the
/// server closes it with a close frame saying why (1008, policy).
pub fn upgrade(request: Request<Incoming>, caller: Caller, slot: StreamSlot, server: McpServer, max_lifetime: Duration) -> Response<Body> {
    let headers = request.headers();
    let has = |name: http::HeaderName, word: &str| {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| t.trim().eq_ignore_ascii_case(word))
    };
    if request.method() != http::Method::GET || !has(http::header::CONNECTION, "upgrade") || !has(http::header::UPGRADE, "websocket") {
        return bad_request("a WebSocket upgrade (GET, Connection: Upgrade, Upgrade: websocket) is expected here\n");
    }
    if headers.get(http::header::SEC_WEBSOCKET_VERSION).is_none_or(|v| v != "13") {
        return bad_request("WebSocket version 13 is required\n");
    }
    let Some(key) = headers.get(http::header::SEC_WEBSOCKET_KEY) else {
        return bad_request("Sec-WebSocket-Key is missing\n");
    };
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let mcp_protocol = has(http::header::SEC_WEBSOCKET_PROTOCOL, SUBPROTOCOL);
    let on_upgrade = hyper::upgrade::on(request);
    tokio::spawn(async move {
        let _slot = slot; // counted until the socket ends
        let upgraded = match on_upgrade.await {
            Ok(upgraded) => upgraded,
            Err(e) => return tracing::debug!("WebSocket upgrade failed: {e}"),
        };
        let config = WebSocketConfig::default().max_message_size(Some(MAX_MESSAGE_BYTES)).max_frame_size(Some(MAX_MESSAGE_BYTES));
        let socket = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
        let (sink, stream) = socket.split();
        let sink = Arc::new(Mutex::new(sink));
        let label = caller.label.clone();
        let (lifetime, end) = lifetime::remaining(&caller, max_lifetime);
        match server.with_caller(caller).serve(WsTransport { sink: sink.clone(), stream }).await {
            Ok(running) => {
                let session = running.cancellation_token();
                tokio::select! {
                    _ = running.waiting() => {}
                    () = tokio::time::sleep(lifetime) => {
                        tracing::info!(client = label, reason = end.reason(), "WebSocket session closed");
                        let frame = CloseFrame { code: CloseCode::Policy, reason: end.reason().into() };
                        let _ = sink.lock().await.send(Message::Close(Some(frame))).await;
                        session.cancel();
                    }
                }
            }
            Err(e) => tracing::debug!(client = label, "WebSocket MCP session did not start: {e}"),
        }
    });
    let mut response = Response::new(Full::new(Bytes::new()).boxed());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = response.headers_mut();
    h.insert(http::header::CONNECTION, "Upgrade".parse().expect("a valid header value"));
    h.insert(http::header::UPGRADE, "websocket".parse().expect("a valid header value"));
    if let Ok(accept) = accept.parse() {
        h.insert(http::header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    if mcp_protocol {
        h.insert(http::header::SEC_WEBSOCKET_PROTOCOL, SUBPROTOCOL.parse().expect("a valid header value"));
    }
    response
}

struct WsTransport {
    sink: Arc<Mutex<SplitSink<Socket, Message>>>,
    stream: SplitStream<Socket>,
}

impl Transport<RoleServer> for WsTransport {
    type Error = tungstenite::Error;

    fn send(&mut self, item: ServerJsonRpcMessage) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let sink = self.sink.clone();
        async move {
            let text = serde_json::to_string(&item).map_err(|e| tungstenite::Error::Io(std::io::Error::other(e)))?;
            sink.lock().await.send(Message::text(text)).await
        }
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        loop {
            let text = match self.stream.next().await? {
                Ok(Message::Text(text)) => text,
                Ok(Message::Binary(_)) => {
                    let reply = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "parse error: MCP messages are text frames"}});
                    let _ = self.sink.lock().await.send(Message::text(reply.to_string())).await;
                    continue;
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue, // ping and pong are answered by tungstenite
            };
            match decide(text.as_str()) {
                Decided::Message(message) => return Some(*message),
                Decided::Reply(reply) => {
                    let _ = self.sink.lock().await.send(Message::text(reply.to_string())).await;
                }
                Decided::Nothing => {}
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.sink.lock().await.close().await
    }
}
