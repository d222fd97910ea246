//! A background job through the Netlify CLI: process-persona stores the job and hands it to the
//! background function `process-persona-background`, which runs it in another process and
//! writes its progress and result to the record store, where get-job (a third function) reads
//! them. Nothing but the shared files carries the job from one function to the next.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::setting;

/// How long a mock-mode job may take before the test gives up on it: each function may start
/// afresh under the CLI, and the machine may be busy; a job that never ends fails the test.
const GIVE_UP_AFTER: Duration = Duration::from_secs(90);

#[tokio::test]
async fn the_functions_run_a_background_job_to_its_end() {
    let Some(base) = setting("NETLIFY_URL", "the address of .ci/start-netlify") else {
        return;
    };
    let client = reqwest::Client::new();
    // A material no other case sends, so that no cached answer stands in for the job's work.
    let nonce = std::process::id();
    let body = json!({"textBlocks": [format!(
        "Hi, my name is Iris Vance. I am 37 years old. I live in Lisbon. I work as a ceramicist. \
         I love tide pools and old radios. Reference {nonce}."
    )]});
    let submitted = client
        .post(format!("{base}/api/process-persona"))
        .header("prefer", "respond-async")
        .json(&body)
        .send()
        .await
        .expect("process-persona answers");
    assert_eq!(submitted.status().as_u16(), 202);
    let location = submitted
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location to follow")
        .to_owned();
    let accepted: Value = submitted.json().await.expect("JSON");
    let id = accepted["data"]["job"]["id"].as_str().expect("a job id");
    assert_eq!(location, format!("/api/get-job?id={id}"));

    let started = Instant::now();
    let job = loop {
        let answer = client
            .get(format!("{base}{location}"))
            .send()
            .await
            .expect("get-job answers");
        assert_eq!(answer.status().as_u16(), 200);
        let job = answer.json::<Value>().await.expect("JSON")["data"]["job"].clone();
        match job["status"].as_str() {
            Some("succeeded" | "failed") => break job,
            Some("queued" | "running") => {}
            other => panic!("a job status is one of four, not {other:?}"),
        }
        assert!(
            started.elapsed() < GIVE_UP_AFTER,
            "the job was still {} after {GIVE_UP_AFTER:?}",
            job["status"]
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(
        job["progress"]["chunks_done"],
        job["progress"]["chunks_total"]
    );

    // The job's data is what a synchronous call answers for the same material.
    let now: Value = client
        .post(format!("{base}/api/process-persona"))
        .json(&body)
        .send()
        .await
        .expect("process-persona answers")
        .json()
        .await
        .expect("JSON");
    for part in ["persona", "grounding", "warnings"] {
        assert_eq!(job["data"][part], now["data"][part], "{part}");
    }
    assert_eq!(job["data"]["persona"]["name"], "Iris Vance");
}
