//! The adapter against a server that keeps state: what it leaves in the bucket, and how connect
//! treats buckets and keys.

use persona_adapters_supabase::{ConnectError, SupabaseStore};
use persona_ports::{PersonaStore, StoreError};
use persona_tests::document;
use persona_tests::fake_supabase::FakeSupabase;
use secrecy::SecretString;

use super::{connected, settings};

#[tokio::test]
async fn connect_creates_a_private_json_only_bucket() {
    let (fake, store) = connected().await;
    assert_eq!(store.bucket(), "personas");
    assert_eq!(fake.bucket_is_public("personas"), Some(false));
    // The fake enforces the bucket's limit and types, so a save shows they were set.
    let doc = document("Ada");
    store.create(&doc).await.expect("created");
}

#[tokio::test]
async fn a_save_leaves_the_document_with_its_metadata() {
    let (fake, store) = connected().await;
    let doc = document("Ada");
    store.create(&doc).await.expect("created");
    let object = fake
        .object("personas", &format!("{}.json", doc.id()))
        .expect("stored");
    assert_eq!(object.body, doc.to_json());
    assert_eq!(object.content_type, "application/json");
    assert_eq!(object.cache_control, "no-cache");
    assert_eq!(
        object.metadata,
        serde_json::to_value(doc.metadata()).expect("json")
    );
    assert_eq!(fake.object_count("personas"), 1);
}

#[tokio::test]
async fn two_instances_starting_together_share_one_bucket() {
    let fake = FakeSupabase::start().await;
    let (a, b) = tokio::join!(
        SupabaseStore::connect(settings(&fake)),
        SupabaseStore::connect(settings(&fake))
    );
    let (a, b) = (a.expect("first"), b.expect("second"));
    let doc = document("Shared");
    a.create(&doc).await.expect("created");
    assert_eq!(b.get(doc.id()).await, Ok(doc));
}

#[tokio::test]
async fn connect_refuses_a_public_bucket() {
    let fake = FakeSupabase::start().await;
    fake.add_bucket("personas", true, Some(5_242_880));
    let err = SupabaseStore::connect(settings(&fake))
        .await
        .expect_err("public");
    assert!(matches!(err, ConnectError::PublicBucket { .. }), "{err:?}");
}

#[tokio::test]
async fn connect_refuses_the_anon_key_and_a_bad_key_without_showing_them() {
    let fake = FakeSupabase::start().await;
    for key in [
        fake.keys().anon.clone(),
        "eyJhbGciOi.eyJyb2xlIjo.forged".to_owned(),
    ] {
        let err = SupabaseStore::connect(super::SupabaseSettings {
            service_role_key: SecretString::from(key.clone()),
            ..settings(&fake)
        })
        .await
        .expect_err("refused");
        assert!(matches!(err, ConnectError::Rejected { .. }), "{err:?}");
        assert!(!err.to_string().contains(&key));
    }
    assert_eq!(
        fake.bucket_is_public("personas"),
        None,
        "nothing was created"
    );
}

#[tokio::test]
async fn a_bucket_with_a_smaller_limit_refuses_large_documents_before_sending() {
    let fake = FakeSupabase::start().await;
    fake.add_bucket("personas", false, Some(64));
    let store = SupabaseStore::connect(settings(&fake))
        .await
        .expect("connect");
    let requests = fake.stats().requests;
    let doc = document("Too big for this bucket");
    let err = store.create(&doc).await.expect_err("too large");
    assert_eq!(
        err,
        StoreError::TooLarge {
            size: doc.to_json().len() as u64,
            max: 64
        }
    );
    assert_eq!(fake.stats().requests, requests, "nothing was sent");
}

#[tokio::test]
async fn a_deleted_bucket_makes_the_store_unavailable_not_empty() {
    // What a get sees when the bucket is gone (or the key cannot see it): NoSuchBucket.
    let (fake, store) = connected().await;
    let deleted = reqwest::Client::new()
        .delete(format!("{}/storage/v1/bucket/personas", fake.url()))
        .bearer_auth(&fake.keys().service)
        .send()
        .await
        .expect("delete the bucket");
    assert_eq!(deleted.status(), 200);
    let err = store
        .get(document("Ada").id())
        .await
        .expect_err("no bucket");
    assert!(
        matches!(
            err,
            StoreError::Unavailable {
                retryable: false,
                ..
            }
        ),
        "{err:?}"
    );
}
