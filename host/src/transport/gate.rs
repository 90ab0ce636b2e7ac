//! The JSON-RPC gate in front of rmcp, for stdio lines, WebSocket frames and Streamable
//! HTTP bodies alike. It answers what rmcp would otherwise get wrong: unparsable messages
//! (-32700), batches (-32600), unknown methods (-32601, also before `initialize`, where
//! auto-negotiating clients probe with `server/discover`), a `tools/call` without a tool
//! name (-32602), and requests nested too deeply to read.

use rmcp::model::ClientJsonRpcMessage;
use serde_json::{Value, json};

use crate::mcp::{KNOWN_METHODS, params_problem};

/// Lines longer than this are refused (a client bug or an attack, never MCP).
const MAX_LINE_BYTES: usize = 4 << 20;


/// What the gate does with one incoming line.
#[derive(Debug, PartialEq)]
pub enum Gate {
    /// Hand the parsed message to rmcp.
    Forward(Value),
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
        Err(e) => return unreadable(line, e),
    };
    let Some(object) = message.as_object() else {
        return error(Value::Null, -32600, "invalid request: batches and non-objects are not supported".into());
    };
    let (Some(method), Some(id)) = (object.get("method").and_then(Value::as_str), object.get("id")) else {
        return Gate::Forward(message); // notifications and responses
    };
    if !KNOWN_METHODS.contains(&method) {
        return error(id.clone(), -32601, format!("method not found: {method}"));
    }
    if let Some(problem) = params_problem(method, object.get("params")) {
        return error(id.clone(), -32602, format!("invalid params: {method}: {problem}"));
    }
    Gate::Forward(message)
}

/// The top of a message, read without building its values: serde skips what it does not
/// keep without recursing, so a request nested past the parser's depth limit still has
/// its id and method.
#[derive(serde::Deserialize)]
struct Head {
    id: Option<Value>,
    method: Option<String>,
}

/// The error response for a body that is a request nested past the parser's depth limit
/// (Streamable HTTP reads bodies whole; see [`unreadable`]); `None` for anything else.
pub fn too_deep(body: &[u8]) -> Option<Value> {
    let e = serde_json::from_slice::<Value>(body).err().filter(|e| e.to_string().contains("recursion limit"))?;
    match unreadable(std::str::from_utf8(body).ok()?, e) {
        Gate::Reply(reply) if !reply["id"].is_null() => Some(reply),
        _ => None,
    }
}

/// A line that did not parse: valid JSON nested too deep is answered under its own id
/// (the client would otherwise wait for its timeout); anything else is a parse error.
fn unreadable(line: &str, e: serde_json::Error) -> Gate {
    match serde_json::from_str::<Head>(line) {
        Ok(Head { id: Some(id), method: Some(method) }) if id.is_string() || id.is_number() => {
            let method: String = method.chars().take(100).collect();
            error(id, -32602, format!("invalid params: {method}: nested too deeply to read ({e})"))
        }
        Ok(Head { id: None, method: Some(_) }) => Gate::Ignore, // a notification: nothing to answer
        _ => error(Value::Null, -32700, format!("parse error: {e}")),
    }
}

/// One incoming message (a stdin line or a WebSocket text frame), decided: the message
/// for rmcp, the error response to send back, or nothing to do.
pub enum Decided {
    Message(Box<ClientJsonRpcMessage>),
    Reply(Value),
    Nothing,
}

pub fn decide(line: &str) -> Decided {
    match gate(line) {
        Gate::Forward(value) => {
            let id = value.get("id").cloned();
            match serde_json::from_value::<ClientJsonRpcMessage>(value) {
                Ok(message) => Decided::Message(Box::new(message)),
                Err(e) => match id.map(|id| error(id, -32600, format!("invalid request: {e}"))) {
                    Some(Gate::Reply(reply)) => Decided::Reply(reply),
                    _ => Decided::Nothing,
                },
            }
        }
        Gate::Reply(reply) => Decided::Reply(reply),
        Gate::Ignore => Decided::Nothing,
    }
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
        assert_eq!(code(gate(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":"s"}}"#)), -32602);
        assert_eq!(code(gate(r#"{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":7}}"#)), -32602);
        assert_eq!(code(gate(r#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":1}}"#)), -32602);
        let deep = format!(r#"{{"jsonrpc":"2.0","id":"d","method":"tools/call","params":{{"name":"x","arguments":{{"a":{}1{}}}}}}}"#, "[".repeat(300), "]".repeat(300));
        match gate(&deep) {
            Gate::Reply(v) => assert_eq!((v["id"].as_str(), v["error"]["code"].as_i64()), (Some("d"), Some(-32602)), "{v}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(gate(r#"{"jsonrpc":"2.0","id":0,"method":"tools/list"}"#), Gate::Forward(_)));
        assert!(matches!(gate(r#"{"jsonrpc":"2.0","method":"notifications/whatever"}"#), Gate::Forward(_)));
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
