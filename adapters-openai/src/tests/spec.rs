//! OpenAI's own OpenAPI description as the judge of every request the adapter sends and every
//! response a fake serves, so that neither side of a test can drift from the real API.
//!
//! The spec (OpenAPI 3.1) is JSON Schema 2020-12 except for a few OpenAPI 3.0 leftovers:
//! `nullable: true` beside a single `type` is rewritten into a `[type, "null"]` union (and null
//! joins its `enum`, if any);
//! `discriminator` and the `x-*` extensions are annotations that validators ignore, which is
//! their meaning anyway. Each validator's root is `{"$ref": "#/components/schemas/<Name>"}`
//! beside the spec's `components`, so every `$ref` in the spec resolves as written.

use std::sync::LazyLock;

use jsonschema::Validator;
use serde_json::{Value, json};

/// The spec, copied into the repository from OpenAI's (MIT, `contracts/openai/`).
const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../contracts/openai/chat-completions.openapi.json"
);

static REQUEST: LazyLock<Validator> = LazyLock::new(|| validator("CreateChatCompletionRequest"));
static RESPONSE: LazyLock<Validator> = LazyLock::new(|| validator("CreateChatCompletionResponse"));
static ERROR: LazyLock<Validator> = LazyLock::new(|| validator("ErrorResponse"));
static STREAM_CHUNK: LazyLock<Validator> =
    LazyLock::new(|| validator("CreateChatCompletionStreamResponse"));

/// Panics, with every problem, unless `body` is a valid `CreateChatCompletionRequest`.
pub(crate) fn assert_request(body: &Value) {
    assert_valid(&REQUEST, "CreateChatCompletionRequest", body);
}

/// Panics unless `body` is a valid `CreateChatCompletionResponse`.
pub(crate) fn assert_response(body: &Value) {
    assert_valid(&RESPONSE, "CreateChatCompletionResponse", body);
}

/// Panics unless `chunk` is a valid `CreateChatCompletionStreamResponse`.
pub(crate) fn assert_stream_chunk(chunk: &Value) {
    assert_valid(&STREAM_CHUNK, "CreateChatCompletionStreamResponse", chunk);
}

/// Panics unless `body` is a valid `ErrorResponse`.
pub(crate) fn assert_error(body: &Value) {
    assert_valid(&ERROR, "ErrorResponse", body);
}

fn assert_valid(validator: &Validator, name: &str, body: &Value) {
    let problems: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "not a valid {name}:\n{}\n{body:#}",
        problems.join("\n")
    );
}

fn validator(schema: &str) -> Validator {
    let text = std::fs::read_to_string(SPEC_PATH)
        .unwrap_or_else(|e| panic!("read the OpenAPI spec at {SPEC_PATH}: {e}"));
    let spec: Value = serde_json::from_str(&text).expect("the OpenAPI spec is JSON");
    let mut components = spec["components"].clone();
    rewrite_nullable(&mut components);
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{schema}"),
        "components": components,
    });
    jsonschema::validator_for(&root).expect("the spec's schemas compile")
}

/// `{"type": "integer", "nullable": true}` becomes `{"type": ["integer", "null"]}`.
fn rewrite_nullable(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.remove("nullable") == Some(Value::Bool(true))
                && let Some(Value::String(kind)) = map.get("type").cloned()
            {
                map.insert("type".into(), json!([kind, "null"]));
                // In OpenAPI 3.0, `nullable` admits null past an `enum` too.
                if let Some(Value::Array(allowed)) = map.get_mut("enum") {
                    allowed.push(Value::Null);
                }
            }
            map.values_mut().for_each(rewrite_nullable);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_nullable),
        _ => {}
    }
}

#[test]
fn the_validators_catch_what_the_spec_forbids() {
    assert!(!REQUEST.is_valid(&json!({"model": "gpt-4o", "messages": []})));
    assert!(
        !REQUEST
            .is_valid(&json!({"model": "gpt-4o", "messages": [{"role": "robot", "content": "x"}]}))
    );
    assert!(REQUEST.is_valid(&json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "max_tokens": null})));
    assert!(
        !RESPONSE
            .is_valid(&json!({"id": "x", "object": "chat.completion", "created": 1, "model": "m"}))
    );
    // llama.cpp's integer code is outside the spec: the adapter copes, the spec does not allow it.
    assert!(
        !ERROR
            .is_valid(&json!({"error": {"message": "m", "type": "t", "param": null, "code": 400}}))
    );
}
