//! The API's errors: codes and their statuses, and the one mapping from every failure to them.
//!
//! - [`ApiError`]: an error answer before it becomes an envelope; [`ErrorCode`] fixes its status
//!   and whether a retry may help.
//! - [`request`]: what is wrong with the request ([`Refusal`], and what a front door could not
//!   read): route, method, rate limit, deadline, body, id, the domain's input errors and
//!   violations, signatures.
//! - [`upstream`]: the port errors, `ExtractError` and `StoreError`.
//!
//! Nothing else builds an `ApiError` from a code. Messages are written for a person and are
//! fixed or built from sizes and field names only: never a key, a stack trace, an internal path
//! or the user's text. A 5xx logs its cause here.

mod request;
mod upstream;

use std::time::Duration;

use serde::Serialize;

pub(crate) use request::{Part, Refusal};

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
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
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

#[cfg(test)]
mod tests;
