//! The pipeline every request goes through, in order: its request id and span; the route, the
//! method and the rate limit ([`Api::respond`]); the handler, raced against the deadline; then
//! the envelope, the request id, cache, security and CORS headers, and one request log line.
//!
//! A step that must run before the service is called (after the route, method and rate limit
//! have passed) goes in [`Api::respond`], just before [`Api::dispatch`], as one call returning
//! `Result<(), ApiError>`.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;
use std::time::Instant;

use tracing::{Instrument, info, info_span, warn};

use crate::envelope::{Answer, error_response};
use crate::error::{ApiError, Refusal};
use crate::{Api, Operation, ReadFailure, Request, Response};

/// Headers on every answer: it is JSON for scripts, never a page to render, frame or sniff.
const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    ),
    ("referrer-policy", "no-referrer"),
];

/// What the request log reports besides status and time: never a value from the request.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// The adapter the operation used.
    pub(crate) adapter: Option<&'static str>,
    /// The request's id (a job keeps it for its error).
    pub(crate) request_id: String,
    attempts: u32,
    prompt_tokens: u32,
    completion_tokens: u32,
}

impl Outcome {
    pub(crate) fn spent(&mut self, usage: &persona_ports::Usage) {
        self.attempts = usage.attempts;
        self.prompt_tokens = usage.prompt_tokens;
        self.completion_tokens = usage.completion_tokens;
    }
}

impl Api {
    /// The whole answer to `request` (or to the `failure` its front door met reading it).
    pub(crate) async fn answer(
        &self,
        operation: Option<Operation>,
        request: Request,
        failure: Option<ReadFailure>,
    ) -> Response {
        let started = Instant::now();
        let request_id = request_id(&request);
        let route = operation.map_or("unknown", Operation::name);
        let mut log = Outcome {
            request_id: request_id.clone(),
            ..Outcome::default()
        };
        let span = info_span!("request", request_id = %request_id, route);
        let work = async {
            match failure {
                Some(failure) => Err(failure.into()),
                None => self.respond(operation, &request, &mut log).await,
            }
        }
        .instrument(span.clone());
        let result = match &self.sleep {
            None => work.await,
            Some(sleep) => race(work, sleep(self.settings.deadline))
                .await
                .unwrap_or_else(|| {
                    let _entered = span.enter();
                    warn!(
                        deadline_ms = self.settings.deadline.as_millis(),
                        "request deadline passed"
                    );
                    Err(Refusal::Deadline(self.settings.deadline).into())
                }),
        };
        let cache = Answer::cache_control(result.as_ref().ok());
        let mut response = match result {
            Ok(answer) => answer.into_response(operation),
            Err(error) => error_response(&error, &request_id),
        };
        response.set_header("x-request-id", request_id.as_str());
        response.set_header("cache-control", cache);
        for (name, value) in SECURITY_HEADERS {
            response.set_header(name, value);
        }
        self.settings
            .cors
            .apply(&request, &mut response, self.settings.mock_mode);
        info!(
            request_id = %request_id,
            method = %sanitised_method(&request.method),
            route,
            status = response.status,
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            adapter = log.adapter.unwrap_or("none"),
            attempts = log.attempts,
            prompt_tokens = log.prompt_tokens,
            completion_tokens = log.completion_tokens,
            "request"
        );
        response
    }

    /// The answer to a request for `operation`, before headers and CORS: the route, the method
    /// and the rate limit, then the handler.
    async fn respond(
        &self,
        operation: Option<Operation>,
        request: &Request,
        log: &mut Outcome,
    ) -> Result<Answer, ApiError> {
        let Some(op) = operation else {
            return Err(Refusal::NoRoute.into());
        };
        if request.method == "OPTIONS" {
            return Ok(Answer::NoContent);
        }
        if !answers(op, &request.method) {
            return Err(Refusal::Method(op).into());
        }
        self.limits
            .check(op, request)
            .map_err(|wait| Refusal::RateLimited {
                operation: op,
                wait,
            })?;
        self.dispatch(op, request, log).await
    }
}

/// Whether `operation` answers `method` (besides `OPTIONS`): its own, and `HEAD` for a `GET`.
fn answers(operation: Operation, method: &str) -> bool {
    method == operation.method() || (method == "HEAD" && operation.method() == "GET")
}

/// `work`'s output, or `None` when `timer` fires first (`work` is then dropped, which cancels
/// it).
pub(crate) async fn race<T>(
    work: impl Future<Output = T>,
    timer: impl Future<Output = ()>,
) -> Option<T> {
    let mut work = pin!(work);
    let mut timer = pin!(timer);
    poll_fn(|cx| {
        if let Poll::Ready(output) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}

/// The client's `x-request-id` when it is a sane token (1..=128 of `[A-Za-z0-9._:-]`), else a
/// fresh UUID: a request id is echoed and logged, so it must not carry anything else.
fn request_id(request: &Request) -> String {
    request
        .header("x-request-id")
        .filter(|id| {
            (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// A method for the log: known methods as they are, anything else as `OTHER`.
fn sanitised_method(method: &str) -> &str {
    match method {
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" => method,
        _ => "OTHER",
    }
}
