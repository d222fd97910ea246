//! [`Guarded`]: each accepted connection, watched for what actix's HTTP/1 dispatcher does not do.
//!
//! actix-http writes a few answers itself, before any service runs, with no hook to change
//! them: a bare `400` for bytes that are not a request (a URI over 65,534 bytes among them), a
//! bare `431` for a head over 128 KiB or 96 headers, a bare `408` when the first request's head
//! is late (`h1/dispatcher.rs`: `poll_request` and `poll_head_timer` push
//! `Response::bad_request()`, `Response::with_body(REQUEST_HEADER_FIELDS_TOO_LARGE, ())` and
//! `Response::with_body(REQUEST_TIMEOUT, ())`). And its head timer covers only a connection's
//! first request: once a keep-alive connection sends a byte of the next one, nothing bounds
//! how long that head may take.
//!
//! So the connection itself is wrapped, below actix: a head must be complete within the head
//! timeout of its first byte (of the connection, for the first request), or the connection is
//! answered `408 REQUEST_TIMEOUT` and closed; and when actix writes one of its own bare error
//! answers, the answer [`Api::refuse`] builds for the same failure (the envelope, `x-request-id`,
//! the security headers, the request log line) is written instead.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Duration, SystemTime};

use actix_web::http::StatusCode;
use actix_web::rt::net::TcpStream;
use actix_web::rt::time::{Instant, Sleep, sleep};
use actix_web::web;
use persona_api::{Api, ReadFailure, Request, Response};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// An accepted connection with its guard.
pub struct Guarded {
    io: TcpStream,
    api: web::Data<Api>,
    head_timeout: Duration,
    head: HeadWatch,
    /// Armed only when a head is incomplete and the socket has nothing more for now: a head
    /// that arrives in one read (nearly all) never touches the runtime's timers.
    timer: Pin<Box<Sleep>>,
    refusal: Refusal,
}

impl std::fmt::Debug for Guarded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guarded")
            .field("head_timeout", &self.head_timeout)
            .field("refusing", &!matches!(self.refusal, Refusal::None))
            .finish_non_exhaustive()
    }
}

/// Where the connection is in reading a request's head.
enum HeadWatch {
    /// No byte of the next head yet (keep-alive idling is actix's to bound).
    Awaiting,
    /// A head began at `started`: it must end (`\r\n\r\n`) within the head timeout. `tail`
    /// holds the last bytes read (at most 3), for an end split across reads.
    Reading { started: Instant, tail: Vec<u8> },
    /// The head is complete; the body and the answer are the handler's to bound.
    Complete,
}

/// An answer of ours replacing what actix would send, then the end of the connection.
enum Refusal {
    None,
    Preparing(Pin<Box<dyn Future<Output = Vec<u8>>>>),
    Writing { bytes: Vec<u8>, written: usize },
    Done,
}

impl Guarded {
    pub fn new(io: TcpStream, api: web::Data<Api>, head_timeout: Duration) -> Self {
        // The first head's clock starts with the connection, as actix's own does.
        let head = HeadWatch::Reading {
            started: Instant::now(),
            tail: Vec::new(),
        };
        Self {
            io,
            api,
            head_timeout,
            head,
            timer: Box::pin(sleep(head_timeout)),
            refusal: Refusal::None,
        }
    }

    fn refuse(&mut self, failure: ReadFailure) {
        let api = self.api.clone();
        // What the front door read of the request is unknown here (or not a request at all):
        // the answer and its log line name no route.
        self.refusal = Refusal::Preparing(Box::pin(async move {
            to_http(&api.refuse(Request::default(), failure).await)
        }));
    }

    /// Drives the refusal until it is written whole.
    fn poll_refusal(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            match &mut self.refusal {
                Refusal::None | Refusal::Done => return Poll::Ready(Ok(())),
                Refusal::Preparing(answer) => {
                    let bytes = ready!(answer.as_mut().poll(cx));
                    self.refusal = Refusal::Writing { bytes, written: 0 };
                }
                Refusal::Writing { bytes, written } => {
                    while *written < bytes.len() {
                        let n = ready!(Pin::new(&mut self.io).poll_write(cx, &bytes[*written..]))?;
                        if n == 0 {
                            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                        }
                        *written += n;
                    }
                    ready!(Pin::new(&mut self.io).poll_flush(cx))?;
                    self.refusal = Refusal::Done;
                }
            }
        }
    }

    /// Notes bytes just read: the first of a head starts its clock, `\r\n\r\n` ends it.
    fn saw(&mut self, bytes: &[u8]) {
        if bytes.is_empty() || matches!(self.head, HeadWatch::Complete) {
            return;
        }
        if matches!(self.head, HeadWatch::Awaiting) {
            self.head = HeadWatch::Reading {
                started: Instant::now(),
                tail: Vec::new(),
            };
        }
        if let HeadWatch::Reading { tail, .. } = &mut self.head
            && head_ends(tail, bytes)
        {
            self.head = HeadWatch::Complete;
        }
    }
}

/// Whether `bytes`, read after a head's `tail` (its last bytes, at most 3), end the head; if not,
/// `tail` becomes the last 3 bytes read. Nothing read is copied but those few bytes.
fn head_ends(tail: &mut Vec<u8>, bytes: &[u8]) -> bool {
    const END: &[u8] = b"\r\n\r\n";
    // The end may straddle two reads: the last bytes of the one before and the first of this.
    let mut seam = std::mem::take(tail);
    seam.extend_from_slice(&bytes[..bytes.len().min(3)]);
    if find(&seam, END).is_some() || find(bytes, END).is_some() {
        return true;
    }
    *tail = if bytes.len() >= 3 {
        bytes[bytes.len() - 3..].to_vec()
    } else {
        seam.split_off(seam.len().saturating_sub(3))
    };
    false
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let HeadWatch::Reading { started, .. } = &this.head
            && matches!(this.refusal, Refusal::None)
            && started.elapsed() >= this.head_timeout
        {
            this.refuse(ReadFailure::Timeout {
                after: this.head_timeout,
            });
        }
        if !matches!(this.refusal, Refusal::None) {
            // Refused: once the answer is out, the connection reads as ended, and actix closes it.
            ready!(this.poll_refusal(cx))?;
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.saw(&buf.filled()[before..]);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if let HeadWatch::Reading { started, .. } = &this.head {
                    // Waiting in the middle of a head: wake when its time is up.
                    let deadline = *started + this.head_timeout;
                    if this.timer.deadline() != deadline {
                        this.timer.as_mut().reset(deadline);
                    }
                    if this.timer.as_mut().poll(cx).is_ready() {
                        cx.waker().wake_by_ref();
                    }
                }
                Poll::Pending
            }
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if matches!(this.refusal, Refusal::None)
            && let Some(failure) = actix_error(buf)
        {
            let failure = match failure {
                ReadFailure::Timeout { .. } => ReadFailure::Timeout {
                    after: this.head_timeout,
                },
                other => other,
            };
            this.refuse(failure);
        }
        if !matches!(this.refusal, Refusal::None) {
            // actix's own bytes are dropped: ours went out in their place.
            ready!(this.poll_refusal(cx))?;
            return Poll::Ready(Ok(buf.len()));
        }
        if starts_final_answer(buf) {
            // An answer has begun: the next byte read starts the next request's head.
            this.head = HeadWatch::Awaiting;
        }
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_refusal(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_refusal(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

/// The failure behind an answer actix wrote itself: a bare 400, 408 or 431 with no body and
/// none of the headers every answer of the API carries.
fn actix_error(buf: &[u8]) -> Option<ReadFailure> {
    // The status first: most writes are answers of ours or bodies, and need no further look.
    let failure = if buf.starts_with(b"HTTP/1.1 400 ") {
        ReadFailure::Malformed
    } else if buf.starts_with(b"HTTP/1.1 431 ") {
        ReadFailure::HeadTooLarge
    } else if buf.starts_with(b"HTTP/1.1 408 ") {
        // actix's own head timer, should it ever fire before this guard's.
        ReadFailure::Timeout {
            after: Duration::ZERO,
        }
    } else {
        return None;
    };
    let head = &buf[..find(buf, b"\r\n\r\n")?];
    let bare = find(head, b"\r\ncontent-length: 0\r\n").is_some()
        && find(head, b"\r\nx-request-id:").is_none();
    bare.then_some(failure)
}

/// Whether `buf` begins an answer that is not interim (`100 Continue` is followed by the body).
fn starts_final_answer(buf: &[u8]) -> bool {
    buf.starts_with(b"HTTP/1.") && buf.get(9) != Some(&b'1')
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `response` as HTTP/1.1 bytes, closing the connection.
fn to_http(response: &Response) -> Vec<u8> {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\ndate: {}\r\n\r\n",
        response.body.len(),
        httpdate::fmt_http_date(SystemTime::now())
    ));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&response.body);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actix_bare_answers_are_recognised_and_ours_are_not() {
        let bare = |status: &str| {
            format!(
                "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\ndate: x\r\n\r\n"
            )
        };
        assert_eq!(
            actix_error(bare("400 Bad Request").as_bytes()),
            Some(ReadFailure::Malformed)
        );
        assert_eq!(
            actix_error(bare("431 Request Header Fields Too Large").as_bytes()),
            Some(ReadFailure::HeadTooLarge)
        );
        assert!(matches!(
            actix_error(bare("408 Request Timeout").as_bytes()),
            Some(ReadFailure::Timeout { .. })
        ));
        let ours = "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nx-request-id: a\r\n\r\n";
        assert_eq!(actix_error(ours.as_bytes()), None);
        let with_body = "HTTP/1.1 400 Bad Request\r\ncontent-length: 90\r\n\r\n{}";
        assert_eq!(actix_error(with_body.as_bytes()), None);
        assert_eq!(actix_error(bare("200 OK").as_bytes()), None);
    }

    #[test]
    fn a_head_end_is_found_in_one_read_or_across_several() {
        let mut tail = Vec::new();
        assert!(head_ends(&mut tail, b"GET / HTTP/1.1\r\nhost: a\r\n\r\n{}"));
        let mut tail = Vec::new();
        assert!(!head_ends(&mut tail, b"GET / HTTP/1.1\r\nhost: a\r"));
        assert!(!head_ends(&mut tail, b"\n"));
        assert!(!head_ends(&mut tail, b"\r"));
        assert!(head_ends(&mut tail, b"\nbody"));
        let mut tail = Vec::new();
        for byte in b"GET / HTTP/1.1\r\nx: y\r\n" {
            assert!(!head_ends(&mut tail, &[*byte]));
        }
        assert!(tail.len() <= 3);
        assert!(!head_ends(&mut tail, b"z: \r\n"));
        assert!(head_ends(&mut tail, b"\r\n"));
    }

    #[test]
    fn only_final_answers_restart_the_head_clock() {
        assert!(starts_final_answer(b"HTTP/1.1 200 OK\r\n"));
        assert!(!starts_final_answer(b"HTTP/1.1 100 Continue\r\n"));
        assert!(!starts_final_answer(b"{\"success\":true}"));
    }
}
