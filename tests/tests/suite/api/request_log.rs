//! The `request` log line reports what a request cost, failed extractions included.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::helpers::spawn_app;
use super::privacy::captured;

/// A fake OpenAI whose every completion is text that is no persona, costing 300 + 60 tokens.
async fn openai_answering_nonsense() -> MockServer {
    let server = MockServer::start().await;
    let completion = json!({
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_760_000_000,
        "model": "gpt-4o-mini",
        "choices": [{
            "index": 0, "logprobs": null, "finish_reason": "stop",
            "message": { "role": "assistant", "refusal": null, "content": "no persona here" },
        }],
        "usage": { "prompt_tokens": 300, "completion_tokens": 60, "total_tokens": 360 },
    });
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_failed_extraction_reports_its_attempts_and_tokens() {
    let logs = captured();
    let openai = openai_answering_nonsense().await;
    let app = spawn_app(&[
        ("OPENAI_BASE_URL", &format!("{}/v1", openai.uri())),
        ("OPENAI_API_KEY", "sk-test"),
    ])
    .await;
    let answer = app.process(&["I am Ada, a engineer."], &[]).await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(answer.code(), "EXTRACTION_FAILED");
    let calls = openai.received_requests().await.expect("recorded").len() as u64;
    assert!(calls >= 1);

    let request_id = answer.header("x-request-id").expect("a request id");
    let logged = String::from_utf8(logs.lock().expect("lock").clone()).expect("utf8");
    let line: Value = logged
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|l| l["fields"]["message"] == "request" && l["fields"]["request_id"] == request_id)
        .expect("the request line of the failed process");
    let fields = &line["fields"];
    assert_eq!(fields["status"], 422);
    assert_eq!(fields["adapter"], "openai");
    // Every call the model answered is counted, with what each cost.
    assert_eq!(fields["attempts"], calls, "{line}");
    assert_eq!(fields["prompt_tokens"], 300 * calls, "{line}");
    assert_eq!(fields["completion_tokens"], 60 * calls, "{line}");
}
