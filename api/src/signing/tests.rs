//! The save path with signatures, through `Api::handle`: signed entries are stored verified,
//! unsigned or altered ones as the client's claim, or refused under `require`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use persona_domain::{PersonaDraft, PersonaId, SourceBundle, StoredPersona};
use persona_ports::{
    ExtractFailure, Extraction, PersonaExtractor, PersonaService, PersonaStore, StoreError, Usage,
};
use serde_json::{Value, json};

use crate::{Api, ApiSettings, CorsPolicy, RateLimitPolicy, Request, SignaturePolicy};
use persona_domain::GroundingKey;

mod accept;
mod require;

const SOURCE: &str = "My name is Ana Ruiz and I live in Valencia. I am good at chemistry, \
                      teaching and cooking.";

/// Returns the same draft whatever the material.
#[derive(Debug)]
struct FixedExtractor;

#[async_trait]
impl PersonaExtractor for FixedExtractor {
    fn name(&self) -> &'static str {
        "fixed"
    }
    async fn extract(&self, _: &SourceBundle) -> Result<Extraction, ExtractFailure> {
        Ok(Extraction {
            draft: PersonaDraft {
                name: Some("Ana Ruiz".into()),
                location: Some("Valencia".into()),
                skills: vec!["chemistry".into(), "teaching".into(), "cooking".into()],
                ..PersonaDraft::default()
            },
            usage: Usage {
                model: "fixed".into(),
                prompt_tokens: 0,
                completion_tokens: 0,
                attempts: 1,
            },
        })
    }
}

/// Keeps every document in memory.
#[derive(Debug, Default)]
struct Memory(Mutex<Vec<StoredPersona>>);

#[async_trait]
impl PersonaStore for Memory {
    fn name(&self) -> &'static str {
        "memory"
    }
    async fn create(&self, document: &StoredPersona) -> Result<(), StoreError> {
        self.0.lock().expect("not poisoned").push(document.clone());
        Ok(())
    }
    async fn get(&self, id: &PersonaId) -> Result<StoredPersona, StoreError> {
        let documents = self.0.lock().expect("not poisoned");
        let found = documents.iter().find(|d| d.id() == id).cloned();
        found.ok_or(StoreError::NotFound)
    }
}

fn api(key: Option<u8>, policy: SignaturePolicy) -> Api {
    let service = PersonaService::new(Arc::new(FixedExtractor), Arc::new(Memory::default()));
    let api = Api::new(
        service,
        ApiSettings {
            cors: CorsPolicy::Origins(vec![]),
            mock_mode: false,
            model: None,
            bucket: None,
            rate_limits: RateLimitPolicy::off(),
            deadline: Duration::from_secs(30),
        },
    );
    match key {
        Some(byte) => api.with_signatures(
            GroundingKey::new(vec![byte; 32]).expect("long enough"),
            policy,
        ),
        None => api,
    }
}

async fn call(api: &Api, request: Request) -> (u16, Value) {
    let response = api.handle(request).await;
    let body = serde_json::from_slice(&response.body).expect("json");
    (response.status, body)
}

async fn post(api: &Api, path: &str, body: &Value) -> (u16, Value) {
    let request = Request::new("POST", path)
        .with_header("content-type", "application/json")
        .with_body(body.to_string());
    call(api, request).await
}

/// process-persona's `data`.
async fn process(api: &Api) -> Value {
    let (status, body) = post(
        api,
        "/api/process-persona",
        &json!({ "textBlocks": [SOURCE] }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["data"].clone()
}

/// Saves `persona` with `grounding` and reads it back: the status of the save and, when it was
/// saved, the `verified` flag of each entry of the stored grounding, by pointer.
async fn save_and_get(api: &Api, persona: &Value, grounding: &Value) -> (u16, Value) {
    let (status, saved) = post(
        api,
        "/api/save-persona",
        &json!({ "persona": persona, "grounding": grounding }),
    )
    .await;
    if status != 201 {
        return (status, saved);
    }
    let id = saved["data"]["id"].as_str().expect("an id");
    let (status, got) = call(
        api,
        Request::new("GET", "/api/get-persona").with_query(format!("id={id}")),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    let flags = got["data"]["grounding"]["fields"]
        .as_object()
        .expect("fields")
        .iter()
        .map(|(pointer, entry)| (pointer.clone(), entry["verified"].clone()))
        .collect();
    (201, Value::Object(flags))
}
