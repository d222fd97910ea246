//! Wire-level tests against wiremock: the exact requests, and every answer's port error. Error
//! bodies are copied from the Storage transcript. The store contract itself runs in `tests`
//! against a fake Storage server.

mod bootstrap;
mod errors;
mod lazy;
mod requests;
mod retries;

use std::time::Duration;

use chrono::Utc;
use persona_domain::{Persona, PersonaDraft, SourceCounts};
use secrecy::SecretString;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::*;

const KEY: &str = "service-role-key-7f3a";
const BUCKET_PATH: &str = "/storage/v1/bucket/personas";
const ID: &str = "V1StGXR8_Z5jdHi6B-myT";

const PRIVATE_BUCKET: &str = r#"{"id":"personas","name":"personas","owner":"","public":false,"file_size_limit":5242880,"allowed_mime_types":["application/json"],"created_at":"2026-11-26T05:44:24.265Z","updated_at":"2026-11-26T05:44:24.265Z"}"#;
const NO_SUCH_KEY: &str =
    r#"{"statusCode":"404","error":"not_found","message":"Object not found","code":"NoSuchKey"}"#;
const KEY_EXISTS: &str = r#"{"statusCode":"409","error":"Duplicate","message":"The resource already exists","code":"KeyAlreadyExists"}"#;
const TOO_LARGE: &str = r#"{"statusCode":"413","error":"Payload too large","message":"The object exceeded the maximum allowed size","code":"EntityTooLarge"}"#;
const NO_SUCH_BUCKET: &str = r#"{"statusCode":"404","error":"Bucket not found","message":"Bucket not found","code":"NoSuchBucket"}"#;
const BUCKET_EXISTS: &str = r#"{"statusCode":"409","error":"Duplicate","message":"The resource already exists","code":"BucketAlreadyExists"}"#;
const BAD_SIGNATURE: &str = r#"{"statusCode":"403","error":"Unauthorized","message":"signature verification failed","code":"AccessDenied"}"#;
const RLS: &str = r#"{"statusCode":"403","error":"Unauthorized","message":"new row violates row-level security policy","code":"AccessDenied"}"#;
const INTERNAL: &str = r#"{"statusCode":"500","error":"Internal","message":"Internal Server Error","code":"InternalError"}"#;
const UPLOADED: &str = r#"{"Key":"personas/x.json","Id":"a537cfc1-149b-42b4-8582-3df379a2e8cf"}"#;

fn object_path(id: &str) -> String {
    format!("/storage/v1/object/personas/{id}.json")
}

fn download_path(id: &str) -> String {
    format!("/storage/v1/object/authenticated/personas/{id}.json")
}

fn document_named(id: &str, name: &str) -> StoredPersona {
    let persona = Persona::from_draft(PersonaDraft {
        name: Some(name.into()),
        ..PersonaDraft::default()
    })
    .persona;
    StoredPersona::new(
        PersonaId::parse(id).expect("id"),
        persona,
        SourceCounts {
            blocks: 1,
            links: 0,
        },
        Utc::now(),
    )
}

fn document() -> StoredPersona {
    document_named(ID, "Ada")
}

fn settings(url: &str) -> SupabaseSettings {
    SupabaseSettings {
        max_retries: 2,
        deadline: Duration::from_secs(5),
        backoff_base: Duration::from_millis(1),
        ..SupabaseSettings::new(url, SecretString::from(KEY))
    }
}

/// 400 with a Storage error body, the way the server answers nearly every error.
fn storage_error(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_raw(body, "application/json; charset=utf-8")
}

fn json_ok(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/json; charset=utf-8")
}

async fn mount(server: &MockServer, verb: &str, at: &str, answer: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// A server whose bucket exists and is private, and a store connected to it.
async fn connected() -> (MockServer, SupabaseStore) {
    let server = MockServer::start().await;
    mount(&server, "GET", BUCKET_PATH, json_ok(PRIVATE_BUCKET)).await;
    let store = SupabaseStore::connect(settings(&server.uri()))
        .await
        .expect("connect");
    (server, store)
}

async fn requests_to(server: &MockServer, verb: &str, at: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("recording")
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == at)
        .collect()
}

fn header_of<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("header {name} missing"))
}
