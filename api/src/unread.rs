//! What a front door could not read of a request (it stalled, its head was too large, it was
//! not HTTP at all); [`crate::Api::refuse`] answers it in the envelope, as `crate::error` maps it.

use std::time::Duration;

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
