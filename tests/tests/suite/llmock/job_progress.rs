//! A background job shows the tokens a model streams while its call runs: llmock stalls its
//! stream after a few chunks, and get-job meanwhile says the job is running with no chunk done
//! and those tokens written.

use std::time::Duration;

use serde_json::{Value, json};

use super::llmock;
use crate::api::helpers::spawn_app;

/// Chunks llmock streams before it stalls, and how long it stalls (long enough for a job's
/// progress, written every second, to be read several times).
const BEFORE_STALL: u32 = 3;
const STALL_SECONDS: u32 = 8;

#[tokio::test]
async fn a_jobs_progress_counts_the_tokens_streamed_before_its_chunk_ends() {
    let Some(llmock) = llmock("job-progress").await else {
        return;
    };
    llmock
        .script(&[json!({ "type": "stream_fault", "kind": "stall",
                          "after_chunks": BEFORE_STALL, "stall_seconds": STALL_SECONDS })])
        .await;
    let app = spawn_app(&[
        ("OPENAI_BASE_URL", &llmock.base_url()),
        ("OPENAI_API_KEY", "sk-llmock"),
        ("OPENAI_MODEL", &llmock.model),
        ("PROCESS_CACHE", "off"),
        ("PROCESS_DEADLINE_MS", "60000"),
    ])
    .await;
    let accepted = app
        .send(
            app.client
                .post(app.url("/api/process-persona"))
                .header("prefer", "respond-async")
                .json(&json!({ "textBlocks": ["My name is Ada Lovelace. I live in London."] })),
        )
        .await;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    let location = accepted.header("location").expect("a location").to_owned();

    let mut streaming: Option<Value> = None;
    let done = loop {
        let answer = app.get(&location).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        let job = answer.body["data"]["job"].clone();
        let progress = &job["progress"];
        if job["status"] == "running" && progress["completion_tokens"].as_u64() > Some(0) {
            assert_eq!(progress["chunks_done"], 0, "{job}");
            streaming.get_or_insert(progress.clone());
        }
        if job["status"] == "succeeded" || job["status"] == "failed" {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    let streaming = streaming.expect("a running job showed the tokens streamed so far");
    let told = streaming["completion_tokens"].as_u64().expect("a count");
    assert!(told <= u64::from(BEFORE_STALL), "{streaming}");
    assert_eq!(streaming["chunks_total"], 1);
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(
        done["progress"]["completion_tokens"], done["data"]["usage"]["completion_tokens"],
        "once ended, the counted tokens"
    );
    let served = llmock.served().await;
    assert_eq!(served.len(), 1, "one call, the stall sat through");
}
