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

#[tokio::test]
async fn process_signs_every_entry_and_a_save_of_it_is_verified() {
    let api = api(Some(1), SignaturePolicy::Accept);
    let data = process(&api).await;
    let fields = data["grounding"]["fields"].as_object().expect("fields");
    assert_eq!(fields.len(), 5, "{fields:?}");
    assert!(
        fields
            .values()
            .all(|e| e["signature"].as_str().map(str::len) == Some(32))
    );
    let (status, flags) = save_and_get(&api, &data["persona"], &data["grounding"]).await;
    assert_eq!(status, 201);
    assert_eq!(
        flags,
        json!({"/name": true, "/location": true, "/skills/0": true, "/skills/1": true, "/skills/2": true})
    );
}

#[tokio::test]
async fn unsigned_and_altered_entries_are_stored_as_the_clients_claim() {
    let api = api(Some(1), SignaturePolicy::Accept);
    let data = process(&api).await;
    let mut grounding = data["grounding"].clone();
    let fields = &mut grounding["fields"];
    fields["/name"]
        .as_object_mut()
        .expect("entry")
        .remove("signature");
    fields["/location"]["span"]["start"] = json!(0);
    // A client cannot set the flag itself.
    fields["/skills/0"]["verified"] = json!(true);
    fields["/skills/0"]["signature"] = json!("0".repeat(32));
    let (status, flags) = save_and_get(&api, &data["persona"], &grounding).await;
    assert_eq!(status, 201);
    assert_eq!(
        flags,
        json!({"/name": false, "/location": false, "/skills/0": false, "/skills/1": true, "/skills/2": true})
    );
}

#[tokio::test]
async fn a_removed_list_item_keeps_the_others_verified() {
    let api = api(Some(1), SignaturePolicy::Require);
    let data = process(&api).await;
    let mut persona = data["persona"].clone();
    persona["skills"] = json!(["chemistry", "cooking"]);
    let mut grounding = data["grounding"].clone();
    let old = grounding["fields"].clone();
    let fields = grounding["fields"].as_object_mut().expect("fields");
    fields.remove("/skills/2");
    fields.insert("/skills/1".into(), old["/skills/2"].clone());
    let status = old["/skills/1"]["status"]
        .as_str()
        .expect("a status")
        .to_owned();
    grounding["counts"][&status] =
        json!(grounding["counts"][&status].as_u64().expect("a count") - 1);
    let (status, flags) = save_and_get(&api, &persona, &grounding).await;
    assert_eq!(status, 201, "{flags}");
    assert_eq!(
        flags,
        json!({"/name": true, "/location": true, "/skills/0": true, "/skills/1": true})
    );
}

#[tokio::test]
async fn require_refuses_an_unverified_entry_and_says_what_to_do() {
    let api = api(Some(1), SignaturePolicy::Require);
    let data = process(&api).await;
    let mut grounding = data["grounding"].clone();
    grounding["fields"]["/location"]
        .as_object_mut()
        .expect("entry")
        .remove("signature");
    let (status, body) = save_and_get(&api, &data["persona"], &grounding).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "INVALID_REQUEST");
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(
        message.contains("exactly as process-persona returned it"),
        "{message}"
    );
    assert_eq!(
        body["error"]["details"],
        json!([{
            "field": "/grounding/fields/~1location/signature",
            "message": "no signature of this server holds for this entry and value",
        }])
    );
    // The same save without the entry is fine.
    grounding["fields"]
        .as_object_mut()
        .expect("fields")
        .remove("/location");
    grounding["counts"]["stated"] = json!(grounding["counts"]["stated"].as_u64().expect("n") - 1);
    let (status, body) = save_and_get(&api, &data["persona"], &grounding).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn another_servers_key_is_not_this_servers() {
    let ours = api(Some(1), SignaturePolicy::Accept);
    let same_key = api(Some(1), SignaturePolicy::Accept);
    let other_key = api(Some(2), SignaturePolicy::Accept);
    let data = process(&ours).await;
    let (_, flags) = save_and_get(&same_key, &data["persona"], &data["grounding"]).await;
    assert!(
        flags
            .as_object()
            .expect("flags")
            .values()
            .all(|v| v == true),
        "{flags}"
    );
    let (_, flags) = save_and_get(&other_key, &data["persona"], &data["grounding"]).await;
    assert!(
        flags
            .as_object()
            .expect("flags")
            .values()
            .all(|v| v == false),
        "{flags}"
    );
}

#[tokio::test]
async fn without_a_key_nothing_is_signed_and_nothing_verified() {
    let api = api(None, SignaturePolicy::Accept);
    let data = process(&api).await;
    let fields = data["grounding"]["fields"].as_object().expect("fields");
    assert!(fields.values().all(|e| e.get("signature").is_none()));
    let (status, flags) = save_and_get(&api, &data["persona"], &data["grounding"]).await;
    assert_eq!(status, 201);
    assert!(
        flags
            .as_object()
            .expect("flags")
            .values()
            .all(|v| v == false),
        "{flags}"
    );
}

#[tokio::test]
async fn a_malformed_signature_is_refused_at_its_place() {
    let api = api(Some(1), SignaturePolicy::Accept);
    let data = process(&api).await;
    let mut grounding = data["grounding"].clone();
    grounding["fields"]["/name"]["signature"] = json!("not a signature");
    let (status, body) = save_and_get(&api, &data["persona"], &grounding).await;
    assert_eq!(status, 400, "{body}");
    let details = body["error"]["details"].as_array().expect("details");
    assert_eq!(details.len(), 1, "{body}");
    assert_eq!(
        details[0]["field"], "/grounding/fields/~1name/signature",
        "{body}"
    );
    let message = details[0]["message"].as_str().expect("a message");
    assert_eq!(
        message,
        "a signature is the 32 lowercase hex digits process-persona gave; send it unchanged or leave it out"
    );
}
