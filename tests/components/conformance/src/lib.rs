//! Test-only component: the fixture tools, resources and prompts that the official MCP
//! conformance suite (`@modelcontextprotocol/conformance`) calls by name. It exercises
//! every part of the contract an EP tool may use: content blocks (text, image, audio,
//! embedded resources), tool-reported errors, logging and progress during a call,
//! sampling and elicitation through the host's `client` interface, resources of another
//! scheme, and prompts served by tools. It reaches no network (no egress prefixes).

use guest_client::epmcp::tool::client::{self, LogLevel};
use guest_client::epmcp::tool::types::{
    Annotations, ComponentInfo, ContentBlock, EmbeddedResource, Media, PromptArgument, PromptBody, PromptDescriptor,
    ResourceBody, ResourceTemplate, ToolDescriptor, ToolError, ToolOutput,
};
use guest_client::exports::epmcp::tool::tools::Guest;
use serde_json::{Value, json};

/// A 1×1 red pixel.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41,
    0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A WAV file of 8 silent samples (8 kHz, mono, 8-bit).
fn wav() -> Vec<u8> {
    let samples = [0x80u8; 8];
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + samples.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&8000u32.to_le_bytes()); // sample rate
    out.extend_from_slice(&8000u32.to_le_bytes()); // byte rate
    out.extend_from_slice(&1u16.to_le_bytes()); // block align
    out.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    out.extend_from_slice(&samples);
    out
}

fn png() -> ContentBlock {
    ContentBlock::Image(Media { mime_type: "image/png".into(), data: PNG.to_vec() })
}

fn text(t: impl Into<String>) -> ContentBlock {
    ContentBlock::Text(t.into())
}

fn embedded_text(uri: &str, mime_type: &str, text: &str) -> ContentBlock {
    ContentBlock::Resource(EmbeddedResource {
        uri: uri.into(),
        mime_type: mime_type.into(),
        body: ResourceBody::Text(text.into()),
    })
}

fn content(blocks: Vec<ContentBlock>) -> Result<ToolOutput, ToolError> {
    Ok(ToolOutput { structured: None, content: blocks })
}

fn sleep_ms(ms: u64) {
    wasip2::clocks::monotonic_clock::subscribe_duration(ms * 1_000_000).block();
}

fn no_arguments() -> Value {
    json!({"type": "object", "properties": {}, "additionalProperties": false})
}

fn string_arguments(names: &[&str]) -> Value {
    let properties: serde_json::Map<String, Value> = names.iter().map(|n| (n.to_string(), json!({"type": "string"}))).collect();
    json!({"type": "object", "properties": properties, "required": names, "additionalProperties": false})
}

fn tool(name: &str, description: &str, input: Value, output: Option<Value>) -> ToolDescriptor {
    ToolDescriptor {
        name: name.into(),
        title: name.into(),
        description: description.into(),
        input_schema: input.to_string(),
        output_schema: output.map(|o| o.to_string()),
        annotations: Annotations { read_only: true, destructive: false, idempotent: false, open_world: false },
        egress_prefixes: Vec::new(),
    }
}

fn tools() -> Vec<ToolDescriptor> {
    let schema_2020_12 = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {"address": {"type": "object", "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
        "properties": {"name": {"type": "string"}, "address": {"$ref": "#/$defs/address"}},
        "additionalProperties": false
    });
    let template_data = json!({
        "type": "object",
        "required": ["id", "templateTest", "data"],
        "properties": {"id": {"type": "string"}, "templateTest": {"type": "boolean"}, "data": {"type": "string"}}
    });
    vec![
        tool("test_simple_text", "Returns one text block.", no_arguments(), None),
        tool("test_image_content", "Returns a 1x1 PNG image.", no_arguments(), None),
        tool("test_audio_content", "Returns a short WAV clip.", no_arguments(), None),
        tool("test_embedded_resource", "Returns an embedded text resource.", no_arguments(), None),
        tool("test_multiple_content_types", "Returns text, an image and an embedded resource.", no_arguments(), None),
        tool("test_tool_with_logging", "Sends three log messages while it runs.", no_arguments(), None),
        tool("test_tool_with_progress", "Reports progress 0, 50 and 100 of 100.", no_arguments(), None),
        tool("test_error_handling", "Always reports an error.", no_arguments(), None),
        tool("test_sampling", "Asks the client's model to answer a prompt.", string_arguments(&["prompt"]), None),
        tool("test_elicitation", "Asks the user for a username and an email address.", string_arguments(&["message"]), None),
        tool("test_elicitation_sep1034_defaults", "Asks the user with defaults for every primitive type.", no_arguments(), None),
        tool("test_elicitation_sep1330_enums", "Asks the user with every kind of enum.", no_arguments(), None),
        tool("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features", schema_2020_12, None),
        tool("fixture_static_text", "Serves test://static-text.", no_arguments(), None),
        tool("fixture_static_binary", "Serves test://static-binary.", no_arguments(), None),
        tool("fixture_template_data", "Serves test://template/{id}/data.", string_arguments(&["id"]), Some(template_data)),
        tool("fixture_watched", "Serves test://watched-resource (it changes every second).", no_arguments(), None),
        tool("fixture_prompt_embedded_resource", "Serves the prompt test_prompt_with_embedded_resource.", string_arguments(&["resourceUri"]), None),
        tool("fixture_prompt_image", "Serves the prompt test_prompt_with_image.", no_arguments(), None),
    ]
}

fn resource(uri: &str, mime_type: &str, tool: &str, arguments: Value) -> ResourceTemplate {
    ResourceTemplate {
        uri_template: uri.into(),
        name: uri.rsplit('/').find(|s| !s.is_empty() && !s.starts_with('{')).unwrap_or(uri).into(),
        title: uri.into(),
        description: format!("Conformance fixture {uri}"),
        mime_type: mime_type.into(),
        tool: tool.into(),
        arguments: arguments.to_string(),
    }
}

fn prompt(name: &str, description: &str, arguments: &[&str], body: PromptBody) -> PromptDescriptor {
    PromptDescriptor {
        name: name.into(),
        title: name.into(),
        description: description.into(),
        arguments: arguments
            .iter()
            .map(|a| PromptArgument { name: a.to_string(), description: format!("the {a}"), required: true, values: Vec::new(), completion: None })
            .collect(),
        body,
    }
}

/// Asks the client through the host and says what came back.
fn ask(request: Result<String, String>, render: impl Fn(&Value) -> String) -> Result<ToolOutput, ToolError> {
    match request {
        Ok(answer) => {
            let answer: Value = serde_json::from_str(&answer).map_err(|e| ToolError::Internal(e.to_string()))?;
            content(vec![text(render(&answer))])
        }
        Err(reason) => Err(ToolError::Failed(reason)),
    }
}

fn elicitation_result(answer: &Value) -> String {
    format!("Elicitation completed: action={}, content={}", answer["action"].as_str().unwrap_or(""), answer["content"])
}

fn argument(arguments: &str, name: &str) -> Result<String, ToolError> {
    let arguments: Value = serde_json::from_str(arguments).map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
    arguments[name].as_str().map(str::to_string).ok_or_else(|| ToolError::InvalidArguments(format!("{name} is required")))
}

struct Fixtures;

impl Guest for Fixtures {
    fn describe() -> ComponentInfo {
        ComponentInfo {
            name: "conformance-fixtures".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            tools: tools(),
            resources: vec![
                resource("test://static-text", "text/plain", "fixture_static_text", json!({})),
                resource("test://static-binary", "image/png", "fixture_static_binary", json!({})),
                resource("test://template/{id}/data", "application/json", "fixture_template_data", json!({"id": "{id}"})),
                resource("test://watched-resource", "text/plain", "fixture_watched", json!({})),
            ],
            prompts: vec![
                prompt("test_simple_prompt", "A prompt without arguments", &[], PromptBody::Template("This is a simple prompt for testing.".into())),
                prompt(
                    "test_prompt_with_arguments",
                    "A prompt with two arguments",
                    &["arg1", "arg2"],
                    PromptBody::Template("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'".into()),
                ),
                prompt(
                    "test_prompt_with_embedded_resource",
                    "A prompt that embeds a resource",
                    &["resourceUri"],
                    PromptBody::Tool("fixture_prompt_embedded_resource".into()),
                ),
                prompt("test_prompt_with_image", "A prompt with an image", &[], PromptBody::Tool("fixture_prompt_image".into())),
            ],
        }
    }

    fn call(tool: String, arguments: String) -> Result<ToolOutput, ToolError> {
        match tool.as_str() {
            "test_simple_text" => content(vec![text("This is a simple text response for testing.")]),
            "test_image_content" => content(vec![png()]),
            "test_audio_content" => content(vec![ContentBlock::Audio(Media { mime_type: "audio/wav".into(), data: wav() })]),
            "test_embedded_resource" => {
                content(vec![embedded_text("test://embedded-resource", "text/plain", "This is an embedded resource content.")])
            }
            "test_multiple_content_types" => content(vec![
                text("Multiple content types test:"),
                png(),
                embedded_text("test://mixed-content-resource", "application/json", r#"{"test":"data","value":123}"#),
            ]),
            "test_tool_with_logging" => {
                client::log(LogLevel::Info, "Tool execution started");
                sleep_ms(50);
                client::log(LogLevel::Info, "Tool processing data");
                sleep_ms(50);
                client::log(LogLevel::Info, "Tool execution completed");
                content(vec![text("Tool with logging executed successfully")])
            }
            "test_tool_with_progress" => {
                for (i, done) in [0.0, 50.0, 100.0].into_iter().enumerate() {
                    if i > 0 {
                        sleep_ms(50);
                    }
                    client::progress(done, Some(100.0), None);
                }
                content(vec![text("Tool with progress executed successfully")])
            }
            "test_error_handling" => Err(ToolError::Failed("This tool intentionally returns an error for testing".into())),
            "test_sampling" => {
                let prompt = argument(&arguments, "prompt")?;
                let request = json!({
                    "messages": [{"role": "user", "content": {"type": "text", "text": prompt}}],
                    "maxTokens": 100
                });
                ask(client::sample(&request.to_string()), |answer| {
                    format!("LLM response: {}", answer["content"]["text"].as_str().unwrap_or(""))
                })
            }
            "test_elicitation" => {
                let message = argument(&arguments, "message")?;
                let request = json!({
                    "message": message,
                    "requestedSchema": {
                        "type": "object",
                        "properties": {
                            "username": {"type": "string", "description": "User's response"},
                            "email": {"type": "string", "description": "User's email address"}
                        },
                        "required": ["username", "email"]
                    }
                });
                ask(client::elicit(&request.to_string()), |answer| {
                    format!("User response: action={}, content={}", answer["action"].as_str().unwrap_or(""), answer["content"])
                })
            }
            "test_elicitation_sep1034_defaults" => {
                let request = json!({
                    "message": "Please review and update the form fields with defaults",
                    "requestedSchema": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string", "description": "User name", "default": "John Doe"},
                            "age": {"type": "integer", "description": "User age", "default": 30},
                            "score": {"type": "number", "description": "User score", "default": 95.5},
                            "status": {"type": "string", "description": "User status", "enum": ["active", "inactive", "pending"], "default": "active"},
                            "verified": {"type": "boolean", "description": "Verification status", "default": true}
                        }
                    }
                });
                ask(client::elicit(&request.to_string()), elicitation_result)
            }
            "test_elicitation_sep1330_enums" => {
                let request = json!({
                    "message": "Please select options from the enum fields",
                    "requestedSchema": {
                        "type": "object",
                        "properties": {
                            "untitledSingle": {"type": "string", "description": "Select one option", "enum": ["option1", "option2", "option3"]},
                            "titledSingle": {"type": "string", "description": "Select one option with titles", "oneOf": [
                                {"const": "value1", "title": "First Option"},
                                {"const": "value2", "title": "Second Option"},
                                {"const": "value3", "title": "Third Option"}
                            ]},
                            "legacyEnum": {"type": "string", "description": "Select one option (legacy)", "enum": ["opt1", "opt2", "opt3"],
                                "enumNames": ["Option One", "Option Two", "Option Three"]},
                            "untitledMulti": {"type": "array", "description": "Select multiple options",
                                "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
                            "titledMulti": {"type": "array", "description": "Select multiple options with titles", "items": {"anyOf": [
                                {"const": "value1", "title": "First Choice"},
                                {"const": "value2", "title": "Second Choice"},
                                {"const": "value3", "title": "Third Choice"}
                            ]}}
                        }
                    }
                });
                ask(client::elicit(&request.to_string()), elicitation_result)
            }
            "json_schema_2020_12_tool" => content(vec![text(format!("Received: {arguments}"))]),
            "fixture_static_text" => content(vec![text("This is the content of the static text resource.")]),
            "fixture_static_binary" => content(vec![png()]),
            "fixture_template_data" => {
                let id = argument(&arguments, "id")?;
                let data = json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")});
                Ok(ToolOutput { structured: Some(data.to_string()), content: Vec::new() })
            }
            "fixture_watched" => {
                // Changes every second, so that subscribers have something to be told about.
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
                content(vec![text(format!("Watched resource content at second {now}"))])
            }
            "fixture_prompt_embedded_resource" => {
                let uri = argument(&arguments, "resourceUri")?;
                content(vec![
                    embedded_text(&uri, "text/plain", "Embedded resource content for testing."),
                    text("Please process the embedded resource above."),
                ])
            }
            "fixture_prompt_image" => content(vec![png(), text("Please analyze the image above.")]),
            other => Err(ToolError::Internal(format!("unknown tool '{other}'"))),
        }
    }
}

#[cfg(target_family = "wasm")]
guest_client::export!(Fixtures);
