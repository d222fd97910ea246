//! How each Storage answer maps to a store error, and what is refused before sending.

use super::*;

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
async fn an_upstream_message_naming_the_object_carries_its_tag_not_its_id() {
    let (server, store) = connected().await;
    let body = format!(
        r#"{{"statusCode":"400","error":"invalid_key","message":"Invalid key: personas/{ID}.json","code":"InvalidKey"}}"#
    );
    mount(&server, "POST", &object_path(ID), storage_error(&body)).await;
    let err = store.create(&document()).await.expect_err("refused");
    let shown = err.to_string();
    assert!(!shown.contains(ID), "{shown}");
    let tag = IdTag::of(document().id()).to_string();
    assert!(
        shown.contains(&format!("personas/<id {tag}>.json")),
        "{shown}"
    );
}
