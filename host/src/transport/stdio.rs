//! MCP over stdio: newline-delimited JSON-RPC on stdin/stdout, logs on stderr only.
//!
//! A small gate sits in front of rmcp and answers what it would otherwise get wrong
//! for stdio clients: unparsable lines (-32700), batches (-32600), unknown methods
//! (-32601, also before `initialize`, where auto-negotiating clients probe with
//! `server/discover`), and a `tools/call` without a tool name (-32602).

use anyhow::{Context, Result};
use rmcp::ServiceExt;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::mcp::McpServer;

/// Lines longer than this are refused (a client bug or an attack, never MCP).
const MAX_LINE_BYTES: usize = 4 << 20;

/// Request methods of the MCP revisions we serve; anything else is answered -32601 here.
const KNOWN_METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "logging/setLevel",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
];

/// What the gate does with one incoming line.
#[derive(Debug, PartialEq)]
pub enum Gate {
    Forward,
    /// Answer directly with this JSON-RPC error response.
    Reply(Value),
    Ignore,
}

fn error(id: Value, code: i64, message: String) -> Gate {
    Gate::Reply(json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}))
}

pub fn gate(line: &str) -> Gate {
    if line.trim().is_empty() {
        return Gate::Ignore;
    }
    if line.len() > MAX_LINE_BYTES {
        return error(Value::Null, -32600, format!("message larger than {MAX_LINE_BYTES} bytes"));
    }
    let message: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return error(Value::Null, -32700, format!("parse error: {e}")),
    };
    let Some(object) = message.as_object() else {
        return error(Value::Null, -32600, "invalid request: batches and non-objects are not supported".into());
    };
    let (Some(method), Some(id)) = (object.get("method").and_then(Value::as_str), object.get("id")) else {
        return Gate::Forward; // notifications and responses
    };
    if !KNOWN_METHODS.contains(&method) {
        return error(id.clone(), -32601, format!("method not found: {method}"));
    }
    if method == "tools/call" && object.get("params").and_then(|p| p.get("name")).and_then(Value::as_str).is_none() {
        return error(id.clone(), -32602, "invalid params: tools/call needs params.name (a string)".into());
    }
    Gate::Forward
}

pub async fn serve(server: McpServer) -> Result<()> {
    let (rmcp_end, our_end) = tokio::io::duplex(1 << 20);
    let (from_rmcp, mut to_rmcp) = tokio::io::split(our_end);
    let (out, mut outgoing) = mpsc::channel::<String>(256);

    // One writer owns stdout, so gate replies and rmcp output never interleave mid-line.
    let writer = tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(line) = outgoing.recv().await {
            if stdout.write_all(line.as_bytes()).await.is_err() || stdout.write_all(b"\n").await.is_err() {
                break;
            }
            let _ = stdout.flush().await;
        }
    });
    let rmcp_out = out.clone();
    let pump_out = tokio::spawn(async move {
        let mut lines = BufReader::new(from_rmcp).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if rmcp_out.send(line).await.is_err() {
                break;
            }
        }
    });
    let pump_in = tokio::spawn(async move {
        let mut stdin = BufReader::new(tokio::io::stdin());
        let mut line = String::new();
        loop {
            line.clear();
            match stdin.read_line(&mut line).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            match gate(&line) {
                Gate::Forward => {
                    if to_rmcp.write_all(line.trim_end().as_bytes()).await.is_err() || to_rmcp.write_all(b"\n").await.is_err() {
                        break;
                    }
                }
                Gate::Reply(reply) => {
                    let _ = out.send(reply.to_string()).await;
                }
                Gate::Ignore => {}
            }
        }
        // stdin closed: closing rmcp's input ends the session.
        let _ = to_rmcp.shutdown().await;
    });

    let (read, write) = tokio::io::split(rmcp_end);
    let running = server.serve((read, write)).await.context("MCP session failed to start")?;
    let reason = running.waiting().await.context("MCP session")?;
    tracing::info!(?reason, "stdio session ended");
    pump_in.abort();
    let _ = pump_out.await;
    let _ = writer.await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(g: Gate) -> i64 {
        match g {
            Gate::Reply(v) => v["error"]["code"].as_i64().unwrap(),
            other => panic!("expected a reply, got {other:?}"),
        }
    }

    #[test]
    fn gates_what_rmcp_would_get_wrong() {
        assert_eq!(code(gate("not json")), -32700);
        assert_eq!(code(gate("[]")), -32600);
        assert_eq!(code(gate(r#"{"jsonrpc":"2.0","id":"x","method":"server/discover"}"#)), -32601);
        assert_eq!(code(gate(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}"#)), -32602);
        assert_eq!(gate(r#"{"jsonrpc":"2.0","id":0,"method":"tools/list"}"#), Gate::Forward);
        assert_eq!(gate(r#"{"jsonrpc":"2.0","method":"notifications/whatever"}"#), Gate::Forward);
        assert_eq!(gate("  \n"), Gate::Ignore);
    }

    #[test]
    fn replies_echo_the_id() {
        match gate(r#"{"jsonrpc":"2.0","id":"abc","method":"nope"}"#) {
            Gate::Reply(v) => assert_eq!(v["id"], "abc"),
            other => panic!("{other:?}"),
        }
    }
}
