//! Wire-level tests against a `wiremock` server, and the support they share: canned completions
//! and error bodies, each checked against OpenAI's OpenAPI description before it is served, and
//! the requests the adapter sent, each checked against it too.

mod answers;
mod errors;
mod request;
mod retries;
mod settings;
mod spec;
mod streaming;

use std::time::Duration;

use persona_domain::{Evidence, PersonaDraft, SourceBundle};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{OpenAiExtractor, OpenAiSettings, SchemaDialect};

/// The key the tests configure.
const KEY: &str = "sk-test-key-0123456789";
/// The path the adapter must post to under the fake's `/v1` base URL.
const ENDPOINT: &str = "/v1/chat/completions";

/// A fake Chat Completions server whose base URL has a path prefix (`{server}/v1`).
struct Fake {
    server: MockServer,
}

impl Fake {
    async fn start() -> Self {
        Self {
            server: MockServer::start().await,
        }
    }

    fn base_url(&self) -> String {
        format!("{}/v1", self.server.uri())
    }

    /// Answers the next unanswered request with `response`; responses queue in mount order.
    async fn then(&self, response: ResponseTemplate) {
        Mock::given(method("POST"))
            .and(path(ENDPOINT))
            .respond_with(response)
            .up_to_n_times(1)
            .mount(&self.server)
            .await;
    }

    /// Answers every request that nothing queued answers with `response`.
    async fn always(&self, response: ResponseTemplate) {
        Mock::given(method("POST"))
            .and(path(ENDPOINT))
            .respond_with(response)
            .with_priority(10)
            .mount(&self.server)
            .await;
    }

    /// Every request received, each body checked against `CreateChatCompletionRequest`.
    async fn requests(&self) -> Vec<wiremock::Request> {
        let requests = self.server.received_requests().await.expect("recording");
        for request in &requests {
            let body: Value = request.body_json().expect("a JSON body");
            spec::assert_request(&body);
        }
        requests
    }

    /// Every request body, each checked against the spec.
    async fn bodies(&self) -> Vec<Value> {
        self.requests()
            .await
            .iter()
            .map(|r| r.body_json().expect("a JSON body"))
            .collect()
    }

    /// An extractor for this fake with test settings, adjusted by `tweak`.
    fn extractor(&self, tweak: impl FnOnce(&mut OpenAiSettings)) -> OpenAiExtractor {
        let mut settings = OpenAiSettings {
            base_url: self.base_url(),
            api_key: Some(SecretString::from(KEY)),
            deadline: Duration::from_secs(10),
            // The fake stands for OpenAI, whatever its address.
            schema_dialect: Some(SchemaDialect::OpenAi),
            ..OpenAiSettings::default()
        };
        tweak(&mut settings);
        OpenAiExtractor::new(settings).expect("valid settings")
    }
}

/// The first call's completion budget with the default settings: the schema's bound.
fn budget() -> u32 {
    persona_domain::schema::answer_token_budget(&persona_domain::schema::draft_schema_for(
        SchemaDialect::Full,
    ))
}

/// The material every test extracts from.
const MATERIAL: &str =
    "Hi, my name is Maya Patel. I'm 34 years old and I work as a product designer.";

fn bundle() -> SourceBundle {
    SourceBundle::parse(&[MATERIAL.to_owned()], &[]).expect("valid bundle")
}

/// The draft the fake's model returns.
fn draft() -> PersonaDraft {
    PersonaDraft {
        name: Some("Maya Patel".into()),
        age: Some(34),
        occupation: Some("product designer".into()),
        background: "A product designer.".into(),
        evidence: vec![Evidence {
            field: "occupation".into(),
            quote: "I work as a product designer".into(),
            source: "block:0".into(),
        }],
        ..PersonaDraft::default()
    }
}

fn draft_json() -> String {
    serde_json::to_string(&draft()).expect("serialisable")
}

/// A completion whose message has `content` (or a `refusal`) and `finish_reason`, costing
/// `prompt` and `completion` tokens. Checked against `CreateChatCompletionResponse`.
fn completion_body(
    content: Option<&str>,
    refusal: Option<&str>,
    finish_reason: &str,
    (prompt, completion): (u32, u32),
) -> Value {
    let body = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_760_000_000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": { "role": "assistant", "content": content, "refusal": refusal },
            "logprobs": null,
            "finish_reason": finish_reason,
        }],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    });
    spec::assert_response(&body);
    body
}

/// A 200 with `content` that stopped normally, costing 100 + 20 tokens.
fn answer(content: &str) -> ResponseTemplate {
    answer_costing(content, (100, 20))
}

fn answer_costing(content: &str, tokens: (u32, u32)) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(completion_body(Some(content), None, "stop", tokens))
        .insert_header("x-request-id", "req_test")
}

/// A 200 with the canned draft.
fn good_answer() -> ResponseTemplate {
    answer(&draft_json())
}

/// An error body of OpenAI's shape, checked against `ErrorResponse`.
fn error_body(message: &str, kind: &str, param: Option<&str>, code: Option<&str>) -> Value {
    let body = json!({
        "error": { "message": message, "type": kind, "param": param, "code": code },
    });
    spec::assert_error(&body);
    body
}

/// A `status` answer with an OpenAI error of `kind` and `code`.
fn failure(status: u16, kind: &str, code: Option<&str>) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(error_body("scripted failure", kind, None, code))
        .insert_header("x-request-id", "req_failed")
}
