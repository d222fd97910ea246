//! The API's errors: codes, statuses, and the one mapping from port errors to them.
//!
//! Messages are written for a person and are fixed or built from sizes and field names only:
//! never a key, a stack trace, an internal path or the user's text. A 5xx logs its cause here.

use std::time::Duration;

use persona_ports::{ExtractError, StoreError};

use crate::routes::Operation;
use serde::Serialize;
use tracing::{error, warn};

/// The wait a store outage suggests (`Retry-After`): the stores retry within their own deadline
/// first, so an outage that reaches the client is rarely over in less.
pub const STORE_RETRY_AFTER: Duration = Duration::from_secs(5);

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

    /// The per-client limiter's answer for `operation`: the client may try again after `wait`.
    /// The mock's `RATE_LIMITED` scenario answers with this too, so the two cannot drift.
    pub fn rate_limited(operation: Operation, wait: Duration) -> Self {
        let mut e = Self::new(
            ErrorCode::RateLimited,
            format!(
                "too many {} requests from this client; wait {} s and try again",
                operation.name(),
                wait.as_secs().max(1)
            ),
        );
        e.retry_after = Some(wait);
        e
    }

    /// The answer to a request that outlived its `deadline` (`REQUEST_DEADLINE_MS`).
    pub fn deadline_passed(deadline: Duration) -> Self {
        Self::new(
            ErrorCode::UpstreamTimeout,
            format!(
                "the request took longer than {} ms; try again, perhaps with less material",
                deadline.as_millis()
            ),
        )
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
            StoreError::Unavailable {
                retryable: true, ..
            } => {
                error!(error = %e, "store unavailable");
                let mut api = Self::new(
                    ErrorCode::UpstreamUnavailable,
                    "persona storage is unavailable right now; try again shortly",
                );
                api.retry_after = Some(STORE_RETRY_AFTER);
                api
            }
            StoreError::Unavailable {
                retryable: false, ..
            } => {
                error!(error = %e, "store refuses this service: check its permissions and settings");
                Self::new(
                    ErrorCode::UpstreamUnavailable,
                    "persona storage refused this service (permissions or configuration); the operator must fix it",
                )
                .permanent()
            }
            StoreError::AlreadyExists | StoreError::Unexpected(_) => {
                error!(error = %e, "store failed unexpectedly");
                Self::internal()
            }
        }
    }
}

#[cfg(test)]
mod tests;
