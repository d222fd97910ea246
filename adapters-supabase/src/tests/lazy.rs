//! A store opened without a request (`SupabaseStore::open`, a cold function): one storage call
//! per operation, and the bucket checked only when a call meets a bucket error.

use super::*;

fn opened(server: &MockServer) -> SupabaseStore {
    SupabaseStore::open(settings(&server.uri())).expect("valid settings")
}

/// A server without the bucket: the first upload to `at` meets a missing bucket, the bucket is
/// not there when asked, creating it succeeds, and uploads to `at` succeed from then on.
async fn bucket_missing_until_created(server: &MockServer, at: &str) {
    Mock::given(method("POST"))
        .and(path(at))
        .respond_with(storage_error(NO_SUCH_BUCKET))
        .up_to_n_times(1)
        .mount(server)
        .await;
    mount(server, "POST", at, json_ok(UPLOADED)).await;
    mount(server, "GET", BUCKET_PATH, storage_error(NO_SUCH_BUCKET)).await;
    mount(
        server,
        "POST",
        "/storage/v1/bucket",
        json_ok(r#"{"name":"personas"}"#),
    )
    .await;
}

#[tokio::test]
async fn opening_makes_no_request_and_a_get_makes_exactly_one() {
    let server = MockServer::start().await;
    let doc = document();
    mount(
        &server,
        "GET",
        &download_path(ID),
        ResponseTemplate::new(200).set_body_raw(doc.to_json(), "application/json"),
    )
    .await;
    let store = opened(&server);
    assert!(
        server
            .received_requests()
            .await
            .expect("recording")
            .is_empty()
    );
    assert_eq!(store.get(doc.id()).await, Ok(doc));
    let requests = server.received_requests().await.expect("recording");
    assert_eq!(requests.len(), 1, "{requests:?}");
}

#[tokio::test]
async fn a_save_into_a_missing_bucket_creates_it_private_and_saves_again() {
    let server = MockServer::start().await;
    bucket_missing_until_created(&server, &object_path(ID)).await;
    let store = opened(&server);
    assert_eq!(store.create(&document()).await, Ok(()));
    let created = requests_to(&server, "POST", "/storage/v1/bucket").await;
    let body: serde_json::Value = serde_json::from_slice(&created[0].body).expect("json");
    assert_eq!(
        (created.len(), &body["public"]),
        (1, &serde_json::json!(false))
    );
    assert_eq!(
        requests_to(&server, "POST", &object_path(ID)).await.len(),
        2
    );
    // Checked once: a later bucket error is the store's answer, not another check.
    let other = document_named("AAAAAAAAAAAAAAAAAAAAA", "Grace");
    Mock::given(method("POST"))
        .and(path(object_path("AAAAAAAAAAAAAAAAAAAAA")))
        .respond_with(storage_error(NO_SUCH_BUCKET))
        .mount(&server)
        .await;
    let error = store.create(&other).await.expect_err("bucket gone");
    assert!(
        matches!(
            error,
            StoreError::Unavailable {
                retryable: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(requests_to(&server, "GET", BUCKET_PATH).await.len(), 1);
}

#[tokio::test]
async fn a_bucket_error_on_a_public_bucket_refuses_to_save() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        &object_path(ID),
        storage_error(NO_SUCH_BUCKET),
    )
    .await;
    let public = PRIVATE_BUCKET.replace(r#""public":false"#, r#""public":true"#);
    mount(&server, "GET", BUCKET_PATH, json_ok(&public)).await;
    let store = opened(&server);
    let error = store.create(&document()).await.expect_err("public");
    assert!(
        matches!(&error, StoreError::Unavailable { retryable: false, reason } if reason.contains("world-readable")),
        "{error:?}"
    );
    assert_eq!(
        requests_to(&server, "POST", &object_path(ID)).await.len(),
        1
    );
    assert!(!error.to_string().contains(KEY));
}

#[tokio::test]
async fn a_store_checked_at_start_never_checks_again() {
    let (server, store) = connected().await;
    mount(
        &server,
        "POST",
        &object_path(ID),
        storage_error(NO_SUCH_BUCKET),
    )
    .await;
    let error = store.create(&document()).await.expect_err("bucket gone");
    assert!(
        matches!(
            error,
            StoreError::Unavailable {
                retryable: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(requests_to(&server, "GET", BUCKET_PATH).await.len(), 1);
}

#[tokio::test]
async fn a_record_written_into_a_missing_bucket_creates_it_and_is_written_again() {
    use persona_ports::{RecordKey, RecordKind, RecordStore};

    let server = MockServer::start().await;
    let record = "/storage/v1/object/personas/jobs/job-1.json";
    bucket_missing_until_created(&server, record).await;
    let store = opened(&server);
    let key = RecordKey::parse("job-1").expect("a key");
    assert_eq!(
        store.put(RecordKind::Job, &key, b"{}".to_vec()).await,
        Ok(())
    );
    assert_eq!(
        requests_to(&server, "POST", "/storage/v1/bucket")
            .await
            .len(),
        1
    );
    assert_eq!(requests_to(&server, "POST", record).await.len(), 2);
}
