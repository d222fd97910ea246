//! The contract through `Api::handle`, with port doubles that fail on purpose: the error mapping
//! as a client sees it. Success paths are covered black-box in the `tests` crate.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use persona_domain::{PersonaId, SourceBundle, StoredPersona};
use persona_ports::{
    ExtractError, ExtractFailure, Extraction, PersonaExtractor, PersonaStore, StoreError,
};
use serde_json::Value;

use super::*;

mod errors;
mod pipeline;

#[derive(Debug)]
struct FailingExtractor(ExtractError);

#[async_trait]
impl PersonaExtractor for FailingExtractor {
    fn name(&self) -> &'static str {
        "failing"
    }
    async fn extract(&self, _: &SourceBundle) -> Result<Extraction, ExtractFailure> {
        Err(self.0.clone().into())
    }
}

/// An extractor that never answers, for the request deadline.
#[derive(Debug)]
struct SilentExtractor;

#[async_trait]
impl PersonaExtractor for SilentExtractor {
    fn name(&self) -> &'static str {
        "silent"
    }
    async fn extract(&self, _: &SourceBundle) -> Result<Extraction, ExtractFailure> {
        std::future::pending().await
    }
}

#[derive(Debug)]
struct FailingStore(StoreError);

#[async_trait]
impl PersonaStore for FailingStore {
    fn name(&self) -> &'static str {
        "failing"
    }
    async fn create(&self, _: &StoredPersona) -> Result<(), StoreError> {
        Err(self.0.clone())
    }
    async fn get(&self, _: &PersonaId) -> Result<StoredPersona, StoreError> {
        Err(self.0.clone())
    }
}

fn settings() -> ApiSettings {
    ApiSettings {
        cors: CorsPolicy::Origins(vec![]),
        mock_mode: false,
        model: None,
        bucket: None,
        rate_limits: RateLimitPolicy::off(),
        deadline: Duration::from_secs(30),
    }
}

pub(crate) fn api(extract: ExtractError, store: StoreError) -> Api {
    let service = PersonaService::new(
        Arc::new(FailingExtractor(extract)),
        Arc::new(FailingStore(store)),
    );
    Api::new(service, settings())
}

fn json_post(path: &str, body: &str) -> Request {
    Request::new("POST", path)
        .with_header("content-type", "application/json")
        .with_body(body)
}

fn body(response: &Response) -> Value {
    serde_json::from_slice(&response.body).expect("json body")
}

async fn process_with(error: ExtractError) -> Response {
    api(error, StoreError::NotFound)
        .handle(json_post(
            "/api/process-persona",
            r#"{"textBlocks":["I am Ada."]}"#,
        ))
        .await
}
