//! Protocol answers clients and proxies expect, black-box: actix's own errors (a head too
//! large, bytes that are not HTTP, a 100,000-character URL) in the envelope, `HEAD` of every
//! `GET` route, and charsets.

use persona_api::Operation;
use serde_json::json;

use super::helpers::{MAYA, spawn_app_with};
use super::raw::{assert_enveloped, exchange};
use super::slow::short_heads;

#[tokio::test]
async fn a_head_over_128_kib_is_431_in_the_envelope() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_heads()).await;
    let request = format!(
        "GET /api/health HTTP/1.1\r\nhost: localhost\r\nx-big: {}\r\n\r\n",
        "a".repeat(140_000)
    );
    let answer = exchange(&app, request.as_bytes()).await;
    assert_enveloped(&answer, 431, "HEADERS_TOO_LARGE");
}

#[tokio::test]
async fn bytes_that_are_not_http_are_400_in_the_envelope() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_heads()).await;
    let answer = exchange(&app, b"GARBAGE\x01 / HTTP/1.1\r\n\r\n").await;
    assert_enveloped(&answer, 400, "INVALID_REQUEST");
}

#[tokio::test]
async fn a_query_of_100000_characters_is_400_in_the_envelope() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_heads()).await;
    let request = format!(
        "GET /api/get-persona?id={} HTTP/1.1\r\nhost: localhost\r\n\r\n",
        "a".repeat(100_000)
    );
    let answer = exchange(&app, request.as_bytes()).await;
    assert_enveloped(&answer, 400, "INVALID_REQUEST");
    // Nothing of what was sent comes back.
    assert!(!answer.body.to_string().contains("aaaa"), "{answer:?}");
}

#[tokio::test]
async fn head_of_every_get_route_answers_as_the_get_without_a_body() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_heads()).await;
    let saved = app.save(&json!({ "name": "Ada Lovelace" })).await;
    let id = saved.body["data"]["id"].as_str().expect("an id").to_owned();
    let job = app
        .send(
            app.client
                .post(app.url(Operation::ProcessPersona.path()))
                .header("prefer", "respond-async")
                .json(&json!({ "textBlocks": ["My name is Ada."] })),
        )
        .await;
    let job = job.body["data"]["job"]["id"]
        .as_str()
        .expect("a job id")
        .to_owned();
    // Ended, the job no longer changes between the GET and the HEAD compared below.
    let job_url = format!("{}?id={job}", app.url(Operation::GetJob.path()));
    while app.send(app.client.get(&job_url)).await.body["data"]["job"]["status"] != "succeeded" {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    for op in Operation::ALL.into_iter().filter(|op| op.method() == "GET") {
        let url = match op {
            Operation::GetPersona => format!("{}?id={id}", app.url(op.path())),
            Operation::GetJob => job_url.clone(),
            _ => app.url(op.path()),
        };
        let get = app.client.get(&url).send().await.expect("GET");
        let get_status = get.status();
        let get_type = get.headers().get("content-type").cloned();
        let get_body = get.bytes().await.expect("body");
        let head = app.client.head(&url).send().await.expect("HEAD");
        assert_eq!(head.status(), get_status, "{}", op.path());
        assert_eq!(head.status(), 200, "{}", op.path());
        assert_eq!(
            head.headers()
                .get("content-length")
                .map(|v| v.to_str().ok()),
            Some(Some(get_body.len().to_string().as_str())),
            "{}",
            op.path()
        );
        assert_eq!(head.headers().get("content-type").cloned(), get_type);
        assert!(head.headers().contains_key("x-request-id"));
        assert!(
            head.bytes().await.expect("no body").is_empty(),
            "{}",
            op.path()
        );
    }
    let post_route = app
        .client
        .head(app.url("/api/process-persona"))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(post_route.status(), 405);
    assert_eq!(
        post_route.headers().get("allow").map(|v| v.to_str().ok()),
        Some(Some("POST, OPTIONS"))
    );
    let preflight = app.preflight("/api/health", "http://localhost:3000").await;
    assert_eq!(preflight.header("allow"), Some("GET, HEAD, OPTIONS"));
}

#[tokio::test]
async fn a_charset_other_than_utf8_is_415_and_says_what_to_send() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_heads()).await;
    let answer = app
        .send(
            app.client
                .post(app.url("/api/process-persona"))
                .header("content-type", "application/json; charset=utf-16")
                .body(json!({ "textBlocks": [MAYA] }).to_string()),
        )
        .await;
    assert_eq!(answer.status, 415);
    assert_eq!(answer.code(), "UNSUPPORTED_MEDIA_TYPE");
    let message = answer.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("UTF-8"), "{message}");
    assert!(message.contains("application/json"), "{message}");
}

#[tokio::test]
async fn a_utf8_byte_order_mark_before_the_json_is_tolerated() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_heads()).await;
    let mut body = vec![0xEF, 0xBB, 0xBF];
    body.extend(json!({ "textBlocks": [MAYA] }).to_string().into_bytes());
    let answer = app
        .send(
            app.client
                .post(app.url("/api/process-persona"))
                .header("content-type", "application/json; charset=utf-8")
                .body(body),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["data"]["persona"]["name"], "Maya Patel");
}
