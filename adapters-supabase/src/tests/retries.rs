//! Retries of temporary failures, the deadline, and a retried save that meets its own id.

use super::*;

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
    // The transport error's URL names the object, so the id, which must never reach a log.
    assert!(!err.to_string().contains(ID), "{err}");
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
