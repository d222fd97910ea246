//! The extractor contract run against the OpenAI adapter, over a `wiremock` server that answers
//! every chat completion with one schema-valid canned draft.
//!
//! The canned server is deterministic but the real API is not, so the adapter claims neither
//! determinism nor verbatim evidence: those are the model's, not the adapter's, to promise.

use persona_adapters_openai::{OpenAiExtractor, OpenAiSettings};
use persona_domain::{Evidence, PersonaDraft};
use persona_tests::extractor_contract::{self as extractor, Capabilities};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CAPS: Capabilities = Capabilities {
    deterministic: false,
    verbatim_evidence: false,
};

/// A fake OpenAI answering with a canned draft, and an extractor pointed at it. The server
/// lives as long as the returned value.
async fn fake_openai() -> (OpenAiExtractor, MockServer) {
    let server = MockServer::start().await;
    let draft = PersonaDraft {
        name: Some("Maya Patel".into()),
        age: Some(34),
        occupation: Some("product designer".into()),
        location: Some("Berlin".into()),
        background: "A product designer in Berlin.".into(),
        interests: vec!["climbing".into(), "jazz".into()],
        languages: vec!["English".into(), "German".into()],
        evidence: vec![Evidence {
            field: "location".into(),
            quote: "I live in Berlin.".into(),
            source: "block:0".into(),
        }],
        ..PersonaDraft::default()
    };
    let completion = json!({
        "id": "chatcmpl-contract",
        "object": "chat.completion",
        "created": 1_760_000_000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": serde_json::to_string(&draft).expect("serialisable"),
                "refusal": null,
            },
            "logprobs": null,
            "finish_reason": "stop",
        }],
        "usage": { "prompt_tokens": 900, "completion_tokens": 120, "total_tokens": 1020 },
    });
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-contract"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion))
        .mount(&server)
        .await;
    let extractor = OpenAiExtractor::new(OpenAiSettings {
        base_url: format!("{}/v1", server.uri()),
        api_key: Some(SecretString::from("sk-contract")),
        ..OpenAiSettings::default()
    })
    .expect("valid settings");
    (extractor, server)
}

#[tokio::test]
async fn extraction_reports_usage_and_yields_a_valid_persona() {
    let (openai, _server) = fake_openai().await;
    extractor::extraction_reports_usage_and_yields_a_valid_persona(&openai).await;
}

#[tokio::test]
async fn equal_bundles_give_equal_drafts() {
    let (openai, _server) = fake_openai().await;
    extractor::equal_bundles_give_equal_drafts(&openai, CAPS).await;
}

#[tokio::test]
async fn evidence_quotes_are_verbatim_in_their_block() {
    let (openai, _server) = fake_openai().await;
    extractor::evidence_quotes_are_verbatim_in_their_block(&openai, CAPS).await;
}
