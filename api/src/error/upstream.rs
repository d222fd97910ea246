//! The mapping of the port errors ([`ExtractError`], [`StoreError`]): the code, status,
//! retryability and `Retry-After` each answer carries, and the cause logged for a 5xx. The
//! request's own errors are mapped beside it, in [`super::request`].

use persona_ports::{ExtractError, StoreError};
use tracing::{error, warn};

use super::{ApiError, ErrorCode, STORE_RETRY_AFTER};

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
            ExtractError::Unsplittable {
                block,
                size,
                limit,
                unit,
            } => Self::new(
                ErrorCode::InputTooLong,
                format!(
                    "textBlocks[{block}] holds a passage of about {size} {unit} with no sentence or paragraph break, over the {limit} one model call takes; break it into sentences or paragraphs, or shorten it"
                ),
            ),
            ExtractError::TooManyChunks { chunks, max } => Self::new(
                ErrorCode::InputTooLong,
                format!(
                    "the material needs {chunks} calls of the model's context; at most {max} are made for one request: shorten it, or use a model with a longer context"
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
