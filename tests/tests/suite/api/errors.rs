//! Every client error gets its status and an envelope that says what to fix.

use serde_json::json;

use super::helpers::{Answer, spawn_app};

fn assert_envelope(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert_eq!(answer.body["success"], false);
    let error = &answer.body["error"];
    assert_eq!(error["code"], code);
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(error["request_id"].as_str(), answer.header("x-request-id"));
    assert!(error["retryable"].is_boolean());
    assert!(error["details"].is_array());
    assert_eq!(answer.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn an_unknown_route_is_not_found() {
    let app = spawn_app(&[]).await;
    // `/` is the playground page (see `site`); POST to it is the API's.
    assert_envelope(
        &app.send(app.client.post(app.url("/"))).await,
        404,
        "NOT_FOUND",
    );
    for path in ["/api/nope", "/api/process-persona/extra", "/favicon.ico"] {
        assert_envelope(&app.get(path).await, 404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn a_wrong_method_is_405_with_allow() {
    let app = spawn_app(&[]).await;
    let answer = app.get("/api/process-persona").await;
    assert_envelope(&answer, 405, "METHOD_NOT_ALLOWED");
    assert_eq!(answer.header("allow"), Some("POST, OPTIONS"));
    let answer = app
        .send(app.client.delete(app.url("/api/get-persona")))
        .await;
    assert_envelope(&answer, 405, "METHOD_NOT_ALLOWED");
    assert_eq!(answer.header("allow"), Some("GET, HEAD, OPTIONS"));
}

#[tokio::test]
async fn a_non_json_post_is_415() {
    let app = spawn_app(&[]).await;
    let request = app
        .client
        .post(app.url("/api/process-persona"))
        .header("content-type", "text/plain")
        .body("hello");
    assert_envelope(&app.send(request).await, 415, "UNSUPPORTED_MEDIA_TYPE");
    let request = app.client.post(app.url("/api/save-persona")).body("{}");
    assert_envelope(&app.send(request).await, 415, "UNSUPPORTED_MEDIA_TYPE");
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_413() {
    let app = spawn_app(&[]).await;
    let body = json!({ "textBlocks": ["a".repeat(1024 * 1024)] });
    assert_envelope(
        &app.post_json("/api/process-persona", &body).await,
        413,
        "PAYLOAD_TOO_LARGE",
    );
}

#[tokio::test]
async fn a_block_over_its_limit_is_413_and_says_by_how_much() {
    let app = spawn_app(&[]).await;
    let answer = app.process(&[&"a".repeat(100_010)], &[]).await;
    assert_envelope(&answer, 413, "PAYLOAD_TOO_LARGE");
    assert_eq!(answer.body["error"]["details"][0]["field"], "/textBlocks/0");
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("10 too many")),
        "{:?}",
        answer.body
    );
}

#[tokio::test]
async fn broken_json_is_400() {
    let app = spawn_app(&[]).await;
    let request = app
        .client
        .post(app.url("/api/process-persona"))
        .header("content-type", "application/json")
        .body(r#"{"textBlocks": ["my private words"#);
    let answer = app.send(request).await;
    assert_envelope(&answer, 400, "INVALID_REQUEST");
    assert!(
        !answer.body.to_string().contains("private"),
        "the error never repeats the input"
    );
}

#[tokio::test]
async fn empty_blocks_and_bad_links_are_400_with_details() {
    let app = spawn_app(&[]).await;
    let answer = app.process(&[], &[]).await;
    assert_envelope(&answer, 400, "INVALID_REQUEST");
    assert_eq!(
        answer.body["error"]["message"],
        "textBlocks must hold at least one block of text"
    );

    let answer = app
        .process(&["fine", "   "], &["ftp://files.example", "not a url"])
        .await;
    assert_envelope(&answer, 400, "INVALID_REQUEST");
    let fields = answer.detail_fields();
    assert_eq!(fields, ["/textBlocks/1", "/links/0", "/links/1"]);
}

#[tokio::test]
async fn a_wrongly_shaped_body_is_400_without_echoing_values() {
    let app = spawn_app(&[]).await;
    let answer = app
        .post_json(
            "/api/process-persona",
            &json!({ "textBlocks": "my secret diary", "extra": true }),
        )
        .await;
    assert_envelope(&answer, 400, "INVALID_REQUEST");
    assert!(!answer.body.to_string().contains("secret diary"));
    assert!(
        answer.body["error"]["details"]
            .as_array()
            .is_some_and(|d| d.len() >= 2),
        "{:?}",
        answer.body
    );
}

#[tokio::test]
async fn a_request_id_is_echoed_or_made() {
    let app = spawn_app(&[]).await;
    let given = app
        .get_with("/api/health", &[("x-request-id", "req-123.abc")])
        .await;
    assert_eq!(given.header("x-request-id"), Some("req-123.abc"));
    let made = app.get("/api/health").await;
    assert_eq!(
        made.header("x-request-id").map(str::len),
        Some(36),
        "a UUID"
    );
    let hostile = app
        .get_with(
            "/api/nope",
            &[("x-request-id", "<script>alert(1)</script>")],
        )
        .await;
    let id = hostile.header("x-request-id").expect("id");
    assert!(!id.contains('<'));
    assert_eq!(hostile.body["error"]["request_id"], id);
}

#[tokio::test]
async fn every_answer_carries_the_safety_headers() {
    let app = spawn_app(&[]).await;
    for answer in [
        app.get("/api/health").await,
        app.get("/nope").await,
        app.get_persona("AAAAAAAAAAAAAAAAAAAAA").await,
    ] {
        assert_eq!(answer.header("cache-control"), Some("no-store"));
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(answer.header("server"), None);
    }
}
