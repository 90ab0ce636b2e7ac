//! MCP over stdio: newline-delimited JSON-RPC on stdin/stdout, logs on stderr only.
//! Every line passes the JSON-RPC gate (`gate.rs`) before rmcp sees it.

use std::io::{BufRead, Write};

use anyhow::{Context, Result};
use rmcp::ServiceExt;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::service::RoleServer;
use rmcp::transport::Transport;
use tokio::sync::mpsc;

use super::gate::{Decided, decide};
use crate::mcp::McpServer;

/// Where stdin lines come from. A pipe (how MCP clients start servers) is read by the
/// executor itself, so a request costs no thread hand-off (~40 µs here); anything else
/// (a terminal, a file) by a plain thread that blocks on it.
enum Lines {
    Pipe(tokio::io::Lines<tokio::io::BufReader<tokio::net::unix::pipe::Receiver>>),
    Thread(mpsc::UnboundedReceiver<String>),
}

impl Lines {
    fn stdin() -> std::io::Result<Lines> {
        use std::os::fd::AsFd;
        use tokio::io::AsyncBufReadExt;
        // `from_owned_fd` accepts only a FIFO, and makes it non-blocking.
        let pipe = std::io::stdin().as_fd().try_clone_to_owned().and_then(tokio::net::unix::pipe::Receiver::from_owned_fd);
        if let Ok(pipe) = pipe {
            return Ok(Lines::Pipe(tokio::io::BufReader::with_capacity(64 << 10, pipe).lines()));
        }
        let (line_tx, incoming) = mpsc::unbounded_channel();
        std::thread::Builder::new().name("stdin".into()).spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if line_tx.send(line).is_err() {
                    break;
                }
            }
            // Dropping the sender ends the session: the client closed stdin.
        })?;
        Ok(Lines::Thread(incoming))
    }

    /// The next line; `None` when stdin is closed (or unreadable).
    async fn next(&mut self) -> Option<String> {
        match self {
            Lines::Pipe(lines) => lines.next_line().await.ok().flatten(),
            Lines::Thread(incoming) => incoming.recv().await,
        }
    }
}

/// rmcp transport: lines from stdin ([`Lines`]); lines are written to stdout from the
/// executor, whole line and flush per message, so gate replies and rmcp output never
/// interleave (stdio runs a single-threaded executor; a writer thread would cost a
/// wake-up per response).
struct Stdio {
    incoming: Lines,
    stdout: std::io::Stdout,
}

impl Stdio {
    fn write_line(&mut self, line: &str) -> std::io::Result<()> {
        let mut out = self.stdout.lock();
        let mut message = Vec::with_capacity(line.len() + 1);
        message.extend_from_slice(line.as_bytes());
        message.push(b'\n');
        out.write_all(&message)?;
        out.flush()
    }
}

impl Transport<RoleServer> for Stdio {
    type Error = std::io::Error;

    fn send(&mut self, item: ServerJsonRpcMessage) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let sent = serde_json::to_string(&item).map_err(std::io::Error::other).and_then(|line| self.write_line(&line));
        std::future::ready(sent)
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        loop {
            let line = self.incoming.next().await?;
            match decide(&line) {
                Decided::Message(message) => return Some(*message),
                Decided::Reply(reply) => {
                    let _ = self.write_line(&reply.to_string());
                }
                Decided::Nothing => {}
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

pub async fn serve(server: McpServer) -> Result<()> {
    let running = server.serve(Stdio { incoming: Lines::stdin()?, stdout: std::io::stdout() }).await.context("MCP session failed to start")?;
    let reason = running.waiting().await.context("MCP session")?;
    tracing::info!(?reason, "stdio session ended");
    Ok(())
}
