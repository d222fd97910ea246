//! `persona-server` with `SUPABASE_URL` at the fake: the HTTP round trip, and what lands in the
//! bucket.

use persona_tests::fake_supabase::FakeSupabase;
use serde_json::json;

use crate::api::helpers::{TestApp, spawn_app};

async fn server_over(fake: &FakeSupabase, bucket: &str) -> TestApp {
    spawn_app(&[
        ("SUPABASE_URL", &fake.url()),
        ("SUPABASE_SERVICE_ROLE_KEY", &fake.keys().service),
        ("SUPABASE_BUCKET", bucket),
    ])
    .await
}

#[tokio::test]
async fn save_then_get_round_trips_through_the_bucket() {
    let fake = FakeSupabase::start().await;
    let app = server_over(&fake, "team-personas").await;
    let persona = json!({ "name": "Grace Hopper", "age": 85, "skills": ["COBOL", "compilers"] });

    let saved = app.save(&persona).await;
    assert_eq!(saved.status, 201, "{}", saved.body);
    let id = saved.body["data"]["id"].as_str().expect("id").to_owned();
    let got = app.get_persona(&id).await;

    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["data"]["persona"]["name"], "Grace Hopper");
    assert_eq!(got.body["data"]["metadata"], saved.body["data"]["metadata"]);
    let object = fake
        .object("team-personas", &format!("{id}.json"))
        .expect("the document is in the configured bucket");
    assert_eq!(object.content_type, "application/json");
    assert_eq!(object.metadata, saved.body["data"]["metadata"]);
    let document: serde_json::Value = serde_json::from_slice(&object.body).expect("json");
    assert_eq!(document["persona"], got.body["data"]["persona"]);
    assert_eq!(fake.bucket_is_public("team-personas"), Some(false));
    let health = app.get("/api/health").await;
    assert_eq!(
        (
            &health.body["data"]["store"],
            &health.body["data"]["bucket"]
        ),
        (&json!("supabase"), &json!("team-personas"))
    );
}

#[tokio::test]
async fn an_unknown_id_is_404_not_found() {
    let fake = FakeSupabase::start().await;
    let app = server_over(&fake, "personas").await;
    let answer = app.get_persona("V1StGXR8_Z5jdHi6B-myT").await;
    assert_eq!((answer.status, answer.code()), (404, "NOT_FOUND"));
}

#[tokio::test]
async fn a_storage_outage_is_a_retryable_503_and_saves_nothing_twice() {
    let fake = FakeSupabase::start().await;
    let app = server_over(&fake, "personas").await;
    fake.set_faults(persona_tests::fake_supabase::Faults {
        fail_503_ratio: 1.0,
        ..Default::default()
    });

    let answer = app.save(&json!({ "name": "Ada" })).await;

    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.code(), "UPSTREAM_UNAVAILABLE");
    assert_eq!(answer.body["error"]["retryable"], true);
    assert_eq!(fake.object_count("personas"), 0);
}

#[tokio::test]
async fn a_public_bucket_stops_the_server_from_starting() {
    let fake = FakeSupabase::start().await;
    fake.add_bucket("personas", true, None);
    let vars = [
        ("PORT", "0".to_owned()),
        ("SUPABASE_URL", fake.url()),
        ("SUPABASE_SERVICE_ROLE_KEY", fake.keys().service.clone()),
    ];
    let config = persona_app_http::Config::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
    .expect("config");

    let error = persona_app_http::Application::build(&config)
        .await
        .expect_err("refused");

    let message = error.to_string();
    assert!(message.contains("world-readable"), "{message}");
    assert!(!message.contains(&fake.keys().service), "{message}");
}
