//! The playground page: `public/`'s files, byte for byte, with their headers; the API's paths
//! are untouched.

use persona_app_http::site::{CONTENT_SECURITY_POLICY, FILES};
use reqwest::Method;

use super::helpers::{TestApp, spawn_app};

/// A file of `public/` as it is on disk.
fn public_file(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../public")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Status, the named headers and the body bytes of one request.
async fn fetch(
    app: &TestApp,
    method: Method,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app
        .client
        .request(method, app.url(path))
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body read").to_vec();
    (status, headers, body)
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn assert_page_headers(headers: &reqwest::header::HeaderMap, content_type: &str, what: &str) {
    assert_eq!(
        header(headers, "content-type"),
        Some(content_type),
        "{what}"
    );
    assert_eq!(header(headers, "cache-control"), Some("no-cache"), "{what}");
    assert_eq!(
        header(headers, "content-security-policy"),
        Some(CONTENT_SECURITY_POLICY),
        "{what}"
    );
    assert_eq!(
        header(headers, "x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(header(headers, "x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        header(headers, "referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
}

#[tokio::test]
async fn the_page_is_served_at_slash_with_or_without_a_query_exactly_as_in_public() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true")]).await;
    let index = public_file("index.html");
    for path in [
        "/",
        "/?id=V1StGXR8_Z5jdHi6B-myT",
        "/?anything",
        "/index.html",
    ] {
        let (status, headers, body) = fetch(&app, Method::GET, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(body == index, "{path} is not public/index.html");
        assert_page_headers(&headers, "text/html; charset=utf-8", path);
    }
}

#[tokio::test]
async fn each_file_is_served_with_its_type_and_the_pages_headers() {
    let app = spawn_app(&[]).await;
    for (name, content_type) in [
        ("app.js", "application/javascript; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ] {
        let path = format!("/{name}");
        let (status, headers, body) = fetch(&app, Method::GET, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(body == public_file(name), "{path} is not public/{name}");
        assert_page_headers(&headers, content_type, &path);
    }
}

#[tokio::test]
async fn every_file_of_public_is_served() {
    let served: Vec<&str> = FILES.iter().map(|f| f.path).collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../public");
    for entry in std::fs::read_dir(&dir).expect("public/") {
        let name = entry
            .expect("an entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        assert!(
            served.contains(&format!("/{name}").as_str()),
            "public/{name} is not in app-http's site::FILES"
        );
    }
}

#[tokio::test]
async fn head_answers_the_headers_and_length_without_a_body() {
    let app = spawn_app(&[]).await;
    for path in ["/", "/app.js"] {
        let (_, get_headers, get_body) = fetch(&app, Method::GET, path).await;
        let (status, headers, body) = fetch(&app, Method::HEAD, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.is_empty(), "{path}: a HEAD answer has no body");
        assert_eq!(
            header(&headers, "content-length"),
            Some(get_body.len().to_string().as_str()),
            "{path}"
        );
        let content_type = header(&get_headers, "content-type").expect("a type");
        assert_page_headers(&headers, content_type, path);
    }
}

#[tokio::test]
async fn other_methods_and_paths_still_reach_the_api() {
    let app = spawn_app(&[]).await;
    for (method, path, status) in [
        (Method::POST, "/", 404),
        (Method::GET, "/app.js/", 404),
        (Method::GET, "/public/index.html", 404),
        (Method::GET, "/favicon.ico", 404),
        (Method::GET, "/api/health", 200),
    ] {
        let (got, headers, body) = fetch(&app, method.clone(), path).await;
        assert_eq!(got, status, "{method} {path}");
        assert_eq!(
            header(&headers, "content-type"),
            Some("application/json"),
            "{method} {path}"
        );
        // The API's own headers: a request id and a policy that allows nothing.
        assert!(
            header(&headers, "x-request-id").is_some(),
            "{method} {path}"
        );
        assert_eq!(
            header(&headers, "content-security-policy"),
            Some("default-src 'none'; frame-ancestors 'none'"),
            "{method} {path}"
        );
        let body: serde_json::Value = serde_json::from_slice(&body).expect("an envelope");
        assert_eq!(body["success"], status == 200, "{method} {path}");
    }
}
