//! The in-process cache of saved personas, seen from outside: a persona removed from the data
//! folder behind the server's back is still served from the cache (within its freshness), unless
//! the cache is off or the document is over its byte bound.

use serde_json::json;

use super::helpers::{TestApp, spawn_app};

/// Saves a persona, reads it once, then removes its file: what the next get answers.
async fn get_after_the_file_is_gone(app: &TestApp) -> u16 {
    let saved = app
        .save(&json!({ "name": "Ada", "background": "x".repeat(1_000) }))
        .await;
    assert_eq!(saved.status, 201, "{:?}", saved.body);
    let id = saved.body["data"]["id"].as_str().expect("id").to_owned();
    assert_eq!(app.get_persona(&id).await.status, 200);
    std::fs::remove_file(app.data_dir.join(format!("{id}.json"))).expect("the file was there");
    let again = app.get_persona(&id).await;
    if again.status == 200 {
        assert_eq!(again.body["data"]["persona"]["name"], "Ada");
    }
    again.status
}

#[tokio::test]
async fn a_persona_read_once_is_served_from_memory() {
    let app = spawn_app(&[]).await;
    assert_eq!(get_after_the_file_is_gone(&app).await, 200);
}

#[tokio::test]
async fn with_the_cache_off_every_get_reads_the_store() {
    let app = spawn_app(&[("PERSONA_CACHE_BYTES", "0")]).await;
    assert_eq!(get_after_the_file_is_gone(&app).await, 404);
}

#[tokio::test]
async fn a_document_over_the_byte_bound_is_not_kept() {
    // Each of these documents is over a kilobyte.
    let app = spawn_app(&[("PERSONA_CACHE_BYTES", "1000")]).await;
    assert_eq!(get_after_the_file_is_gone(&app).await, 404);
}
