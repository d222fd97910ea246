//! What a front door could not read of a request (it stalled, its head was too large, it was
//! not HTTP at all), as an error of the envelope: [`crate::Api::refuse`] answers it.

use std::time::Duration;

use crate::error::{ApiError, ErrorCode};

/// Why a front door could not hand a whole request to the API; [`crate::Api::refuse`] answers
/// it in the envelope like any other error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFailure {
    /// The request did not arrive whole within `after` (a stalled or very slow client).
    Timeout { after: Duration },
    /// The request line and headers are larger than the front door reads.
    HeadTooLarge,
    /// The bytes received are not an HTTP/1.1 request.
    Malformed,
    /// The server already holds as many request bodies as its memory budget allows.
    Busy,
}

impl From<ReadFailure> for ApiError {
    fn from(failure: ReadFailure) -> Self {
        match failure {
            ReadFailure::Timeout { after } => Self::new(
                ErrorCode::RequestTimeout,
                format!(
                    "the request did not arrive whole within {} s; send it again without pausing",
                    after.as_secs().max(1)
                ),
            ),
            ReadFailure::HeadTooLarge => Self::new(
                ErrorCode::HeadersTooLarge,
                "the request line and headers are too large; send a shorter URL and fewer or \
                 smaller headers",
            ),
            ReadFailure::Malformed => Self::new(
                ErrorCode::InvalidRequest,
                "the request is not valid HTTP/1.1; check the request line and headers",
            ),
            ReadFailure::Busy => {
                let mut error = Self::new(
                    ErrorCode::ServerBusy,
                    "the server is receiving as many requests as it can hold; try again shortly",
                );
                error.retry_after = Some(Duration::from_secs(1));
                error
            }
        }
    }
}
