//! Error statuses and bodies, each mapped to its port error.

use persona_ports::{ExtractError, PersonaExtractor};

use super::*;

async fn fail_with(response: ResponseTemplate) -> (persona_ports::ExtractFailure, usize) {
    let fake = Fake::start().await;
    fake.always(response).await;
    let failure = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect_err("fails");
    (failure, fake.requests().await.len())
}

#[tokio::test]
async fn bad_key_forbidden_and_unknown_model_are_misconfigurations() {
    for (status, kind, code) in [
        (401, "invalid_request_error", "invalid_api_key"),
        (
            403,
            "invalid_request_error",
            "unsupported_country_region_territory",
        ),
        (404, "invalid_request_error", "model_not_found"),
    ] {
        let (failure, requests) = fail_with(failure(status, kind, Some(code))).await;
        let ExtractError::Misconfigured { reason } = &failure.error else {
            panic!("{status}: expected Misconfigured, got {:?}", failure.error);
        };
        assert!(reason.contains(&status.to_string()), "{reason}");
        assert!(!reason.contains(KEY));
        assert_eq!(requests, 1, "{status} is not retried");
    }
}

#[tokio::test]
async fn context_length_exceeded_is_input_too_long_with_our_count() {
    let response = ResponseTemplate::new(400).set_body_json(error_body(
        "This model's maximum context length is 128000 tokens.",
        "invalid_request_error",
        Some("messages"),
        Some("context_length_exceeded"),
    ));
    let (failure, requests) = fail_with(response).await;

    let ExtractError::InputTooLong {
        prompt_tokens,
        limit,
    } = failure.error
    else {
        panic!("expected InputTooLong, got {:?}", failure.error);
    };
    assert_eq!(limit, 128_000 - budget());
    assert!(
        prompt_tokens > 100,
        "the adapter's own count: {prompt_tokens}"
    );
    assert_eq!(requests, 1);
    assert_eq!(failure.usage.expect("usage").attempts, 1);
}

#[tokio::test]
async fn llama_cpp_context_errors_with_integer_codes_are_input_too_long() {
    // llama.cpp's shape: an integer code, outside OpenAI's spec, so not checked against it.
    let response = ResponseTemplate::new(400).set_body_json(json!({
        "error": {
            "code": 400,
            "message": "the request exceeds the available context size",
            "type": "exceed_context_size_error",
            "n_prompt_tokens": 9000,
            "n_ctx": 8192,
        }
    }));
    let (failure, _) = fail_with(response).await;

    assert!(
        matches!(failure.error, ExtractError::InputTooLong { .. }),
        "{:?}",
        failure.error
    );
}

#[tokio::test]
async fn an_integer_error_code_is_read_into_the_reason() {
    let response = ResponseTemplate::new(400).set_body_json(json!({
        "error": { "code": 400, "message": "bad grammar", "type": "invalid_request_error" }
    }));
    let (failure, requests) = fail_with(response).await;

    let ExtractError::Unavailable { retryable, reason } = &failure.error else {
        panic!("expected Unavailable, got {:?}", failure.error);
    };
    assert!(!retryable);
    assert!(reason.contains("code 400"), "{reason}");
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn other_400s_are_unavailable_without_retry_and_without_the_material() {
    let response = ResponseTemplate::new(400).set_body_json(error_body(
        &format!("Invalid content: {MATERIAL}"),
        "invalid_request_error",
        Some("messages"),
        Some("invalid_value"),
    ));
    let (failure, requests) = fail_with(response).await;

    let ExtractError::Unavailable { retryable, reason } = &failure.error else {
        panic!("expected Unavailable, got {:?}", failure.error);
    };
    assert!(!retryable);
    assert!(
        reason.contains("400") && reason.contains("invalid_value"),
        "{reason}"
    );
    assert!(
        !reason.contains("Maya"),
        "the upstream message may quote the material"
    );
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn a_non_json_error_body_is_tolerated() {
    let response = ResponseTemplate::new(502)
        .set_body_string("<html>Bad gateway</html>")
        .insert_header("retry-after-ms", "1");
    let (failure, requests) = fail_with(response).await;

    assert!(
        matches!(failure.error, ExtractError::Unavailable { retryable: true, ref reason } if reason.contains("502")),
        "{:?}",
        failure.error
    );
    assert_eq!(requests, 3);
}

#[tokio::test]
async fn a_200_that_is_not_a_completion_is_unavailable_and_retryable() {
    let response = ResponseTemplate::new(200).set_body_string("<html>captive portal</html>");
    let (failure, requests) = fail_with(response).await;

    assert!(
        matches!(
            failure.error,
            ExtractError::Unavailable {
                retryable: true,
                ..
            }
        ),
        "{:?}",
        failure.error
    );
    assert_eq!(requests, 1);
}
