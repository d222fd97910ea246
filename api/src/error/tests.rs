//! The mapping from port errors: codes, statuses, retryability and what messages leave out.

use persona_ports::{ExtractError, MeasureUnit, StoreError};

use super::*;

#[test]
fn every_code_has_the_designed_status() {
    let expected = [
        (ErrorCode::InvalidRequest, 400),
        (ErrorCode::InvalidId, 400),
        (ErrorCode::NotFound, 404),
        (ErrorCode::MethodNotAllowed, 405),
        (ErrorCode::PayloadTooLarge, 413),
        (ErrorCode::InputTooLong, 413),
        (ErrorCode::UnsupportedMediaType, 415),
        (ErrorCode::RequestTimeout, 408),
        (ErrorCode::HeadersTooLarge, 431),
        (ErrorCode::ServerBusy, 503),
        (ErrorCode::ExtractionFailed, 422),
        (ErrorCode::Refused, 422),
        (ErrorCode::RateLimited, 429),
        (ErrorCode::UpstreamUnavailable, 503),
        (ErrorCode::UpstreamTimeout, 504),
        (ErrorCode::Internal, 500),
    ];
    for (code, status) in expected {
        assert_eq!(ApiError::new(code, "m").status, status, "{code:?}");
    }
}

#[test]
fn extractor_errors_map_to_codes_statuses_and_retryability() {
    let cases = [
        (
            ExtractError::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
            },
            ErrorCode::RateLimited,
            429,
            true,
        ),
        (ExtractError::Timeout, ErrorCode::UpstreamTimeout, 504, true),
        (
            ExtractError::Unavailable {
                retryable: true,
                reason: "overloaded".into(),
            },
            ErrorCode::UpstreamUnavailable,
            503,
            true,
        ),
        (
            ExtractError::Unavailable {
                retryable: false,
                reason: "bad key".into(),
            },
            ErrorCode::UpstreamUnavailable,
            502,
            false,
        ),
        (ExtractError::Refused, ErrorCode::Refused, 422, false),
        (
            ExtractError::InputTooLong {
                prompt_tokens: 130_000,
                limit: 126_000,
            },
            ErrorCode::InputTooLong,
            413,
            false,
        ),
        (
            ExtractError::Misconfigured {
                reason: "401".into(),
            },
            ErrorCode::UpstreamUnavailable,
            502,
            false,
        ),
        (
            ExtractError::QuotaExhausted,
            ErrorCode::UpstreamUnavailable,
            503,
            false,
        ),
        (
            ExtractError::InvalidOutput {
                reason: "not json".into(),
            },
            ErrorCode::ExtractionFailed,
            422,
            true,
        ),
        (
            ExtractError::Unexpected("boom".into()),
            ErrorCode::Internal,
            500,
            false,
        ),
    ];
    for (error, code, status, retryable) in cases {
        let api = ApiError::from(error.clone());
        assert_eq!(
            (api.code, api.status, api.retryable),
            (code, status, retryable),
            "{error:?}"
        );
    }
}

#[test]
fn too_long_inputs_say_by_how_much() {
    let api = ApiError::from(ExtractError::InputTooLong {
        prompt_tokens: 130_000,
        limit: 126_000,
    });
    assert!(api.message.contains("130000 tokens"), "{}", api.message);
    assert!(
        api.message.contains("limit of 126000 by 4000"),
        "{}",
        api.message
    );
}

#[test]
fn an_unsplittable_passage_is_sized_in_the_extractors_unit() {
    for (unit, word) in [
        (MeasureUnit::Characters, "2400 characters"),
        (MeasureUnit::Tokens, "2400 tokens"),
    ] {
        let api = ApiError::from(ExtractError::Unsplittable {
            block: 3,
            size: 2_400,
            limit: 1_600,
            unit,
        });
        assert_eq!(api.code, ErrorCode::InputTooLong);
        assert!(
            api.message.contains("textBlocks[3]")
                && api.message.contains(word)
                && api.message.contains("over the 1600 one model call takes"),
            "{}",
            api.message
        );
    }
}

#[test]
fn quota_and_configuration_failures_say_which() {
    assert!(
        ApiError::from(ExtractError::QuotaExhausted)
            .message
            .contains("out of quota")
    );
    let api = ApiError::from(ExtractError::Misconfigured {
        reason: "401 from upstream".into(),
    });
    assert!(api.message.contains("configuration"), "{}", api.message);
    assert!(!api.message.contains("401 from upstream"));
}

#[test]
fn rate_limits_carry_the_wait() {
    let api = ApiError::from(ExtractError::RateLimited {
        retry_after: Some(Duration::from_millis(1500)),
    });
    assert_eq!(api.retry_after, Some(Duration::from_millis(1500)));
}

#[test]
fn store_errors_map_to_codes_and_statuses() {
    let cases = [
        (StoreError::NotFound, ErrorCode::NotFound, 404),
        (
            StoreError::TooLarge { size: 10, max: 5 },
            ErrorCode::PayloadTooLarge,
            413,
        ),
        (
            StoreError::Unavailable {
                retryable: true,
                reason: "503".into(),
            },
            ErrorCode::UpstreamUnavailable,
            503,
        ),
        (
            StoreError::Unavailable {
                retryable: false,
                reason: "bucket".into(),
            },
            ErrorCode::UpstreamUnavailable,
            502,
        ),
        (StoreError::AlreadyExists, ErrorCode::Internal, 500),
        (
            StoreError::Unexpected("disk".into()),
            ErrorCode::Internal,
            500,
        ),
    ];
    for (error, code, status) in cases {
        let api = ApiError::from(error.clone());
        assert_eq!((api.code, api.status), (code, status), "{error:?}");
    }
}

#[test]
fn a_store_outage_says_when_to_retry_and_a_refusal_says_not_to() {
    let outage = ApiError::from(StoreError::Unavailable {
        retryable: true,
        reason: "503".into(),
    });
    assert_eq!(
        (outage.status, outage.retryable, outage.retry_after),
        (503, true, Some(STORE_RETRY_AFTER))
    );
    let refused = ApiError::from(StoreError::Unavailable {
        retryable: false,
        reason: "permission denied".into(),
    });
    assert_eq!(
        (refused.status, refused.retryable, refused.retry_after),
        (502, false, None)
    );
    assert!(refused.message.contains("operator"), "{}", refused.message);
}

#[test]
fn internal_messages_never_carry_the_cause() {
    let api = ApiError::from(StoreError::Unexpected("/var/data/secret-path.json".into()));
    assert!(!api.message.contains("secret-path"));
    let api = ApiError::from(ExtractError::Unavailable {
        retryable: false,
        reason: "key sk-123 rejected".into(),
    });
    assert!(!api.message.contains("sk-123"));
}
