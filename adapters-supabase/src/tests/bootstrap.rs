//! Connecting: settings checks, the bucket's creation, refusal of a public bucket or a
//! rejected key, and keeping the key out of every message.

use serde_json::{Value, json};

use super::*;
use crate::connect::storage_url;

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
