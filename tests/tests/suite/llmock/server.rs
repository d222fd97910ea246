//! `persona-server` with `OPENAI_BASE_URL` at llmock: the whole stack, from an HTTP request to a
//! scripted model and back as an envelope.

use persona_domain::{Field, FieldKind, Persona};
use serde_json::json;

use super::llmock;
use crate::api::helpers::{MAYA, TestApp, spawn_app};

/// How many fields grounding classifies: llmock's answer has one value in each.
fn grounded_fields() -> usize {
    Field::ALL.into_iter().filter(|f| f.is_grounded()).count()
}

async fn server_for(llmock: &super::Llmock, deadline_ms: &str) -> TestApp {
    spawn_app(&[
        ("OPENAI_BASE_URL", &llmock.base_url()),
        ("OPENAI_API_KEY", "sk-llmock"),
        ("OPENAI_MODEL", &llmock.model),
        ("PROCESS_DEADLINE_MS", deadline_ms),
    ])
    .await
}

#[tokio::test]
async fn process_persona_answers_a_valid_persona_from_the_model() {
    let Some(llmock) = llmock("server-ok").await else {
        return;
    };
    let app = server_for(&llmock, "10000").await;

    let answer = app.process(&[MAYA], &[]).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let data = &answer.body["data"];
    assert_eq!(data["usage"]["attempts"], 1);
    assert_eq!(data["usage"]["model"], llmock.model.as_str());
    // What the service answered is a persona the strict rules accept as it is.
    let persona: persona_domain::PersonaDraft =
        serde_json::from_value(data["persona"].clone()).expect("a persona");
    let parsed = persona_domain::Persona::parse(persona).expect("a valid persona");
    assert_eq!(
        serde_json::to_value(&parsed).expect("json"),
        data["persona"]
    );
    // llmock fills every field with a placeholder ("mock-name", one item per list) and quotes
    // "mock-quote": none of it is in the source, and grounding says so of every grounded value.
    assert_eq!(
        data["grounding"]["counts"],
        json!({"quoted": 0, "stated": 0, "inferred": grounded_fields(), "fabricated_quotes": 1})
    );
    let name = &data["grounding"]["fields"]["/name"];
    assert_eq!(name["status"], "inferred", "{name}");
    // Signed like every entry, so a save can tell the server's finding from a client's claim.
    assert!(
        name["signature"]
            .as_str()
            .is_some_and(|s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())),
        "{name}"
    );
    assert_eq!(data["persona"]["evidence"], json!([]));
    let health = app.get("/api/health").await;
    assert_eq!(
        (
            &health.body["data"]["extractor"],
            &health.body["data"]["model"]
        ),
        (&json!("openai"), &json!(llmock.model))
    );
}

#[tokio::test]
async fn strict_grounding_removes_every_placeholder_the_model_invented() {
    let Some(llmock) = llmock("server-strict").await else {
        return;
    };
    let app = spawn_app(&[
        ("OPENAI_BASE_URL", &llmock.base_url()),
        ("OPENAI_API_KEY", "sk-llmock"),
        ("OPENAI_MODEL", &llmock.model),
        ("GROUNDING", "strict"),
    ])
    .await;

    let answer = app.process(&[MAYA], &[]).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let data = &answer.body["data"];
    assert_eq!(
        data["grounding"],
        json!({"mode": "strict", "fields": {},
               "counts": {"quoted": 0, "stated": 0, "inferred": 0, "fabricated_quotes": 1}})
    );
    let persona = &data["persona"];
    // Every grounded field is emptied: null where null stands for unknown, no items in a list.
    for field in Field::ALL.into_iter().filter(|f| f.is_grounded()) {
        let emptied = match field.kind() {
            FieldKind::Text if field == Field::Name => json!(Persona::UNNAMED),
            FieldKind::Text | FieldKind::Age => json!(null),
            FieldKind::List | FieldKind::Evidence => json!([]),
        };
        assert_eq!(persona[field.name()], emptied, "{field}");
    }
    let removed = data["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter(|w| w["code"] == "UNSUPPORTED_REMOVED")
        .count();
    assert_eq!(removed, grounded_fields());
}

#[tokio::test]
async fn a_rate_limit_past_the_deadline_answers_429_with_retry_after() {
    let Some(llmock) = llmock("server-429").await else {
        return;
    };
    llmock
        .script(&[json!({ "type": "fail", "status": 429, "retry_after": 20, "times": 3 })])
        .await;
    let app = server_for(&llmock, "2000").await;

    let answer = app.process(&[MAYA], &[]).await;

    assert_eq!(answer.status, 429, "{}", answer.body);
    assert_eq!(answer.code(), "RATE_LIMITED");
    assert_eq!(answer.body["error"]["retryable"], true);
    assert_eq!(answer.header("retry-after"), Some("20"));
    assert_eq!(
        llmock.served().await.len(),
        1,
        "no retry could finish in time"
    );
}

#[tokio::test]
async fn a_model_slower_than_the_deadline_answers_504() {
    let Some(llmock) = llmock("server-504").await else {
        return;
    };
    llmock
        .script(&[json!({ "type": "delay", "seconds": 3 })])
        .await;
    let app = server_for(&llmock, "1000").await;

    let answer = app.process(&[MAYA], &[]).await;

    assert_eq!(answer.status, 504, "{}", answer.body);
    assert_eq!(answer.code(), "UPSTREAM_TIMEOUT");
    assert_eq!(answer.body["error"]["retryable"], true);
}
