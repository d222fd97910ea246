//! One logical call to `POST /chat/completions`, with the transport retries of [`crate::retry`]
//! and the request's deadline: every HTTP call's timeout is what is left of it, and no retry
//! starts whose wait would end past it.
//!
//! The request asks for a stream; the answer is read as server-sent events when the server
//! streams ([`crate::stream`], which stops a runaway early), and as one JSON completion when it
//! does not (a server or proxy that ignores `stream`).

use std::time::{Duration, Instant, SystemTime};

use persona_ports::ExtractError;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Client, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::retry;
use crate::stream::{Fed, StreamFault, StreamReader};
use crate::wire::{ApiError, ChatResponse};

/// Sends chat requests to one endpoint with one key.
pub(crate) struct Transport {
    pub http: Client,
    pub endpoint: Url,
    pub api_key: Option<SecretString>,
    pub max_retries: u32,
    /// The most one call may take (else what is left of the deadline).
    pub attempt_timeout: Option<Duration>,
    /// The longest streamed answer let through (see [`crate::runaway`]).
    pub max_answer_chars: usize,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("endpoint", &self.endpoint.as_str())
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

/// Why a call gave no completion.
#[derive(Debug)]
pub(crate) enum CallError {
    /// An outcome the port names directly.
    Port(ExtractError),
    /// A client error no retry fixes (400, 422…), for the caller to read: the prompt may be too
    /// long, or the model may not know structured outputs.
    Rejected { status: StatusCode, error: ApiError },
}

/// A completion and the upstream request id, for logs.
#[derive(Debug)]
pub(crate) struct Answer {
    pub response: ChatResponse,
    pub request_id: Option<String>,
    /// Why the answer was stopped before its end, when it ran away.
    pub ran_away: Option<String>,
    /// Streamed chunks that carried text (0 for a completion that was not streamed).
    pub chunks: u32,
}

impl Transport {
    /// Posts `body` until it gives a completion, a failure no retry can fix, or the retries or
    /// the deadline run out. `attempts` counts every HTTP call made; `streamed` is told the
    /// chunks of answer text received so far in the current attempt, as they arrive.
    pub async fn call(
        &self,
        body: &[u8],
        deadline: Instant,
        attempts: &mut u32,
        streamed: &(dyn Fn(u32) + Send + Sync),
    ) -> Result<Answer, CallError> {
        let mut retries = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(CallError::Port(ExtractError::Timeout));
            }
            *attempts += 1;
            let timeout = self.attempt_timeout.map_or(remaining, |t| t.min(remaining));
            let failure = match self.attempt(body, timeout, *attempts, streamed).await {
                Ok(answer) => return Ok(answer),
                Err(failure) => failure,
            };
            if !failure.wants_retry() || retries >= self.max_retries {
                return Err(failure.give_up(false));
            }
            let wait = retry::wait_before_retry(failure.server_wait(), retries, retry::jitter());
            if Instant::now() + wait >= deadline {
                tracing::warn!(
                    attempt = *attempts,
                    wait_ms = wait.as_millis() as u64,
                    "not retrying: the wait would end past the deadline"
                );
                return Err(failure.give_up(true));
            }
            tracing::info!(
                attempt = *attempts,
                wait_ms = wait.as_millis() as u64,
                "retrying chat completion"
            );
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }

    /// One HTTP call, body read included, within `timeout`.
    async fn attempt(
        &self,
        body: &[u8],
        timeout: Duration,
        attempt: u32,
        streamed: &(dyn Fn(u32) + Send + Sync),
    ) -> Result<Answer, Failure> {
        let mut request = self
            .http
            .post(self.endpoint.clone())
            .header(CONTENT_TYPE, "application/json")
            .timeout(timeout)
            .body(body.to_vec());
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose_secret());
        }
        let response = request.send().await.map_err(Failure::from_transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let request_id = header_text(&headers, "x-request-id");
        tracing::info!(
            attempt,
            status = status.as_u16(),
            request_id = request_id.as_deref().unwrap_or("-"),
            "chat completion call"
        );
        let is_stream = header_text(&headers, CONTENT_TYPE.as_str())
            .is_some_and(|t| t.trim_start().starts_with("text/event-stream"));
        if status.is_success() && is_stream {
            return self.read_stream(response, request_id, streamed).await;
        }
        let bytes = response.bytes().await.map_err(Failure::from_transport)?;
        if !status.is_success() {
            return Err(Failure::Status {
                status,
                error: Box::new(ApiError::parse(&bytes)),
                server_wait: retry::server_wait(&headers, SystemTime::now()),
                should_retry: retry::should_retry_header(&headers),
                request_id,
            });
        }
        match serde_json::from_slice::<ChatResponse>(&bytes) {
            Ok(response) => Ok(Answer {
                response,
                request_id,
                ran_away: None,
                chunks: 0,
            }),
            Err(_) => Err(Failure::NotACompletion),
        }
    }

    /// Reads a streamed completion to its end, or until it runs away (the connection is then
    /// dropped, which stops the server generating).
    async fn read_stream(
        &self,
        mut response: reqwest::Response,
        request_id: Option<String>,
        streamed: &(dyn Fn(u32) + Send + Sync),
    ) -> Result<Answer, Failure> {
        let mut reader = StreamReader::new(self.max_answer_chars);
        let mut ran_away = None;
        loop {
            let Some(bytes) = response.chunk().await.map_err(Failure::from_transport)? else {
                if reader.finished() {
                    break;
                }
                tracing::warn!(
                    chunks = reader.chunks,
                    "the completion stream ended before its answer did"
                );
                return Err(Failure::Connection);
            };
            let before = reader.chunks;
            let fed = reader.feed(&bytes);
            if reader.chunks != before {
                streamed(reader.chunks);
            }
            match fed {
                Ok(Fed::More) => {}
                Ok(Fed::Done) => break,
                Ok(Fed::RanAway(reason)) => {
                    tracing::warn!(chunks = reader.chunks, reason = %reason, "stopped a runaway answer");
                    ran_away = Some(reason);
                    break;
                }
                Err(fault) => return Err(Failure::BadStream(fault)),
            }
        }
        let chunks = reader.chunks;
        Ok(Answer {
            response: reader.into_response(),
            request_id,
            ran_away,
            chunks,
        })
    }
}

/// One failed HTTP call.
#[derive(Debug)]
enum Failure {
    Timeout,
    Connection,
    /// A 2xx whose body is not a chat completion: a proxy or gateway in the way, not the model.
    NotACompletion,
    /// A stream that broke its bounds, carried something other than chunks, or an error.
    BadStream(StreamFault),
    Status {
        status: StatusCode,
        error: Box<ApiError>,
        server_wait: Option<Duration>,
        should_retry: Option<bool>,
        request_id: Option<String>,
    },
}

impl Failure {
    fn from_transport(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            Self::Timeout
        } else {
            tracing::warn!(
                connect = error.is_connect(),
                "chat completion call failed before an answer"
            );
            Self::Connection
        }
    }

    /// Whether another try may succeed: quota never, else the server's `x-should-retry`, else
    /// the status.
    fn wants_retry(&self) -> bool {
        match self {
            Self::Timeout | Self::Connection => true,
            Self::NotACompletion | Self::BadStream(_) => false,
            Self::Status { error, .. } if is_quota(error) => false,
            Self::Status {
                status,
                should_retry,
                ..
            } => should_retry.unwrap_or_else(|| retry::retryable_status(*status)),
        }
    }

    fn server_wait(&self) -> Option<Duration> {
        match self {
            Self::Status { server_wait, .. } => *server_wait,
            _ => None,
        }
    }

    /// The error to report when no retry follows; `deadline` says whether the deadline, rather
    /// than the retry budget or the failure itself, stopped the retries.
    fn give_up(self, deadline: bool) -> CallError {
        let port = |error| CallError::Port(error);
        match self {
            Self::Timeout => port(ExtractError::Timeout),
            Self::Connection if deadline => port(ExtractError::Timeout),
            Self::Connection => port(ExtractError::Unavailable {
                retryable: true,
                reason: "could not connect to the model's service".into(),
            }),
            Self::NotACompletion => port(ExtractError::Unavailable {
                retryable: true,
                reason: "the model's service answered with a body that is not a chat completion"
                    .into(),
            }),
            Self::BadStream(fault) => {
                let reason = match fault {
                    StreamFault::Sse(e) => e.to_string(),
                    StreamFault::NotAChunk => "an event that is not a completion chunk".to_owned(),
                    StreamFault::Upstream(error) => format!("an error ({})", error.label()),
                };
                tracing::warn!(reason = %reason, "the completion stream was refused");
                port(ExtractError::Unavailable {
                    retryable: true,
                    reason: format!("the model's service streamed {reason}"),
                })
            }
            Self::Status {
                status,
                error,
                server_wait,
                request_id,
                ..
            } => {
                let code = status.as_u16();
                match code {
                    429 if is_quota(&error) => port(ExtractError::QuotaExhausted),
                    429 => port(ExtractError::RateLimited {
                        retry_after: server_wait,
                    }),
                    401 | 403 | 404 => {
                        tracing::error!(
                            status = code,
                            request_id = request_id.as_deref().unwrap_or("-"),
                            upstream = %error.label(),
                            "the model's service rejected this service's configuration"
                        );
                        port(ExtractError::Misconfigured {
                            reason: format!("the model's service answered {status}"),
                        })
                    }
                    _ if retry::retryable_status(status) && deadline => port(ExtractError::Timeout),
                    _ if retry::retryable_status(status) => port(ExtractError::Unavailable {
                        retryable: true,
                        reason: format!(
                            "the model's service answered {status} ({})",
                            error.label()
                        ),
                    }),
                    _ => CallError::Rejected {
                        status,
                        error: *error,
                    },
                }
            }
        }
    }
}

fn is_quota(error: &ApiError) -> bool {
    error.is("insufficient_quota")
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_owned)
}
