//! `POST /api/save-persona` and `GET /api/get-persona`.

use serde_json::{Value, json};

use super::helpers::{MAYA, spawn_app};

#[tokio::test]
async fn process_then_save_then_get_returns_the_same_persona() {
    let app = spawn_app(&[]).await;
    let persona = app.process(&[MAYA], &[]).await.body["data"]["persona"].clone();
    let saved = app.save(&persona).await;
    assert_eq!(saved.status, 201, "{:?}", saved.body);
    let id = saved.body["data"]["id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 21);
    let meta = &saved.body["data"]["metadata"];
    assert_eq!(meta["persona_id"], id.as_str());
    assert_eq!(
        (
            meta["source_blocks"].as_u64(),
            meta["source_links"].as_u64()
        ),
        (Some(1), Some(0))
    );
    assert_eq!(meta["content_sha256"].as_str().map(str::len), Some(64));

    let got = app.get_persona(&id).await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.body["data"]["id"], id.as_str());
    assert_eq!(got.body["data"]["persona"], persona);
    assert_eq!(&got.body["data"]["metadata"], meta);
}

#[tokio::test]
async fn an_edited_persona_is_saved_as_edited() {
    let app = spawn_app(&[]).await;
    let mut persona = app.process(&[MAYA], &[]).await.body["data"]["persona"].clone();
    persona["name"] = json!("Maya P.");
    persona["goals"] = json!(["open a studio"]);
    let id = app.save(&persona).await.body["data"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let got = app.get_persona(&id).await.body["data"]["persona"].clone();
    assert_eq!(
        (got["name"].as_str(), got["goals"].clone()),
        (Some("Maya P."), json!(["open a studio"]))
    );
}

#[tokio::test]
async fn a_minimal_persona_saves_with_defaults() {
    let app = spawn_app(&[]).await;
    let saved = app
        .post_json(
            "/api/save-persona",
            &json!({ "persona": { "name": "Ada" } }),
        )
        .await;
    assert_eq!(saved.status, 201, "{:?}", saved.body);
    assert_eq!(saved.body["data"]["metadata"]["source_blocks"], 0);
    let id = saved.body["data"]["id"].as_str().expect("id");
    assert_eq!(
        app.get_persona(id).await.body["data"]["persona"]["traits"],
        json!([])
    );
}

#[tokio::test]
async fn two_saves_of_one_persona_get_two_ids() {
    let app = spawn_app(&[]).await;
    let persona = json!({ "name": "Ada" });
    let one = app.save(&persona).await.body["data"]["id"].clone();
    let two = app.save(&persona).await.body["data"]["id"].clone();
    assert_ne!(one, two);
}

#[tokio::test]
async fn a_persona_that_breaks_the_rules_is_refused_field_by_field() {
    let app = spawn_app(&[]).await;
    let traits: Vec<String> = (0..21).map(|i| format!("trait {i}")).collect();
    let persona = json!({ "name": " ", "age": 131, "traits": traits });
    let answer = app.save(&persona).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.code(), "INVALID_REQUEST");
    let fields = answer.detail_fields();
    assert_eq!(fields, ["/persona/name", "/persona/age", "/persona/traits"]);
    assert_eq!(
        std::fs::read_dir(&app.data_dir).expect("dir").count(),
        0,
        "nothing was written"
    );
}

#[tokio::test]
async fn a_persona_with_an_unknown_field_is_refused() {
    let app = spawn_app(&[]).await;
    let answer = app
        .save(&json!({ "name": "Ada", "favourite_colour": "teal" }))
        .await;
    assert_eq!((answer.status, answer.code()), (400, "INVALID_REQUEST"));
}

#[tokio::test]
async fn source_counts_beyond_the_limits_are_refused() {
    let app = spawn_app(&[]).await;
    let answer = app
        .post_json(
            "/api/save-persona",
            &json!({ "persona": { "name": "Ada" }, "source": { "blocks": 51, "links": 0 } }),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (400, "INVALID_REQUEST"));
}

#[tokio::test]
async fn get_without_an_id_is_invalid_id() {
    let app = spawn_app(&[]).await;
    let answer = app.get("/api/get-persona").await;
    assert_eq!((answer.status, answer.code()), (400, "INVALID_ID"));
}

#[tokio::test]
async fn get_with_a_malformed_id_is_invalid_id_and_never_reaches_the_store() {
    let app = spawn_app(&[]).await;
    for id in [
        "../../../../etc/passwd",
        "short",
        "V1StGXR8_Z5jdHi6B-my/",
        "V1StGXR8_Z5jdHi6B-myT.json",
    ] {
        let answer = app.get_persona(id).await;
        assert_eq!((answer.status, answer.code()), (400, "INVALID_ID"), "{id}");
        let message = answer.body["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.contains(id), "the message does not repeat the id");
    }
}

#[tokio::test]
async fn get_of_an_unknown_id_is_not_found() {
    let app = spawn_app(&[]).await;
    let answer = app.get_persona("AAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!((answer.status, answer.code()), (404, "NOT_FOUND"));
}

#[tokio::test]
async fn mock_mode_serves_the_documented_samples() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true")]).await;
    for (id, name) in [
        ("sample-ada-lovelace01", "Ada Lovelace"),
        ("sample-grace-hopper01", "Grace Hopper"),
    ] {
        let answer = app.get_persona(id).await;
        assert_eq!(answer.status, 200, "{id}");
        assert_eq!(answer.body["data"]["persona"]["name"], name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_saves_leave_only_whole_documents() {
    let app = spawn_app(&[]).await;
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let request = app
                .client
                .post(app.url("/api/save-persona"))
                .json(&json!({ "persona": { "name": format!("Person {i}") } }));
            tokio::spawn(async move {
                request
                    .send()
                    .await
                    .expect("sent")
                    .json::<Value>()
                    .await
                    .expect("json")
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(
            task.await.expect("task")["data"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let mut files: Vec<String> = std::fs::read_dir(&app.data_dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut expected: Vec<String> = ids.iter().map(|id| format!("{id}.json")).collect();
    expected.sort();
    assert_eq!(files, expected, "one file per save, no temporary files");
    for id in &ids {
        assert_eq!(app.get_persona(id).await.status, 200);
    }
}
