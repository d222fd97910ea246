//! get-persona's `ETag`, `If-None-Match` and 304, and the cache headers around them.

use reqwest::header::HeaderMap;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::helpers::{TestApp, spawn_app};

/// A GET of the persona `id` with `headers`: status, headers and the body's bytes.
async fn get(app: &TestApp, method: &str, id: &str, headers: &[(&str, &str)]) -> Raw {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let request = headers.iter().fold(
        app.client
            .request(method, app.url("/api/get-persona"))
            .query(&[("id", id)]),
        |r, (name, value)| r.header(*name, *value),
    );
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("read").to_vec();
    Raw {
        status,
        headers,
        body,
    }
}

struct Raw {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn saved(app: &TestApp) -> String {
    let saved = app
        .save(&json!({ "name": "Ada", "traits": ["curious"] }))
        .await;
    assert_eq!(saved.status, 201, "{:?}", saved.body);
    saved.body["data"]["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn a_persona_is_tagged_with_its_bodys_sha256_and_kept_privately_and_checked() {
    let app = spawn_app(&[]).await;
    let id = saved(&app).await;
    let first = get(&app, "GET", &id, &[]).await;
    assert_eq!(first.status, 200);
    let tag = format!("\"{:x}\"", Sha256::digest(&first.body));
    assert_eq!(first.header("etag"), Some(tag.as_str()));
    assert_eq!(first.header("cache-control"), Some("private, no-cache"));
    // The same persona read again is the same bytes under the same tag.
    let again = get(&app, "GET", &id, &[]).await;
    assert_eq!(
        (again.header("etag"), &again.body),
        (Some(tag.as_str()), &first.body)
    );
    // Another persona has another tag.
    let other = get(&app, "GET", &saved(&app).await, &[]).await;
    assert_ne!(other.header("etag"), Some(tag.as_str()));
}

#[tokio::test]
async fn a_matching_if_none_match_is_304_with_no_body_and_the_headers_kept() {
    let app = spawn_app(&[]).await;
    let id = saved(&app).await;
    let tag = get(&app, "GET", &id, &[])
        .await
        .header("etag")
        .expect("tag")
        .to_owned();
    let weak = format!("W/{tag}");
    let listed = format!("\"something-else\", {tag}");
    for condition in [tag.as_str(), weak.as_str(), listed.as_str(), "*"] {
        for method in ["GET", "HEAD"] {
            let answer = get(&app, method, &id, &[("if-none-match", condition)]).await;
            assert_eq!(answer.status, 304, "{method} with {condition}");
            assert!(answer.body.is_empty(), "{method} with {condition}");
            assert_eq!(answer.header("etag"), Some(tag.as_str()));
            assert_eq!(answer.header("cache-control"), Some("private, no-cache"));
            assert!(answer.header("x-request-id").is_some());
            assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        }
    }
}

#[tokio::test]
async fn a_tag_that_is_not_current_gets_the_whole_persona() {
    let app = spawn_app(&[]).await;
    let id = saved(&app).await;
    let stale = "\"0000000000000000000000000000000000000000000000000000000000000000\"";
    let answer = get(&app, "GET", &id, &[("if-none-match", stale)]).await;
    assert_eq!(answer.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&answer.body).expect("json");
    assert_eq!(body["data"]["persona"]["name"], "Ada");
}

#[tokio::test]
async fn a_malformed_if_none_match_is_a_400_that_says_what_to_send() {
    let app = spawn_app(&[]).await;
    let id = saved(&app).await;
    for bad in ["abc", "\"unterminated", "\"a b\""] {
        let answer = app
            .get_with(
                &format!("/api/get-persona?id={id}"),
                &[("if-none-match", bad)],
            )
            .await;
        assert_eq!(answer.status, 400, "{bad}");
        assert_eq!(answer.code(), "INVALID_REQUEST");
        let message = answer.body["error"]["message"].as_str().expect("message");
        assert!(message.contains("If-None-Match must be *"), "{message}");
        assert!(
            !message.contains(bad),
            "the header is not echoed: {message}"
        );
        assert_eq!(answer.header("cache-control"), Some("no-store"));
    }
}

#[tokio::test]
async fn a_missing_persona_is_404_whatever_the_condition() {
    let app = spawn_app(&[]).await;
    let answer = app
        .get_with(
            "/api/get-persona?id=AAAAAAAAAAAAAAAAAAAAA",
            &[("if-none-match", "*")],
        )
        .await;
    assert_eq!((answer.status, answer.code()), (404, "NOT_FOUND"));
    assert_eq!(answer.header("etag"), None);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn a_browser_may_send_if_none_match_and_read_the_etag() {
    let app = spawn_app(&[("ALLOWED_ORIGINS", "https://chat.example")]).await;
    let id = saved(&app).await;
    let preflight = app
        .send(
            app.client
                .request(reqwest::Method::OPTIONS, app.url("/api/get-persona"))
                .header("origin", "https://chat.example")
                .header("access-control-request-method", "GET")
                .header("access-control-request-headers", "if-none-match"),
        )
        .await;
    let allowed = preflight
        .header("access-control-allow-headers")
        .expect("allowed headers");
    assert!(
        allowed.split(", ").any(|h| h == "if-none-match"),
        "{allowed}"
    );
    let answer = get(&app, "GET", &id, &[("origin", "https://chat.example")]).await;
    let exposed = answer
        .header("access-control-expose-headers")
        .expect("exposed headers");
    assert!(exposed.split(", ").any(|h| h == "etag"), "{exposed}");
}
