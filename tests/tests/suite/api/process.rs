//! `POST /api/process-persona` and `GET /api/health`.

use serde_json::json;

use super::helpers::{MAYA, spawn_app};

#[tokio::test]
async fn process_answers_a_persona_that_reflects_the_input() {
    let app = spawn_app(&[]).await;
    let answer = app.process(&[MAYA], &["https://example.com/maya"]).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["success"], true);
    let persona = &answer.body["data"]["persona"];
    assert_eq!(persona["name"], "Maya Patel");
    assert_eq!(persona["age"], 34);
    assert_eq!(persona["location"], "Berlin");
    assert_eq!(persona["languages"], json!(["English", "German"]));
    let usage = &answer.body["data"]["usage"];
    assert_eq!(usage["model"], "mock");
    assert_eq!(usage["attempts"], 1);
    assert_eq!(usage["cached"], false);
    assert!(answer.body["data"]["warnings"].is_array());
}

#[tokio::test]
async fn process_of_unnamed_material_warns_and_never_invents_a_name() {
    let app = spawn_app(&[]).await;
    let answer = app
        .process(&["Enjoys long walks. Works nights at the hospital."], &[])
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["data"]["persona"]["name"], "Unnamed persona");
    let warnings = answer.body["data"]["warnings"]
        .as_array()
        .expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w["code"] == "NAME_MISSING" && w["field"] == "/name"),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn the_same_input_gives_the_same_persona() {
    let app = spawn_app(&[]).await;
    let one = app.process(&[MAYA], &[]).await;
    let two = app.process(&[MAYA], &[]).await;
    assert_eq!(one.body["data"]["persona"], two.body["data"]["persona"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_simultaneous_requests_all_succeed() {
    let app = spawn_app(&[]).await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let request = app.client.post(app.url("/api/process-persona")).json(&json!({
                "textBlocks": [format!("My name is Person Number{i}. I am {} years old.", 20 + i)]
            }));
            tokio::spawn(async move {
                let response = request.send().await.expect("sent");
                (
                    response.status().as_u16(),
                    response.json::<serde_json::Value>().await.expect("json"),
                )
            })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        let (status, body) = task.await.expect("task");
        assert_eq!(status, 200, "{body:?}");
        assert_eq!(body["data"]["persona"]["age"], 20 + i);
    }
}

#[tokio::test]
async fn health_names_the_adapters_and_the_mode() {
    let real = spawn_app(&[]).await.get("/api/health").await;
    assert_eq!(real.status, 200);
    assert_eq!(
        (
            real.body["data"]["mode"].as_str(),
            real.body["data"]["extractor"].as_str(),
            real.body["data"]["store"].as_str()
        ),
        (Some("real"), Some("mock"), Some("fs"))
    );
    let mock = spawn_app(&[("USE_MOCK_DATA", "true")])
        .await
        .get("/api/health")
        .await;
    assert_eq!(
        (
            mock.body["data"]["mode"].as_str(),
            mock.body["data"]["store"].as_str()
        ),
        (Some("mock"), Some("memory"))
    );
}

#[tokio::test]
async fn a_large_input_within_the_limits_is_processed() {
    let app = spawn_app(&[]).await;
    let words = "My name is Long Writer. ".to_owned() + &"word ".repeat(12_000);
    let links: Vec<String> = (0..25)
        .map(|i| format!("https://example.com/page/{i}"))
        .collect();
    let links: Vec<&str> = links.iter().map(String::as_str).collect();
    let answer = app.process(&[&words], &links).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body["error"]);
    assert_eq!(answer.body["data"]["persona"]["name"], "Long Writer");
}
