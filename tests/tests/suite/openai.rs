//! The extractor contract run against the OpenAI adapter, over a fake OpenAI whose model is the
//! mock extractor reading the text blocks the prompt shows it.
//!
//! A real model promises neither determinism nor faithful quotes; what the adapter must do is
//! keep them when the model does: show each block under the name its evidence will use, and hand
//! back what the model answered. This fake model is deterministic and quotes only the blocks it
//! was shown, under the names it was shown them, so every case fails when the adapter does not
//! keep its part. It keeps to the bounds of the schema it is sent, answers a plain completion, or
//! server-sent events when the request streams, in the shapes of OpenAI's API description
//! (`contracts/openai/`).

use std::task::{Context, Poll, Waker};

use persona_adapters_mock::MockExtractor;
use persona_adapters_openai::{OpenAiExtractor, OpenAiSettings};
use persona_domain::{PersonaDraft, SourceBundle};
use persona_ports::PersonaExtractor;
use persona_tests::extractor_contract as extractor;
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "sk-contract";
const MODEL: &str = "gpt-4o-mini-2024-07-18";

/// A fake OpenAI whose model is [`MockModel`], and an extractor pointed at it. The server lives as
/// long as the returned value.
async fn fake_openai() -> (OpenAiExtractor, MockServer) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(MockModel)
        .mount(&server)
        .await;
    let extractor = OpenAiExtractor::new(OpenAiSettings {
        base_url: format!("{}/v1", server.uri()),
        api_key: Some(SecretString::from(KEY)),
        ..OpenAiSettings::default()
    })
    .expect("valid settings");
    (extractor, server)
}

/// The model: the mock extractor over the blocks in the first user message, each value's
/// evidence naming its block as the prompt named it (`[block:N]`).
struct MockModel;

impl Respond for MockModel {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Ok(body) = request.body_json::<Value>() else {
            return ResponseTemplate::new(400).set_body_string("the body is not JSON");
        };
        let prompt = body["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["role"] == "user")
            .find_map(|m| m["content"].as_str())
            .unwrap_or_default();
        let mut answer = serde_json::to_value(read(&blocks_shown(prompt))).expect("a draft");
        let schema = &body["response_format"]["json_schema"]["schema"];
        fit(&mut answer, schema, schema);
        let content = answer.to_string();
        if body["stream"] == true {
            streamed(&content, body["stream_options"]["include_usage"] == true)
        } else {
            ResponseTemplate::new(200).set_body_json(completion(&content))
        }
    }
}

/// The blocks a prompt shows, as `(name, text)`: each `[name]` marker line starts one, which runs
/// to the separator before the next marker or to the closing fence.
fn blocks_shown(prompt: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut rest = prompt;
    while let Some(start) = rest.find("[block:") {
        let after = &rest[start + 1..];
        let Some(close) = after.find("]\n") else {
            break;
        };
        let text = &after[close + 2..];
        let end = [text.find("\n\n---\n\n[block:"), text.find("\n```")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(text.len());
        blocks.push((after[..close].to_owned(), text[..end].to_owned()));
        rest = &text[end..];
    }
    blocks
}

/// The mock extractor's draft for the blocks, with each `block:i` (the i-th block shown) replaced
/// by the name the prompt gave that block.
fn read(blocks: &[(String, String)]) -> PersonaDraft {
    let texts: Vec<String> = blocks.iter().map(|(_, text)| text.clone()).collect();
    let Ok(bundle) = SourceBundle::parse(&texts, &[]) else {
        return PersonaDraft::default();
    };
    let mock = MockExtractor::new();
    // An `async_trait` method's future comes boxed and pinned.
    let mut extraction = mock.extract(&bundle);
    let Poll::Ready(Ok(extraction)) = extraction
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    else {
        panic!("the mock extractor answers at once and never fails");
    };
    let mut draft = extraction.draft;
    for evidence in &mut draft.evidence {
        let shown = blocks
            .iter()
            .enumerate()
            .find(|(i, _)| evidence.source == format!("block:{i}"));
        if let Some((_, (name, _))) = shown {
            evidence.source.clone_from(name);
        }
    }
    draft
}

/// Cuts `value` to the bounds `schema` sets (`maxItems`, `maxLength`), as a model whose server
/// compiles the schema into a grammar answers: a list keeps its first items, a string its first
/// characters (so a quote stays verbatim). `root` holds the `$defs` a `$ref` names.
fn fit(value: &mut Value, schema: &Value, root: &Value) {
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        return fit(value, &root["$defs"][name], root);
    }
    for alternative in schema["anyOf"].as_array().into_iter().flatten() {
        fit(value, alternative, root);
    }
    match value {
        Value::Array(items) => {
            if let Some(max) = schema["maxItems"].as_u64() {
                items.truncate(usize::try_from(max).unwrap_or(usize::MAX));
            }
            items
                .iter_mut()
                .for_each(|item| fit(item, &schema["items"], root));
        }
        Value::String(text) => {
            if let Some(max) = schema["maxLength"].as_u64() {
                let max = usize::try_from(max).unwrap_or(usize::MAX);
                *text = text.chars().take(max).collect();
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                fit(field, &schema["properties"][name.as_str()], root);
            }
        }
        _ => {}
    }
}

fn usage() -> Value {
    json!({ "prompt_tokens": 900, "completion_tokens": 120, "total_tokens": 1020 })
}

/// A `CreateChatCompletionResponse` whose message is `content`.
fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-contract", "object": "chat.completion", "created": 1_760_000_000,
        "model": MODEL,
        "choices": [{
            "index": 0, "logprobs": null, "finish_reason": "stop",
            "message": { "role": "assistant", "content": content, "refusal": null },
        }],
        "usage": usage(),
    })
}

/// `content` as server-sent `CreateChatCompletionStreamResponse` chunks of 40 characters, the
/// finish reason, the usage chunk when asked for, then `[DONE]`.
fn streamed(content: &str, include_usage: bool) -> ResponseTemplate {
    let chunk = |delta: Value, finish_reason: Value| {
        json!({
            "id": "chatcmpl-contract", "object": "chat.completion.chunk",
            "created": 1_760_000_000, "model": MODEL,
            "choices": [{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason }],
        })
    };
    let chars: Vec<char> = content.chars().collect();
    let mut events = vec![chunk(
        json!({ "role": "assistant", "content": "" }),
        Value::Null,
    )];
    for piece in chars.chunks(40) {
        let piece: String = piece.iter().collect();
        events.push(chunk(json!({ "content": piece }), Value::Null));
    }
    events.push(chunk(json!({}), json!("stop")));
    if include_usage {
        let mut last = chunk(json!({}), Value::Null);
        last["choices"] = json!([]);
        last["usage"] = usage();
        events.push(last);
    }
    let mut body: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    body.push_str("data: [DONE]\n\n");
    ResponseTemplate::new(200).set_body_raw(body, "text/event-stream")
}

#[tokio::test]
async fn extraction_reports_usage_and_yields_a_valid_persona() {
    let (openai, _server) = fake_openai().await;
    extractor::extraction_reports_usage_and_yields_a_valid_persona(&openai).await;
}

#[tokio::test]
async fn equal_bundles_give_equal_drafts() {
    let (openai, _server) = fake_openai().await;
    extractor::equal_bundles_give_equal_drafts(&openai).await;
}

#[tokio::test]
async fn evidence_quotes_are_verbatim_in_their_block() {
    let (openai, _server) = fake_openai().await;
    extractor::evidence_quotes_are_verbatim_in_their_block(&openai).await;
}

#[tokio::test]
async fn a_chunk_names_the_blocks_of_the_whole_material() {
    let (openai, _server) = fake_openai().await;
    extractor::a_chunk_names_the_blocks_of_the_whole_material(&openai).await;
}

/// The fake's streamed answer carries the same draft as its plain one, so a streaming adapter
/// meets the same model; both keep to the bounds of the schema sent.
#[tokio::test]
async fn the_fake_model_streams_the_answer_it_gives_whole() {
    let (_, server) = fake_openai().await;
    let ask = |stream: bool| {
        let prompt = "Text blocks:\n```text\n[block:0]\nI speak Welsh.\n\n---\n\n[block:1]\nMy name is Ann Jones.\n```\n";
        reqwest::Client::new()
            .post(format!("{}/v1/chat/completions", server.uri()))
            .bearer_auth(KEY)
            .json(&json!({
                "model": "m", "stream": stream, "stream_options": { "include_usage": true },
                "messages": [{ "role": "user", "content": prompt }],
                "response_format": { "type": "json_schema", "json_schema": { "name": "draft", "schema": {
                    "properties": {
                        "name": { "type": ["string", "null"], "maxLength": 3 },
                        "evidence": { "type": "array", "maxItems": 2, "items": { "$ref": "#/$defs/Evidence" } },
                    },
                    "$defs": { "Evidence": { "properties": { "quote": { "maxLength": 5 } } } },
                } } },
            }))
            .send()
    };
    let whole: Value = ask(false).await.expect("sent").json().await.expect("JSON");
    let content = whole["choices"][0]["message"]["content"]
        .as_str()
        .expect("content");
    let draft: PersonaDraft = serde_json::from_str(content).expect("a draft");
    assert_eq!(draft.name.as_deref(), Some("Ann"), "cut to its maxLength");
    assert_eq!(draft.languages, ["Welsh"]);
    let sources: Vec<&str> = draft.evidence.iter().map(|e| e.source.as_str()).collect();
    assert!(
        sources.contains(&"block:0") && sources.contains(&"block:1"),
        "{sources:?}"
    );
    assert_eq!(sources.len(), 2, "cut to its maxItems");
    assert!(draft.evidence.iter().all(|e| e.quote.chars().count() <= 5));

    let events = ask(true).await.expect("sent").text().await.expect("text");
    let mut streamed = String::new();
    let mut usage = Value::Null;
    for data in events
        .split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
    {
        if data == "[DONE]" {
            break;
        }
        let chunk: Value = serde_json::from_str(data).expect("a JSON chunk");
        streamed.push_str(
            chunk["choices"][0]["delta"]["content"]
                .as_str()
                .unwrap_or_default(),
        );
        if !chunk["usage"].is_null() {
            usage = chunk["usage"].clone();
        }
    }
    assert_eq!(streamed, content);
    assert_eq!(usage, whole["usage"]);
    assert!(events.ends_with("data: [DONE]\n\n"));
}
