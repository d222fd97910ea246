//! A store that cannot serve: an outage is a 503 a client may retry (with `Retry-After`); a
//! folder the server may not write is an operator's problem, not retryable.

use std::os::unix::fs::PermissionsExt;

use persona_tests::fake_supabase::{FakeSupabase, Faults};
use serde_json::json;

use super::helpers::{Answer, spawn_app};

fn assert_outage(answer: &Answer) {
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.code(), "UPSTREAM_UNAVAILABLE");
    assert_eq!(answer.body["error"]["retryable"], true);
    assert_eq!(answer.header("retry-after"), Some("5"));
}

#[tokio::test]
async fn a_supabase_outage_is_503_with_retry_after_on_save_and_get() {
    let supabase = FakeSupabase::start().await;
    let app = spawn_app(&[
        ("USE_MOCK_DATA", "false"),
        ("SUPABASE_URL", &supabase.url()),
        ("SUPABASE_SERVICE_ROLE_KEY", &supabase.keys().service),
        // The store retries within this; the client hears of the outage soon after.
        ("STORE_DEADLINE_MS", "300"),
    ])
    .await;
    let saved = app.save(&json!({ "name": "Ada" })).await;
    assert_eq!(saved.status, 201, "{}", saved.body);
    let id = saved.body["data"]["id"].as_str().expect("id").to_owned();
    supabase.set_faults(Faults {
        fail_503_ratio: 1.0,
        ..Faults::default()
    });
    assert_outage(&app.save(&json!({ "name": "Ada" })).await);
    assert_outage(&app.get_persona(&id).await);
    // Once it is back, the same requests succeed: the advice to retry was right.
    supabase.set_faults(Faults::default());
    assert_eq!(app.get_persona(&id).await.status, 200);
}

#[tokio::test]
async fn a_data_folder_the_server_may_not_write_is_not_retryable() {
    let app = spawn_app(&[("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")]).await;
    let folder = app.data_dir.clone();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o500)).expect("chmod");
    // Root ignores permission bits, so there the folder stays writable and nothing is checked.
    let probe = folder.join("probe");
    if std::fs::write(&probe, b"").is_ok() {
        std::fs::remove_file(&probe).expect("probe removed");
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        persona_tests::skip("the tests run as root, whom a read-only folder cannot stop");
        return;
    }
    let answer = app.save(&json!({ "name": "Ada" })).await;
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    assert_eq!(answer.status, 502, "{}", answer.body);
    assert_eq!(answer.code(), "UPSTREAM_UNAVAILABLE");
    assert_eq!(answer.body["error"]["retryable"], false);
    assert_eq!(answer.header("retry-after"), None);
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("operator")),
        "{}",
        answer.body
    );
}
