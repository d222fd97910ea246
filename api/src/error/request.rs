//! The mapping of everything wrong with a request itself: the route, the method, the limits,
//! the body, the id, the domain's input rules and violations, the signatures, and what a front
//! door could not read ([`ReadFailure`]). Each [`Refusal`] becomes its answer here and nowhere
//! else; the port errors are mapped beside it, in [`super::upstream`].

use std::time::Duration;

use persona_domain::{InvalidPersonaId, SourceError, Violation};
use persona_ports::InvalidJobId;

use super::{ApiError, Detail, ErrorCode};
use crate::routes::Operation;
use crate::unread::ReadFailure;

/// Why a request is answered with an error before, around or instead of the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No operation lives at the path.
    NoRoute,
    /// The operation does not answer the method.
    Method(Operation),
    /// The client spent its budget for `operation`; it may try again after `wait`.
    RateLimited {
        operation: Operation,
        wait: Duration,
    },
    /// The request took longer than the API's deadline.
    Deadline(Duration),
    /// The body is over [`crate::MAX_BODY_BYTES`]; `declared` is its `Content-Length` when that
    /// says by how much.
    BodyTooLarge { declared: Option<usize> },
    /// The body is not sent as JSON.
    NotJson,
    /// The body is JSON in another charset than UTF-8.
    NotUtf8,
    /// The body is empty or only whitespace.
    EmptyBody,
    /// The body does not parse as JSON; where it stopped.
    Syntax { line: usize, column: usize },
    /// A list or object of the body holds `largest` entries, over `max`.
    TooManyEntries { largest: usize, max: usize },
    /// The body does not have the shape its schema says, at each place listed.
    Shape(Vec<Detail>),
    /// get-persona without `?id=`.
    MissingId,
    /// An id that cannot be a persona's.
    BadId(InvalidPersonaId),
    /// get-job without `?id=`.
    MissingJobId,
    /// An id that cannot be a job's.
    BadJobId,
    /// No job under that id (never made, or past its TTL).
    NoSuchJob,
    /// The job runner's queue is full; try again after the wait.
    JobQueueFull(Duration),
    /// A job's worker died and the job has no runs left (what the failed job's error says).
    JobAbandoned,
    /// An `If-None-Match` that is neither `*` nor a list of entity tags.
    BadIfNoneMatch,
    /// The material breaks the domain's input rules.
    Source(Vec<SourceError>),
    /// A part of a save body breaks the domain's rules.
    Violations(Part, Vec<Violation>),
    /// Entries of a saved grounding no signature of this server holds for, under `require`.
    Unsigned(Vec<Detail>),
    /// Mock mode's `x-mock-scenario` names no scenario; `names` lists them all.
    UnknownScenario { names: Vec<&'static str> },
    /// Mock mode's `x-mock-scenario` names a scenario of process-persona only.
    ScenarioOfProcessOnly(&'static str),
}

/// The part of a save body a [`Refusal::Violations`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Persona,
    Source,
    Grounding,
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let invalid = |message: &str| Self::new(ErrorCode::InvalidRequest, message);
        match refusal {
            Refusal::UnknownScenario { names } => invalid(&format!(
                "{} must be one of {}",
                crate::scenario::HEADER,
                names.join(", ")
            )),
            Refusal::ScenarioOfProcessOnly(name) => invalid(&format!(
                "{} {name} applies to {} only",
                crate::scenario::HEADER,
                Operation::ProcessPersona.name()
            )),
            Refusal::NoRoute => Self::new(
                ErrorCode::NotFound,
                "no such route; the API has POST /api/process-persona, POST /api/save-persona, \
                 GET /api/get-persona?id=ID, GET /api/get-job?id=ID, \
                 POST /api/process-persona-background, GET /api/health, GET /api/openapi.json and \
                 GET /api/schema/persona.json",
            ),
            Refusal::Method(op) => {
                let mut e = Self::new(
                    ErrorCode::MethodNotAllowed,
                    format!("{} answers {} only", op.path(), op.method()),
                );
                e.allow = Some(crate::envelope::allow(op));
                e
            }
            Refusal::RateLimited { operation, wait } => {
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
            Refusal::Deadline(deadline) => Self::new(
                ErrorCode::UpstreamTimeout,
                format!(
                    "the request took longer than {} ms; try again, perhaps with less material",
                    deadline.as_millis()
                ),
            ),
            Refusal::BodyTooLarge { declared } => body_too_large(declared),
            Refusal::NotJson => Self::new(
                ErrorCode::UnsupportedMediaType,
                "send the request body as JSON with the header Content-Type: application/json",
            ),
            Refusal::NotUtf8 => Self::new(
                ErrorCode::UnsupportedMediaType,
                "send the JSON body encoded as UTF-8, with Content-Type: application/json \
                 (or application/json; charset=utf-8)",
            ),
            Refusal::EmptyBody => invalid("the request body is empty; send a JSON object"),
            Refusal::Syntax { line, column } => invalid(&format!(
                "the request body is not valid JSON (line {line}, column {column})"
            )),
            Refusal::TooManyEntries { largest, max } => invalid(&format!(
                "the body holds a list or object of {largest} entries; none in this API takes \
                 more than {max} (textBlocks and links take at most 50 each)"
            )),
            Refusal::Shape(details) => {
                invalid("the request body does not have the expected shape").with_details(details)
            }
            Refusal::MissingId => Self::new(
                ErrorCode::InvalidId,
                "add the persona id to the query: /api/get-persona?id=ID",
            ),
            Refusal::BadId(e) => Self::new(ErrorCode::InvalidId, e.to_string()),
            Refusal::MissingJobId => Self::new(
                ErrorCode::InvalidId,
                "add the job id to the query: /api/get-job?id=ID (the id the 202 answer of \
                 process-persona gave)",
            ),
            Refusal::BadJobId => Self::new(ErrorCode::InvalidId, InvalidJobId.to_string()),
            Refusal::NoSuchJob => Self::new(
                ErrorCode::NotFound,
                "no job under that id: it was never made, or it ended more than its lifetime \
                 ago (24 h unless the operator set JOB_TTL); submit the material again",
            ),
            Refusal::JobQueueFull(wait) => {
                let mut e = Self::new(
                    ErrorCode::ServerBusy,
                    format!(
                        "as many jobs are waiting as this server holds; try again in {} s, or \
                         send the request without Prefer: respond-async",
                        wait.as_secs().max(1)
                    ),
                );
                e.retry_after = Some(wait);
                e
            }
            Refusal::JobAbandoned => {
                let mut e = Self::new(
                    ErrorCode::Internal,
                    "the worker running this job stopped before it ended (a restart or a \
                     crash); submit the material again",
                );
                e.retryable = true;
                e
            }
            Refusal::BadIfNoneMatch => invalid(
                "If-None-Match must be * or a comma-separated list of quoted entity tags, such \
                 as the ETag a get-persona answer carried (\"…\" or W/\"…\")",
            ),
            Refusal::Source(errors) => source(&errors),
            Refusal::Violations(part, violations) => {
                let (message, prefix) = match part {
                    Part::Persona => (
                        "the persona breaks the rules; fix the fields listed in details",
                        "/persona",
                    ),
                    Part::Source => ("source counts are out of range", "/source"),
                    Part::Grounding => (
                        "the grounding does not fit the persona; fix or leave out the fields \
                         listed in details",
                        "/grounding",
                    ),
                };
                let details = violations
                    .into_iter()
                    .map(|v| Detail {
                        field: format!("{prefix}{}", v.field),
                        message: v.message,
                    })
                    .collect();
                invalid(message).with_details(details)
            }
            Refusal::Unsigned(details) => invalid(
                "this server saves only grounding entries it signed: send each entry exactly as \
                 process-persona returned it (with its signature, for an unchanged value), and \
                 leave out the entries listed in details",
            )
            .with_details(details),
        }
    }
}

fn body_too_large(declared: Option<usize>) -> ApiError {
    let max = crate::MAX_BODY_BYTES;
    let size = declared.map_or_else(
        || format!("over {max}"),
        |size| format!("{size} bytes, {} over the limit of {max}", size - max),
    );
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the request body is {size} bytes (1 MiB); send less material in one request"),
    )
}

/// 413 when every input error is about size, else 400; each error listed at its place.
fn source(errors: &[SourceError]) -> ApiError {
    let code = if errors.iter().all(SourceError::is_too_large) {
        ErrorCode::PayloadTooLarge
    } else {
        ErrorCode::InvalidRequest
    };
    let message = errors.first().map(ToString::to_string).unwrap_or_default();
    let details = errors
        .iter()
        .map(|e| Detail {
            field: e.pointer(),
            message: e.to_string(),
        })
        .collect();
    ApiError::new(code, message).with_details(details)
}

impl From<ReadFailure> for ApiError {
    fn from(failure: ReadFailure) -> Self {
        unread(failure)
    }
}

fn unread(failure: ReadFailure) -> ApiError {
    match failure {
        ReadFailure::Timeout { after } => ApiError::new(
            ErrorCode::RequestTimeout,
            format!(
                "the request did not arrive whole within {} s; send it again without pausing",
                after.as_secs().max(1)
            ),
        ),
        ReadFailure::HeadTooLarge => ApiError::new(
            ErrorCode::HeadersTooLarge,
            "the request line and headers are too large; send a shorter URL and fewer or \
             smaller headers",
        ),
        ReadFailure::Malformed => ApiError::new(
            ErrorCode::InvalidRequest,
            "the request is not valid HTTP/1.1; check the request line and headers",
        ),
        ReadFailure::Busy => {
            let mut error = ApiError::new(
                ErrorCode::ServerBusy,
                "the server is receiving as many requests as it can hold; try again shortly",
            );
            error.retry_after = Some(Duration::from_secs(1));
            error
        }
    }
}
