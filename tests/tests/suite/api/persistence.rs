//! Saved personas survive a restart of the server over the same data folder.

use serde_json::json;

use super::helpers::spawn_app_in;

#[tokio::test]
async fn a_saved_persona_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = spawn_app_in(dir.path(), &[]).await;
    let saved = first
        .save(&json!({ "name": "Grace Hopper", "occupation": "Rear admiral" }))
        .await;
    assert_eq!(saved.status, 201);
    let id = saved.body["data"]["id"].as_str().expect("id").to_owned();
    first.stop().await;

    let second = spawn_app_in(dir.path(), &[]).await;
    let got = second.get_persona(&id).await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.body["data"]["persona"]["occupation"], "Rear admiral");
    assert_eq!(got.body["data"]["metadata"], saved.body["data"]["metadata"]);
}
