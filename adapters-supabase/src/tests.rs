//! Wire-level tests against wiremock: the exact requests, and every answer's port error. Error
//! bodies are copied from the Storage transcript. The store contract itself runs in `tests`
//! against a fake Storage server.

use std::time::Duration;

use chrono::Utc;
use persona_domain::{Persona, PersonaDraft, SourceCounts};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::*;
use crate::connect::storage_url;

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

#[tokio::test]
async fn a_save_sends_the_exact_request() {
    let (server, store) = connected().await;
    mount(&server, "POST", &object_path(ID), json_ok(UPLOADED)).await;
    let doc = document();

    store.create(&doc).await.expect("created");

    let uploads = requests_to(&server, "POST", &object_path(ID)).await;
    assert_eq!(uploads.len(), 1);
    let upload = &uploads[0];
    assert_eq!(header_of(upload, "content-type"), "application/json");
    assert_eq!(header_of(upload, "x-upsert"), "false");
    assert_eq!(header_of(upload, "cache-control"), "no-cache");
    assert_eq!(header_of(upload, "authorization"), format!("Bearer {KEY}"));
    assert_eq!(header_of(upload, "apikey"), KEY);
    assert_eq!(upload.body, doc.to_json());
    assert_eq!(
        header_of(upload, "content-length"),
        doc.to_json().len().to_string()
    );
    assert!(upload.headers.get("transfer-encoding").is_none());
    let metadata = BASE64
        .decode(header_of(upload, "x-metadata"))
        .expect("base64");
    let metadata: Value = serde_json::from_slice(&metadata).expect("json");
    assert_eq!(
        metadata,
        serde_json::to_value(doc.metadata()).expect("json")
    );
    assert_eq!(metadata["content_sha256"], doc.metadata().content_sha256);
}

#[tokio::test]
async fn a_get_reads_the_authenticated_object_with_both_key_headers() {
    let (server, store) = connected().await;
    let doc = document();
    Mock::given(method("GET"))
        .and(path(download_path(ID)))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("apikey", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_raw(doc.to_json(), "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    assert_eq!(store.get(doc.id()).await, Ok(doc));
}

#[tokio::test]
async fn each_upstream_error_on_get_maps_to_its_store_error() {
    let cases = [
        (NO_SUCH_KEY, StoreError::NotFound),
        (
            NO_SUCH_BUCKET,
            StoreError::Unavailable {
                retryable: false,
                reason: "the storage bucket is missing or the service role key is wrong".into(),
            },
        ),
        (
            BAD_SIGNATURE,
            StoreError::Unavailable {
                retryable: false,
                reason: "storage refused the service role key (AccessDenied)".into(),
            },
        ),
    ];
    for (body, expected) in cases {
        let (server, store) = connected().await;
        mount(&server, "GET", &download_path(ID), storage_error(body)).await;
        assert_eq!(store.get(&document().id().clone()).await, Err(expected));
        assert_eq!(
            requests_to(&server, "GET", &download_path(ID)).await.len(),
            1,
            "a permanent error is not retried: {body}"
        );
    }
}

#[tokio::test]
async fn each_upstream_error_on_create_maps_to_its_store_error() {
    let size = document().to_json().len() as u64;
    let cases = [
        (KEY_EXISTS, StoreError::AlreadyExists),
        (
            TOO_LARGE,
            StoreError::TooLarge {
                size,
                max: MAX_DOCUMENT_BYTES,
            },
        ),
        (
            RLS,
            StoreError::Unavailable {
                retryable: false,
                reason: "storage refused the service role key (AccessDenied)".into(),
            },
        ),
    ];
    for (body, expected) in cases {
        let (server, store) = connected().await;
        mount(&server, "POST", &object_path(ID), storage_error(body)).await;
        assert_eq!(store.create(&document()).await, Err(expected));
        assert_eq!(
            requests_to(&server, "POST", &object_path(ID)).await.len(),
            1,
            "{body}"
        );
        // A first attempt's conflict is a real one: nothing is read back.
        assert!(
            requests_to(&server, "GET", &download_path(ID))
                .await
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_request_the_server_refuses_is_unexpected_and_not_retried() {
    let (server, store) = connected().await;
    let body = r#"{"statusCode":"415","error":"invalid_mime_type","message":"mime type application/json; charset=utf-8 is not supported","code":"InvalidMimeType"}"#;
    mount(&server, "POST", &object_path(ID), storage_error(body)).await;
    let err = store.create(&document()).await.expect_err("refused");
    assert!(
        matches!(err, StoreError::Unexpected(ref m) if m.contains("InvalidMimeType")),
        "{err:?}"
    );
    assert_eq!(
        requests_to(&server, "POST", &object_path(ID)).await.len(),
        1
    );
}

#[tokio::test]
async fn temporary_failures_are_retried_then_reported_as_retryable() {
    for answer in [
        ResponseTemplate::new(503).set_body_string("upstream busy"),
        storage_error(INTERNAL),
        ResponseTemplate::new(429),
    ] {
        let (server, store) = connected().await;
        mount(&server, "GET", &download_path(ID), answer).await;
        let err = store.get(document().id()).await.expect_err("unavailable");
        assert!(
            matches!(
                err,
                StoreError::Unavailable {
                    retryable: true,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            requests_to(&server, "GET", &download_path(ID)).await.len(),
            3,
            "one attempt and max_retries = 2 retries"
        );
    }
}

#[tokio::test]
async fn a_temporary_failure_then_success_is_success() {
    let (server, store) = connected().await;
    let doc = document();
    Mock::given(method("GET"))
        .and(path(download_path(ID)))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount(
        &server,
        "GET",
        &download_path(ID),
        ResponseTemplate::new(200).set_body_raw(doc.to_json(), "application/json"),
    )
    .await;
    assert_eq!(store.get(doc.id()).await, Ok(doc));
}

#[tokio::test]
async fn a_timeout_is_retryable_and_no_call_outlives_the_deadline() {
    let server = MockServer::start().await;
    mount(&server, "GET", BUCKET_PATH, json_ok(PRIVATE_BUCKET)).await;
    let store = SupabaseStore::connect(SupabaseSettings {
        deadline: Duration::from_millis(300),
        ..settings(&server.uri())
    })
    .await
    .expect("connect");
    mount(
        &server,
        "GET",
        &download_path(ID),
        ResponseTemplate::new(200).set_delay(Duration::from_secs(5)),
    )
    .await;
    let err = store.get(document().id()).await.expect_err("timed out");
    assert!(
        matches!(err, StoreError::Unavailable { retryable: true, ref reason } if reason.contains("timeout")),
        "{err:?}"
    );
    // The first call used the whole deadline, so no retry was started.
    assert_eq!(
        requests_to(&server, "GET", &download_path(ID)).await.len(),
        1
    );
}

/// The first upload of `stored` fails in a way that may have landed (a 503); the retry meets
/// `KeyAlreadyExists`, and the read-back finds `stored`.
async fn retried_save_meeting(stored: &StoredPersona) -> (MockServer, Result<(), StoreError>) {
    let (server, store) = connected().await;
    Mock::given(method("POST"))
        .and(path(object_path(ID)))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount(&server, "POST", &object_path(ID), storage_error(KEY_EXISTS)).await;
    mount(
        &server,
        "GET",
        &download_path(ID),
        ResponseTemplate::new(200).set_body_raw(stored.to_json(), "application/json"),
    )
    .await;
    let result = store.create(stored).await;
    (server, result)
}

#[tokio::test]
async fn a_retried_save_whose_first_attempt_landed_is_success() {
    let doc = document();
    let (server, result) = retried_save_meeting(&doc).await;
    assert_eq!(result, Ok(()));
    assert_eq!(
        requests_to(&server, "POST", &object_path(ID)).await.len(),
        2
    );
    assert_eq!(
        requests_to(&server, "GET", &download_path(ID)).await.len(),
        1
    );
}

#[tokio::test]
async fn a_retried_save_that_meets_another_document_is_already_exists() {
    let (server, store) = connected().await;
    let ours = document_named(ID, "Ada");
    let theirs = document_named(ID, "Eve");
    Mock::given(method("POST"))
        .and(path(object_path(ID)))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount(&server, "POST", &object_path(ID), storage_error(KEY_EXISTS)).await;
    mount(
        &server,
        "GET",
        &download_path(ID),
        ResponseTemplate::new(200).set_body_raw(theirs.to_json(), "application/json"),
    )
    .await;
    assert_eq!(store.create(&ours).await, Err(StoreError::AlreadyExists));
    assert_eq!(
        requests_to(&server, "GET", &download_path(ID)).await.len(),
        1
    );
}

#[tokio::test]
async fn a_retried_save_that_meets_a_damaged_object_is_already_exists() {
    let (server, store) = connected().await;
    Mock::given(method("POST"))
        .and(path(object_path(ID)))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount(&server, "POST", &object_path(ID), storage_error(KEY_EXISTS)).await;
    mount(&server, "GET", &download_path(ID), json_ok(r#"{"id":"x"}"#)).await;
    assert_eq!(
        store.create(&document()).await,
        Err(StoreError::AlreadyExists)
    );
}

#[tokio::test]
async fn a_foreign_or_damaged_document_is_unexpected() {
    let other = document_named("AAAAAAAAAAAAAAAAAAAAA", "Eve");
    let whole = document().to_json();
    for body in [other.to_json(), whole[..whole.len() / 2].to_vec()] {
        let (server, store) = connected().await;
        mount(
            &server,
            "GET",
            &download_path(ID),
            ResponseTemplate::new(200).set_body_raw(body, "application/json"),
        )
        .await;
        let err = store.get(document().id()).await.expect_err("refused");
        assert!(matches!(err, StoreError::Unexpected(_)), "{err:?}");
        assert!(!err.to_string().contains("Eve"));
    }
}

#[tokio::test]
async fn a_document_over_the_limit_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let small = PRIVATE_BUCKET.replace("5242880", "100");
    mount(&server, "GET", BUCKET_PATH, json_ok(&small)).await;
    let store = SupabaseStore::connect(settings(&server.uri()))
        .await
        .expect("connect");
    let before = server.received_requests().await.expect("recording").len();
    let doc = document();
    assert_eq!(
        store.create(&doc).await,
        Err(StoreError::TooLarge {
            size: doc.to_json().len() as u64,
            max: 100
        })
    );
    assert_eq!(
        server.received_requests().await.expect("recording").len(),
        before
    );
}

#[tokio::test]
async fn connect_creates_a_missing_bucket_private_with_a_numeric_limit() {
    let server = MockServer::start().await;
    mount(&server, "GET", BUCKET_PATH, storage_error(NO_SUCH_BUCKET)).await;
    mount(
        &server,
        "POST",
        "/storage/v1/bucket",
        json_ok(r#"{"name":"personas"}"#),
    )
    .await;
    let store = SupabaseStore::connect(settings(&server.uri()))
        .await
        .expect("connect");
    assert_eq!(store.bucket(), "personas");
    let creates = requests_to(&server, "POST", "/storage/v1/bucket").await;
    assert_eq!(creates.len(), 1);
    assert_eq!(
        header_of(&creates[0], "authorization"),
        format!("Bearer {KEY}")
    );
    assert_eq!(header_of(&creates[0], "apikey"), KEY);
    let body: Value = serde_json::from_slice(&creates[0].body).expect("json");
    assert_eq!(
        body,
        json!({"id": "personas", "name": "personas", "public": false,
               "file_size_limit": 5242880, "allowed_mime_types": ["application/json"]})
    );
    assert!(body["file_size_limit"].is_u64(), "a number, never \"5MB\"");
}

#[tokio::test]
async fn connect_refuses_a_public_bucket() {
    let server = MockServer::start().await;
    let public = PRIVATE_BUCKET.replace(r#""public":false"#, r#""public":true"#);
    mount(&server, "GET", BUCKET_PATH, json_ok(&public)).await;
    let err = SupabaseStore::connect(settings(&server.uri()))
        .await
        .expect_err("public");
    assert!(matches!(err, ConnectError::PublicBucket { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("personas must never be world-readable")
    );
}

#[tokio::test]
async fn a_bucket_created_by_a_concurrent_start_is_checked_again() {
    for (second_look, public) in [
        (PRIVATE_BUCKET.to_owned(), false),
        (
            PRIVATE_BUCKET.replace(r#""public":false"#, r#""public":true"#),
            true,
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(BUCKET_PATH))
            .respond_with(storage_error(NO_SUCH_BUCKET))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        mount(&server, "GET", BUCKET_PATH, json_ok(&second_look)).await;
        mount(
            &server,
            "POST",
            "/storage/v1/bucket",
            storage_error(BUCKET_EXISTS),
        )
        .await;
        let result = SupabaseStore::connect(settings(&server.uri())).await;
        assert_eq!(requests_to(&server, "GET", BUCKET_PATH).await.len(), 2);
        if public {
            assert!(
                matches!(result, Err(ConnectError::PublicBucket { .. })),
                "{result:?}"
            );
        } else {
            result.expect("the other start's private bucket is used");
        }
    }
}

#[tokio::test]
async fn a_rejected_key_fails_connect_without_showing_it() {
    // A bad token (C9), and an anon key, which cannot see the private bucket (C17) nor create
    // one (C26).
    let server = MockServer::start().await;
    mount(&server, "GET", BUCKET_PATH, storage_error(BAD_SIGNATURE)).await;
    let err = SupabaseStore::connect(settings(&server.uri()))
        .await
        .expect_err("rejected");
    assert!(
        matches!(err, ConnectError::Rejected { status: 403, .. }),
        "{err:?}"
    );

    let server = MockServer::start().await;
    mount(&server, "GET", BUCKET_PATH, storage_error(NO_SUCH_BUCKET)).await;
    mount(&server, "POST", "/storage/v1/bucket", storage_error(RLS)).await;
    let anon = SupabaseStore::connect(settings(&server.uri()))
        .await
        .expect_err("rejected");
    assert!(matches!(anon, ConnectError::Rejected { .. }), "{anon:?}");
    for e in [err, anon] {
        assert!(!e.to_string().contains(KEY));
        assert!(!format!("{e:?}").contains(KEY));
    }
}

#[tokio::test]
async fn an_unreachable_server_fails_connect_as_unreachable() {
    // Nothing listens on port 1 of the loopback.
    let err = SupabaseStore::connect(settings("http://127.0.0.1:1"))
        .await
        .expect_err("unreachable");
    assert!(matches!(err, ConnectError::Unreachable { .. }), "{err:?}");
    assert!(!err.to_string().contains(KEY));
}

#[tokio::test]
async fn bad_settings_are_refused_before_any_request() {
    for url in [
        "not a url",
        "ftp://example.com",
        "https://example.com/?x=1",
        "http://user:pw@example.com",
    ] {
        let err = SupabaseStore::connect(settings(url)).await.expect_err(url);
        assert!(
            matches!(err, ConnectError::InvalidUrl { .. }),
            "{url}: {err:?}"
        );
    }
    for bucket in ["", "a/b", "..", "with space"] {
        let err = SupabaseStore::connect(SupabaseSettings {
            bucket: bucket.into(),
            ..settings("https://example.com")
        })
        .await
        .expect_err(bucket);
        assert!(
            matches!(err, ConnectError::InvalidBucket { .. }),
            "{bucket:?}: {err:?}"
        );
    }
    for key in ["", "line\nbreak"] {
        let err = SupabaseStore::connect(SupabaseSettings {
            service_role_key: SecretString::from(key),
            ..settings("https://example.com")
        })
        .await
        .expect_err("key");
        assert!(matches!(err, ConnectError::InvalidKey), "{err:?}");
    }
}

#[test]
fn the_storage_url_is_under_storage_v1() {
    assert_eq!(
        storage_url("https://abc.supabase.co/").ok(),
        Some("https://abc.supabase.co/storage/v1".to_owned())
    );
    assert_eq!(
        storage_url("http://127.0.0.1:54321").ok(),
        Some("http://127.0.0.1:54321/storage/v1".to_owned())
    );
}

#[tokio::test]
async fn debug_never_shows_the_key() {
    let (_server, store) = connected().await;
    let settings = settings("https://example.com");
    for text in [format!("{settings:?}"), format!("{store:?}")] {
        assert!(!text.contains(KEY), "{text}");
    }
    assert_eq!(store.name(), "supabase");
}
