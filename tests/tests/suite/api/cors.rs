//! CORS: any origin in mock mode, only the listed ones otherwise.

use super::helpers::spawn_app;

#[tokio::test]
async fn mock_mode_allows_any_origin() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true")]).await;
    let answer = app
        .get_with("/api/health", &[("origin", "http://localhost:3000")])
        .await;
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn by_default_the_real_mode_allows_no_origin() {
    let app = spawn_app(&[]).await;
    let answer = app
        .get_with("/api/health", &[("origin", "http://localhost:3000")])
        .await;
    assert_eq!(answer.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn listed_origins_are_echoed_and_others_are_not() {
    let app = spawn_app(&[(
        "ALLOWED_ORIGINS",
        "https://app.example, http://localhost:3000",
    )])
    .await;
    let allowed = app
        .get_with("/api/health", &[("origin", "https://app.example")])
        .await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(allowed.header("vary"), Some("origin"));
    assert!(
        allowed
            .header("access-control-expose-headers")
            .is_some_and(|h| h.contains("x-request-id"))
    );
    let other = app
        .get_with("/api/health", &[("origin", "https://evil.example")])
        .await;
    assert_eq!(other.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn a_preflight_is_answered_204_with_the_allowed_methods_and_headers() {
    let app = spawn_app(&[("ALLOWED_ORIGINS", "https://app.example")]).await;
    let answer = app
        .preflight("/api/save-persona", "https://app.example")
        .await;
    assert_eq!(answer.status, 204);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert!(
        answer
            .header("access-control-allow-methods")
            .is_some_and(|m| m.contains("POST"))
    );
    assert!(
        answer
            .header("access-control-allow-headers")
            .is_some_and(|h| h.contains("content-type"))
    );
}

#[tokio::test]
async fn a_preflight_from_an_unlisted_origin_gets_no_permission() {
    let app = spawn_app(&[("ALLOWED_ORIGINS", "https://app.example")]).await;
    let answer = app
        .preflight("/api/save-persona", "https://evil.example")
        .await;
    assert_eq!(answer.header("access-control-allow-origin"), None);
    assert_eq!(answer.header("access-control-allow-methods"), None);
}
