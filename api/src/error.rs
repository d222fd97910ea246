//! The API's errors: codes, statuses, and the one mapping from port errors to them.
//!
//! Messages are written for a person and are fixed or built from sizes and field names only:
//! never a key, a stack trace, an internal path or the user's text. A 5xx logs its cause here.

use std::time::Duration;

use persona_ports::{ExtractError, StoreError};
use serde::Serialize;
use tracing::{error, warn};

/// An error code of the envelope; each has one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    InvalidRequest,
    InvalidId,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    InputTooLong,
    UnsupportedMediaType,
    /// The request did not arrive whole in time (a stalled or very slow client).
    RequestTimeout,
    /// The request line and headers are larger than the server reads.
    HeadersTooLarge,
    /// The server holds as many request bodies as it may; the client did nothing wrong.
    ServerBusy,
    ExtractionFailed,
    Refused,
    RateLimited,
    UpstreamUnavailable,
    UpstreamTimeout,
    Internal,
}

/// Where in the request something is wrong, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Detail {
    /// JSON pointer into the request body (or the name of a query parameter).
    pub field: String,
    pub message: String,
}

/// An error answer, before it becomes an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub status: u16,
    pub message: String,
    pub retryable: bool,
    pub details: Vec<Detail>,
    /// Sent as `Retry-After` (whole seconds, rounded up).
    pub retry_after: Option<Duration>,
    /// Sent as `Allow` with a 405.
    pub allow: Option<&'static str>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let (status, retryable) = match code {
            ErrorCode::InvalidRequest | ErrorCode::InvalidId => (400, false),
            ErrorCode::NotFound => (404, false),
            ErrorCode::MethodNotAllowed => (405, false),
            ErrorCode::PayloadTooLarge | ErrorCode::InputTooLong => (413, false),
            ErrorCode::UnsupportedMediaType => (415, false),
            ErrorCode::RequestTimeout => (408, true),
            ErrorCode::HeadersTooLarge => (431, false),
            ErrorCode::ServerBusy => (503, true),
            ErrorCode::ExtractionFailed => (422, true),
            ErrorCode::Refused => (422, false),
            ErrorCode::RateLimited => (429, true),
            ErrorCode::UpstreamUnavailable => (503, true),
            ErrorCode::UpstreamTimeout => (504, true),
            ErrorCode::Internal => (500, false),
        };
        Self {
            code,
            status,
            message: message.into(),
            retryable,
            details: Vec::new(),
            retry_after: None,
            allow: None,
        }
    }

    #[must_use]
    pub fn with_details(mut self, details: Vec<Detail>) -> Self {
        self.details = details;
        self
    }

    /// A permanent upstream failure (misconfiguration): 502, not worth retrying.
    fn permanent(mut self) -> Self {
        self.status = 502;
        self.retryable = false;
        self
    }

    pub(crate) fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "something went wrong on our side; the request id helps us find out what",
        )
    }
}

impl From<ExtractError> for ApiError {
    fn from(e: ExtractError) -> Self {
        match e {
            ExtractError::RateLimited { retry_after } => {
                warn!(error = %e, "extractor rate limited");
                let mut api = Self::new(
                    ErrorCode::RateLimited,
                    "the persona model is busy; try again shortly",
                );
                api.retry_after = retry_after;
                api
            }
            ExtractError::Timeout => {
                warn!(error = %e, "extractor timed out");
                Self::new(
                    ErrorCode::UpstreamTimeout,
                    "the persona model did not answer in time; try again",
                )
            }
            ExtractError::Unavailable { retryable, .. } => {
                error!(error = %e, "extractor unavailable");
                let api = Self::new(
                    ErrorCode::UpstreamUnavailable,
                    "the persona model is unavailable right now",
                );
                if retryable { api } else { api.permanent() }
            }
            ExtractError::Refused => {
                warn!("extractor refused the material");
                Self::new(
                    ErrorCode::Refused,
                    "the persona model declined to process this material",
                )
            }
            ExtractError::InvalidOutput { .. } => {
                warn!(error = %e, "extractor output stayed invalid");
                Self::new(
                    ErrorCode::ExtractionFailed,
                    "the persona model did not produce a valid persona; try again, or shorten or rephrase the material",
                )
            }
            ExtractError::InputTooLong {
                prompt_tokens,
                limit,
            } => Self::new(
                ErrorCode::InputTooLong,
                format!(
                    "the material is about {prompt_tokens} tokens, over the model's limit of {limit} by {}; shorten it or split it across requests",
                    prompt_tokens.saturating_sub(limit)
                ),
            ),
            ExtractError::Misconfigured { .. } => {
                error!(error = %e, "extractor misconfigured: check the key, model and base URL");
                Self::new(
                    ErrorCode::UpstreamUnavailable,
                    "the persona model rejected this service's configuration (key, model or address); the operator must fix it",
                )
                .permanent()
            }
            ExtractError::QuotaExhausted => {
                error!(error = %e, "extractor out of quota");
                let mut api = Self::new(
                    ErrorCode::UpstreamUnavailable,
                    "the LLM account behind this service is out of quota; the operator must add credit",
                );
                api.retryable = false;
                api
            }
            ExtractError::Busy { retry_after } => {
                warn!(error = %e, "no turn at the model");
                let mut api = Self::new(
                    ErrorCode::UpstreamUnavailable,
                    "the persona model is handling as many requests as it may; try again shortly",
                );
                api.retry_after = Some(retry_after);
                api
            }
            ExtractError::Unexpected(_) => {
                error!(error = %e, "extractor failed unexpectedly");
                Self::internal()
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => {
                Self::new(ErrorCode::NotFound, "no persona is saved under that id")
            }
            StoreError::TooLarge { size, max } => Self::new(
                ErrorCode::PayloadTooLarge,
                format!("the persona document is {size} bytes; the store takes at most {max}"),
            ),
            StoreError::Unavailable { retryable, .. } => {
                error!(error = %e, "store unavailable");
                let api = Self::new(
                    ErrorCode::UpstreamUnavailable,
                    "persona storage is unavailable right now",
                );
                if retryable { api } else { api.permanent() }
            }
            StoreError::AlreadyExists | StoreError::Unexpected(_) => {
                error!(error = %e, "store failed unexpectedly");
                Self::internal()
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
    fn internal_messages_never_carry_the_cause() {
        let api = ApiError::from(StoreError::Unexpected("/var/data/secret-path.json".into()));
        assert!(!api.message.contains("secret-path"));
        let api = ApiError::from(ExtractError::Unavailable {
            retryable: false,
            reason: "key sk-123 rejected".into(),
        });
        assert!(!api.message.contains("sk-123"));
    }
}
