//! A worker killed mid-job: the first instance runs its job on a runtime of its own, which is
//! shut down under it (its tasks dropped where they stand, as SIGKILL leaves them); a second
//! instance over the same record store then finds the job and ends it.
//!
//! The record store is shared in memory here, so the kill lands at a chosen point (the model
//! never answers) without a model. The same across real processes, `persona-server` killed
//! with SIGKILL and started again over its data folder, is
//! `app-http/tests/binary/killed_mid_job.rs`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use persona_adapters_mock::{MemoryRecords, MemoryStore, MockExtractor};
use persona_api::{Api, ApiSettings, CorsPolicy, RateLimitPolicy, Request, Response};
use persona_ports::{
    ExtractFailure, Extraction, JobPolicy, PersonaExtractor, PersonaService, RecordStore,
    SourceBundle,
};
use persona_wiring::jobs::job_pool;
use serde_json::Value;

/// An extractor that never answers: the job stays running until its worker is killed.
#[derive(Debug)]
struct Hanging;

#[async_trait]
impl PersonaExtractor for Hanging {
    fn name(&self) -> &'static str {
        "hanging"
    }
    async fn extract(&self, _: &SourceBundle) -> Result<Extraction, ExtractFailure> {
        std::future::pending().await
    }
}

fn policy(max_runs: u32) -> JobPolicy {
    JobPolicy {
        stale_after: Duration::from_millis(1_000),
        max_runs,
        ..JobPolicy::default()
    }
}

/// An instance: `extractor` over the shared `records`, with a worker pool on the current
/// runtime.
fn instance(
    extractor: Arc<dyn PersonaExtractor>,
    records: &Arc<dyn RecordStore>,
    max_runs: u32,
) -> Api {
    instance_with(extractor, records, policy(max_runs))
}

/// [`instance`] under `policy`.
fn instance_with(
    extractor: Arc<dyn PersonaExtractor>,
    records: &Arc<dyn RecordStore>,
    policy: JobPolicy,
) -> Api {
    let service = PersonaService::new(extractor, Arc::new(MemoryStore::new()))
        .with_records(Arc::clone(records));
    let settings = ApiSettings {
        cors: CorsPolicy::Origins(vec![]),
        mock_mode: false,
        model: None,
        bucket: None,
        rate_limits: RateLimitPolicy::off(),
        deadline: Duration::from_secs(30),
    };
    Api::new(service, settings)
        .with_timer(Arc::new(|d| Box::pin(tokio::time::sleep(d))))
        .with_jobs(policy, job_pool(1, 10))
}

fn json(response: &Response) -> Value {
    serde_json::from_slice(&response.body).expect("json")
}

async fn get(api: &Api, location: &str) -> Value {
    let (path, query) = location.split_once('?').expect("a query");
    let answer = api
        .handle(Request::new("GET", path).with_query(query))
        .await;
    assert_eq!(answer.status, 200);
    json(&answer)["data"]["job"].clone()
}

/// Submits a job to an instance whose worker hangs, waits until it runs, then kills that
/// instance's runtime. Returns the job's location.
async fn start_then_kill(records: &Arc<dyn RecordStore>, max_runs: u32) -> String {
    let doomed = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let shared = Arc::clone(records);
    let location = doomed
        .spawn(async move {
            let api = instance(Arc::new(Hanging), &shared, max_runs);
            let answer = api
                .handle(
                    Request::new("POST", "/api/process-persona")
                        .with_header("content-type", "application/json")
                        .with_header("prefer", "respond-async")
                        .with_body(r#"{"textBlocks":["My name is Ada. I live in London."]}"#),
                )
                .await;
            assert_eq!(answer.status, 202);
            let location = answer.header("location").expect("location").to_owned();
            while get(&api, &location).await["status"] != "running" {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            location
        })
        .await
        .expect("the first instance submits");
    doomed.shutdown_background();
    location
}

/// Reads the job through `api` until it has ended.
async fn until_over(api: &Api, location: &str) -> Value {
    loop {
        let job = get(api, location).await;
        if job["status"] == "succeeded" || job["status"] == "failed" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_job_whose_worker_was_killed_is_resumed_by_the_next_instance_and_succeeds() {
    let records: Arc<dyn RecordStore> = Arc::new(MemoryRecords::new());
    let location = start_then_kill(&records, 2).await;
    let restarted = instance(Arc::new(MockExtractor::new()), &records, 2);
    // At start its heartbeat is still fresh: another worker may hold it, so it is left alone.
    assert_eq!(restarted.resume_jobs().await, 0);
    assert_eq!(get(&restarted, &location).await["status"], "running");
    let job = until_over(&restarted, &location).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["data"]["persona"]["name"], "Ada");
    // Once succeeded was reported, it stays so.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let again = get(&restarted, &location).await;
    assert_eq!(
        (&again["status"], &again["data"]),
        (&job["status"], &job["data"])
    );
}

#[tokio::test]
async fn a_job_whose_worker_was_killed_with_no_runs_left_fails_as_retryable() {
    let records: Arc<dyn RecordStore> = Arc::new(MemoryRecords::new());
    let location = start_then_kill(&records, 1).await;
    let restarted = instance(Arc::new(MockExtractor::new()), &records, 1);
    let job = until_over(&restarted, &location).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["error"]["retryable"], true);
    assert_eq!(job["error"]["code"], "INTERNAL");
    assert!(job.get("data").is_none());
}

#[tokio::test]
async fn a_stale_job_found_at_start_is_resumed_there() {
    let records: Arc<dyn RecordStore> = Arc::new(MemoryRecords::new());
    let location = start_then_kill(&records, 2).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let restarted = instance(Arc::new(MockExtractor::new()), &records, 2);
    assert_eq!(restarted.resume_jobs().await, 1);
    let job = until_over(&restarted, &location).await;
    assert_eq!(job["status"], "succeeded", "{job}");
}

#[tokio::test]
async fn a_running_jobs_progress_reaches_its_readers_while_it_runs() {
    let records: Arc<dyn RecordStore> = Arc::new(MemoryRecords::new());
    // A heartbeat once a minute: the progress must reach the record before it, within a tick.
    let slow_beat = JobPolicy {
        stale_after: Duration::from_secs(240),
        ..JobPolicy::default()
    };
    let api = instance_with(Arc::new(Hanging), &records, slow_beat);
    let answer = api
        .handle(
            Request::new("POST", "/api/process-persona")
                .with_header("content-type", "application/json")
                .with_header("prefer", "respond-async")
                .with_body(r#"{"textBlocks":["My name is Ada."]}"#),
        )
        .await;
    assert_eq!(answer.status, 202);
    assert_eq!(json(&answer)["data"]["job"]["progress"]["chunks_total"], 0);
    let location = answer.header("location").expect("location").to_owned();
    // The service reports the extraction's start (0 of 1 chunks) before the model answers,
    // which it never does here: only the worker's progress write can show it.
    loop {
        let job = get(&api, &location).await;
        if job["progress"]["chunks_total"] == 1 {
            assert_eq!(job["status"], "running");
            assert_eq!(job["progress"]["chunks_done"], 0);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
