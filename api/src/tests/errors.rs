//! Failures as a client sees them: each port error, an invalid bundle and a malformed id in
//! the envelope, with the status, code and headers the mapping gives them.

use super::*;

#[tokio::test]
async fn extractor_failures_reach_the_client_as_envelopes() {
    let cases = [
        (
            ExtractError::RateLimited { retry_after: None },
            429,
            "RATE_LIMITED",
            true,
        ),
        (ExtractError::Timeout, 504, "UPSTREAM_TIMEOUT", true),
        (
            ExtractError::Unavailable {
                retryable: true,
                reason: "overloaded".into(),
            },
            503,
            "UPSTREAM_UNAVAILABLE",
            true,
        ),
        (
            ExtractError::Unavailable {
                retryable: false,
                reason: "bad key".into(),
            },
            502,
            "UPSTREAM_UNAVAILABLE",
            false,
        ),
        (ExtractError::Refused, 422, "REFUSED", false),
        (
            ExtractError::InvalidOutput {
                reason: "not json".into(),
            },
            422,
            "EXTRACTION_FAILED",
            true,
        ),
        (
            ExtractError::Unexpected("boom".into()),
            500,
            "INTERNAL",
            false,
        ),
    ];
    for (error, status, code, retryable) in cases {
        let response = process_with(error.clone()).await;
        let body = body(&response);
        assert_eq!(response.status, status, "{error:?}");
        assert_eq!(body["success"], false);
        assert_eq!(body["error"]["code"], code, "{error:?}");
        assert_eq!(body["error"]["retryable"], retryable, "{error:?}");
    }
}

#[tokio::test]
async fn a_rate_limit_with_a_wait_sends_retry_after_in_whole_seconds() {
    let response = process_with(ExtractError::RateLimited {
        retry_after: Some(Duration::from_millis(2100)),
    })
    .await;
    assert_eq!(response.header("retry-after"), Some("3"));
}

#[tokio::test]
async fn a_500_says_nothing_of_its_cause() {
    let response = process_with(ExtractError::Unexpected(
        "/srv/secret/path sk-live-key".into(),
    ))
    .await;
    let text = String::from_utf8(response.body).expect("utf8");
    assert!(
        !text.contains("secret") && !text.contains("sk-live"),
        "{text}"
    );
}

#[tokio::test]
async fn store_failures_on_save_and_get_reach_the_client_as_envelopes() {
    let cases = [
        (
            StoreError::Unavailable {
                retryable: true,
                reason: "503".into(),
            },
            503,
            "UPSTREAM_UNAVAILABLE",
        ),
        (
            StoreError::TooLarge { size: 9, max: 5 },
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (StoreError::Unexpected("disk".into()), 500, "INTERNAL"),
    ];
    for (error, status, code) in cases {
        let api = api(ExtractError::Timeout, error.clone());
        let saved = api
            .handle(json_post(
                "/api/save-persona",
                r#"{"persona":{"name":"Ada"}}"#,
            ))
            .await;
        assert_eq!(
            (saved.status, body(&saved)["error"]["code"].clone()),
            (status, Value::from(code)),
            "{error:?}"
        );
        let got = api
            .handle(Request::new("GET", "/api/get-persona").with_query("id=AAAAAAAAAAAAAAAAAAAAA"))
            .await;
        assert_eq!(
            (got.status, body(&got)["error"]["code"].clone()),
            (status, Value::from(code)),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn an_invalid_bundle_never_reaches_the_extractor() {
    // The extractor would answer 504; a 400 proves the request stopped before it.
    let response = api(ExtractError::Timeout, StoreError::NotFound)
        .handle(json_post("/api/process-persona", r#"{"textBlocks":[" "]}"#))
        .await;
    assert_eq!(response.status, 400);
}

#[tokio::test]
async fn a_malformed_id_never_reaches_the_store() {
    // The store would answer 500; a 400 proves the request stopped before it.
    let api = api(
        ExtractError::Timeout,
        StoreError::Unexpected("reached".into()),
    );
    let response = api
        .handle(Request::new("GET", "/api/get-persona").with_query("id=..%2F..%2Fetc%2Fpasswd"))
        .await;
    assert_eq!(
        (response.status, body(&response)["error"]["code"].clone()),
        (400, Value::from("INVALID_ID"))
    );
}
