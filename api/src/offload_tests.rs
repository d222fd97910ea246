//! Bodies read through an injected [`Offload`]: the work goes there, and a job that never ends
//! still gives the request its 504 when the timer fires.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use persona_domain::{PersonaId, SourceBundle, StoredPersona};
use persona_ports::{
    ExtractError, ExtractFailure, Extraction, Offload, PersonaExtractor, PersonaStore, StoreError,
};
use serde_json::Value;

use super::*;
use crate::handlers::INLINE_BODY_BYTES;

#[derive(Debug)]
struct Refusing;

#[async_trait]
impl PersonaExtractor for Refusing {
    fn name(&self) -> &'static str {
        "refusing"
    }
    async fn extract(&self, _: &SourceBundle) -> Result<Extraction, ExtractFailure> {
        Err(ExtractError::Refused.into())
    }
}

#[derive(Debug)]
struct Missing;

#[async_trait]
impl PersonaStore for Missing {
    fn name(&self) -> &'static str {
        "missing"
    }
    async fn create(&self, _: &StoredPersona) -> Result<(), StoreError> {
        Err(StoreError::NotFound)
    }
    async fn get(&self, _: &PersonaId) -> Result<StoredPersona, StoreError> {
        Err(StoreError::NotFound)
    }
}

fn api() -> Api {
    let settings = ApiSettings {
        cors: CorsPolicy::Origins(vec![]),
        mock_mode: false,
        model: None,
        bucket: None,
        rate_limits: RateLimitPolicy::off(),
        deadline: Duration::from_secs(30),
    };
    Api::new(
        PersonaService::new(Arc::new(Refusing), Arc::new(Missing)),
        settings,
    )
}

/// An offload that runs each job at once and counts them.
fn counting(jobs: &Arc<AtomicUsize>) -> Offload {
    let jobs = Arc::clone(jobs);
    Offload::new(move |job| {
        jobs.fetch_add(1, Ordering::SeqCst);
        job();
        Box::pin(std::future::ready(()))
    })
}

/// An offload whose jobs never get a turn: a pool busy for ever.
fn stuck() -> Offload {
    Offload::new(|_job| Box::pin(std::future::pending()))
}

fn post(path: &str, body: &str) -> Request {
    Request::new("POST", path)
        .with_header("content-type", "application/json")
        .with_body(body)
}

/// `body` padded with trailing whitespace (which JSON ignores) past the size read inline.
fn large(body: &str) -> String {
    format!("{body}{}", " ".repeat(INLINE_BODY_BYTES))
}

fn code(response: &Response) -> Value {
    let body: Value = serde_json::from_slice(&response.body).expect("json");
    body["error"]["code"].clone()
}

#[tokio::test]
async fn a_process_body_is_read_through_the_offload() {
    let jobs = Arc::new(AtomicUsize::new(0));
    let api = api().with_offload(counting(&jobs));
    let refused = api
        .handle(post(
            "/api/process-persona",
            &large(r#"{"textBlocks":["I am Ada."]}"#),
        ))
        .await;
    // The body was read (the extractor's refusal is the answer) and its reading was one job.
    assert_eq!(refused.status, 422);
    assert_eq!(jobs.load(Ordering::SeqCst), 1);
    let invalid = api
        .handle(post("/api/process-persona", &large(r#"{"textBlocks":[]}"#)))
        .await;
    assert_eq!(invalid.status, 400, "{:?}", code(&invalid));
    assert_eq!(jobs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_save_body_is_read_and_checked_through_the_offload() {
    let jobs = Arc::new(AtomicUsize::new(0));
    let api = api().with_offload(counting(&jobs));
    let broken = api
        .handle(post(
            "/api/save-persona",
            &large(r#"{"persona":{"name":"","age":300}}"#),
        ))
        .await;
    assert_eq!(broken.status, 400);
    assert_eq!(code(&broken), "INVALID_REQUEST");
    assert_eq!(jobs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_job_that_never_runs_gives_504_when_the_deadline_passes() {
    let fired: Sleep = Arc::new(|_| Box::pin(std::future::ready(())));
    let api = api().with_offload(stuck()).with_timer(fired);
    for (path, body) in [
        ("/api/process-persona", r#"{"textBlocks":["I am Ada."]}"#),
        ("/api/save-persona", r#"{"persona":{"name":"Ada"}}"#),
    ] {
        let response = api.handle(post(path, &large(body))).await;
        assert_eq!(response.status, 504, "{path}");
        assert_eq!(code(&response), "UPSTREAM_TIMEOUT", "{path}");
    }
    // Health needs no job: it answers while the offload is stuck.
    let health = api.handle(Request::new("GET", "/api/health")).await;
    assert_eq!(health.status, 200);
}

#[tokio::test]
async fn a_small_body_is_read_without_the_offload() {
    let jobs = Arc::new(AtomicUsize::new(0));
    let api = api().with_offload(counting(&jobs));
    let small = r#"{"persona":{"name":"","age":300}}"#;
    let at_the_bound = format!("{small}{}", " ".repeat(INLINE_BODY_BYTES - small.len()));
    for body in [small, at_the_bound.as_str()] {
        let broken = api.handle(post("/api/save-persona", body)).await;
        assert_eq!(broken.status, 400);
        assert_eq!(code(&broken), "INVALID_REQUEST");
    }
    assert_eq!(jobs.load(Ordering::SeqCst), 0, "read on the request's task");
    let over = format!("{at_the_bound} ");
    let broken = api.handle(post("/api/save-persona", &over)).await;
    assert_eq!(broken.status, 400);
    assert_eq!(
        jobs.load(Ordering::SeqCst),
        1,
        "one byte over the bound goes to the offload"
    );
}
