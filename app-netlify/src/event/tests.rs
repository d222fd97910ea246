//! Each event shape the Netlify CLI, Netlify and API Gateway send, from a JSON fixture.

use serde_json::{Value, json};

use super::*;

fn fixture(text: &str) -> Request {
    let event: Value = serde_json::from_str(text).expect("a JSON fixture");
    to_request(event).expect("a readable event")
}

#[test]
fn the_clis_direct_get_with_a_null_account_header_is_read() {
    let request = fixture(include_str!("../../tests/fixtures/cli-get-direct.json"));
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/.netlify/functions/get-persona");
    assert_eq!(request.query.as_deref(), Some("id=V1StGXR8_Z5jdHi6B-myT"));
    assert_eq!(
        request.query_param("id").as_deref(),
        Some("V1StGXR8_Z5jdHi6B-myT")
    );
    assert_eq!(request.header("x-request-id"), Some("req-1"));
    // The multi-valued null is dropped; the single-valued map's empty value is what is left.
    assert_eq!(request.header("x-nf-account-id"), Some(""));
    // Only in the single-valued map (the CLI adds it after building the multi-valued one).
    assert_eq!(request.header("x-amzn-trace-id"), Some("1a2b3c4d5e6f"));
    assert_eq!(
        request.headers.iter().filter(|(n, _)| n == "host").count(),
        1,
        "a header in both maps is taken once"
    );
    assert!(request.body.is_empty(), "isBase64Encoded without a body");
}

#[test]
fn a_base64_body_through_the_redirect_is_decoded() {
    let request = fixture(include_str!(
        "../../tests/fixtures/cli-post-redirect-base64.json"
    ));
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/api/save-persona")
    );
    assert_eq!(request.body, br#"{"persona": {"name": "Ada"}}"#);
    assert_eq!(request.query, None, "an empty rawQuery is no query");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("origin"), Some("http://localhost:3000"));
}

#[test]
fn a_plain_body_is_taken_as_it_is_when_the_context_has_no_method() {
    let request = fixture(include_str!(
        "../../tests/fixtures/no-request-context-method.json"
    ));
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.body,
        br#"{"textBlocks": ["Hi, I am Ada."], "links": []}"#
    );
}

#[test]
fn an_event_without_a_request_context_is_read() {
    let request = fixture(include_str!("../../tests/fixtures/no-request-context.json"));
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("OPTIONS", "/api/health")
    );
    assert_eq!(request.header("access-control-request-method"), Some("GET"));
}

#[test]
fn the_method_is_taken_from_the_context_when_only_it_has_one() {
    let request = to_request(json!({
        "path": "/api/health",
        "requestContext": { "httpMethod": "DELETE" },
    }))
    .expect("readable");
    assert_eq!(request.method, "DELETE");
}

#[test]
fn multi_valued_query_parameters_lose_their_nulls_and_keep_their_order() {
    let request = fixture(include_str!(
        "../../tests/fixtures/query-multi-with-nulls.json"
    ));
    assert_eq!(
        request.query.as_deref(),
        Some("id=V1StGXR8_Z5jdHi6B-myT&id=second&tag=a+b%26c")
    );
    assert_eq!(
        request.query_param("id").as_deref(),
        Some("V1StGXR8_Z5jdHi6B-myT"),
        "the first value, not the comma-joined single-valued one"
    );
    assert_eq!(request.query_param("tag").as_deref(), Some("a b&c"));
    assert_eq!(request.query_param("gone"), None);
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(request.header("x-nf-account-id"), None);
}

#[test]
fn single_valued_query_parameters_are_used_when_there_are_no_others() {
    let request = fixture(include_str!("../../tests/fixtures/query-single-only.json"));
    assert_eq!(request.query.as_deref(), Some("id=V1StGXR8_Z5jdHi6B-myT"));
    assert_eq!(request.path, "/.netlify/functions/get-persona/");
    assert_eq!(request.header("accept"), Some("application/json"));
}

#[test]
fn an_api_gateway_rest_event_keeps_its_path_without_the_stage() {
    let request = fixture(include_str!("../../tests/fixtures/aws-rest-stage.json"));
    assert_eq!(
        (
            request.method.as_str(),
            request.path.as_str(),
            request.query.as_deref()
        ),
        ("GET", "/api/health", None)
    );
    assert_eq!(request.header("accept"), Some("application/json"));
    assert!(request.body.is_empty());
}

#[test]
fn a_body_that_claims_base64_and_is_not_is_refused() {
    let error = to_request(json!({
        "path": "/api/save-persona",
        "httpMethod": "POST",
        "body": "not base64!",
        "isBase64Encoded": true,
    }))
    .expect_err("refused");
    assert!(matches!(error, EventError::Base64));
}

#[test]
fn something_that_is_no_http_event_is_refused_without_echoing_it() {
    for event in [json!("private words"), json!({ "httpMethod": "N O" })] {
        let error = to_request(event).expect_err("refused");
        assert!(!error.to_string().contains("private"), "{error}");
    }
}

#[test]
fn a_header_on_several_lines_keeps_every_line_in_order() {
    // The rate limits join X-Forwarded-For's lines and read them from the right, so a line lost
    // or reordered here would let a client choose its own address.
    let request = to_request(json!({
        "path": "/api/process-persona",
        "httpMethod": "POST",
        "multiValueHeaders": { "x-forwarded-for": ["6.6.6.6, 7.7.7.7", "203.0.113.7"] },
        "headers": { "x-forwarded-for": "6.6.6.6, 7.7.7.7, 203.0.113.7" },
    }))
    .expect("a readable event");
    assert_eq!(
        request.header_values("x-forwarded-for").collect::<Vec<_>>(),
        ["6.6.6.6, 7.7.7.7", "203.0.113.7"]
    );
}
