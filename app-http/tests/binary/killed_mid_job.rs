//! `persona-server` killed with SIGKILL while a job waits on the model, then started again over
//! the same data folder: the job is resumed and succeeds, or with no runs left ends `failed`
//! and retryable; a job that had succeeded before the kill reads the same afterwards.
//!
//! Real mode against llmock, jobs in the file store (`PERSONA_DATA_DIR`). The model call of the
//! doomed run is held by a scripted `delay` far longer than the test; llmock answers the next
//! call at once, so a resumed run succeeds. Only states are asserted, never times.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::llmock::Llmock;
use crate::server::Server;

/// How long the doomed run's model call is held: it never answers within the test.
const HELD_SECONDS: u64 = 60;

/// Starts the server in real mode at llmock over the data folder `data`, with `extra`.
async fn start(llmock: &Llmock, data: &Path, extra: &[(&str, &str)]) -> Server {
    let base_url = llmock.base_url();
    let data_dir = data.display().to_string();
    let mut vars = vec![
        ("OPENAI_BASE_URL", base_url.as_str()),
        ("OPENAI_API_KEY", "sk-llmock"),
        ("OPENAI_MODEL", llmock.model.as_str()),
        ("PERSONA_DATA_DIR", data_dir.as_str()),
        ("RATE_LIMIT_PER_MINUTE", "0"),
    ];
    vars.extend_from_slice(extra);
    let server = Server::start(data, &vars).await;
    let health = get(&server, "/api/health").await;
    assert_eq!(
        (&health["data"]["extractor"], &health["data"]["store"]),
        (&json!("openai"), &json!("fs")),
        "{health}"
    );
    server
}

async fn get(server: &Server, path: &str) -> Value {
    let answer = reqwest::get(server.url(path)).await.expect("sent");
    assert_eq!(answer.status().as_u16(), 200, "{path}");
    answer.json().await.expect("json")
}

/// Submits `text` as a job; returns its location.
async fn submit(server: &Server, text: &str) -> String {
    let answer = reqwest::Client::new()
        .post(server.url("/api/process-persona"))
        .header("prefer", "respond-async")
        .json(&json!({ "textBlocks": [text] }))
        .send()
        .await
        .expect("sent");
    assert_eq!(answer.status().as_u16(), 202);
    answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a location")
        .to_owned()
}

async fn job(server: &Server, location: &str) -> Value {
    get(server, location).await["data"]["job"].clone()
}

/// Reads the job until it has ended (each read a little later than the last). A job still
/// open after [`READS`] reads (well over a minute) was left running for ever: that fails here
/// rather than hanging the run.
async fn until_over(server: &Server, location: &str) -> Value {
    let mut wait = Duration::from_millis(20);
    for _ in 0..READS {
        let job = job(server, location).await;
        if job["status"] == "succeeded" || job["status"] == "failed" {
            return job;
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_millis(250));
    }
    panic!("the job at {location} never ended after the restart");
}

/// How many reads [`until_over`] makes before it calls a job abandoned.
const READS: u32 = 400;

/// Submits `text` with the model's next answer held, and returns once the job is `running`
/// and its model call has reached llmock (the held behaviour is no longer queued): the kill
/// then lands mid-call.
async fn submit_held(server: &Server, llmock: &Llmock, text: &str) -> String {
    llmock
        .script(json!({ "type": "delay", "seconds": HELD_SECONDS }))
        .await;
    let location = submit(server, text).await;
    loop {
        let status = job(server, &location).await["status"].clone();
        assert!(status == "queued" || status == "running", "{status}");
        if status == "running" && llmock.pending().await == 0 {
            return location;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_job_killed_mid_call_is_resumed_by_the_next_server_and_one_that_had_succeeded_is_kept() {
    let Some(llmock) = Llmock::for_test("killed-resumed").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let first = start(&llmock, dir.path(), &[]).await;
    let done = submit(&first, "My name is Ada Lovelace. I live in London.").await;
    let before = until_over(&first, &done).await;
    assert_eq!(before["status"], "succeeded", "{before}");
    let held = submit_held(
        &first,
        &llmock,
        "My name is Grace Hopper. I live in New York.",
    )
    .await;
    first.kill();

    let second = start(&llmock, dir.path(), &[("JOB_STALE_AFTER_MS", "2000")]).await;
    // Nothing lost: the job that had succeeded reads exactly as it did, result and all.
    assert_eq!(job(&second, &done).await, before);
    let resumed = until_over(&second, &held).await;
    assert_eq!(resumed["status"], "succeeded", "{resumed}");
    // The persona comes from the second run's call, which llmock answered at once.
    let data = &resumed["data"];
    assert!(data["persona"]["name"].is_string(), "{data}");
    assert_eq!(data["usage"]["model"], llmock.model.as_str());
    assert_eq!(data["usage"]["attempts"], 1);
    assert_eq!(
        resumed["progress"]["chunks_done"],
        resumed["progress"]["chunks_total"]
    );
    // Once succeeded was reported, it stays so.
    assert_eq!(job(&second, &held).await, resumed);
}

#[tokio::test]
async fn a_job_killed_mid_call_with_no_runs_left_fails_as_retryable_after_the_restart() {
    let Some(llmock) = Llmock::for_test("killed-failed").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let one_run = [("JOB_MAX_RUNS", "1")];
    let first = start(&llmock, dir.path(), &one_run).await;
    let held = submit_held(
        &first,
        &llmock,
        "My name is Ada Lovelace. I live in London.",
    )
    .await;
    first.kill();

    let second = start(
        &llmock,
        dir.path(),
        &[("JOB_MAX_RUNS", "1"), ("JOB_STALE_AFTER_MS", "2000")],
    )
    .await;
    let failed = until_over(&second, &held).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["error"]["code"], "INTERNAL");
    assert_eq!(failed["error"]["retryable"], true);
    assert!(failed.get("data").is_none(), "{failed}");
    assert_eq!(job(&second, &held).await, failed);
}
