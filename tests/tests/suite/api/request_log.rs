//! The `request` log line reports what a request cost, failed extractions included.

use serde_json::Value;

use super::helpers::{fake_openai_answering, spawn_app};
use super::privacy::captured;

#[tokio::test]
async fn a_failed_extraction_reports_its_attempts_and_tokens() {
    let logs = captured();
    // Text that is no persona, on every call.
    let openai = fake_openai_answering("no persona here").await;
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
