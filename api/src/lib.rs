//! The HTTP contract both front doors share, with no web framework in sight.
//!
//! A front door turns what it received into a [`Request`], calls [`Api::handle`] (or
//! [`Api::handle_operation`] when it already knows the operation), and writes the [`Response`]
//! back as it is. Routing, body limits, media types, validation, CORS, request ids, the envelope,
//! error codes and the request log all live here, so the actix server and the Netlify functions
//! answer byte for byte alike.
//!
//! # Layout
//!
//! - [`http`]: the neutral request and response.
//! - [`routes`]: the operations and their paths.
//! - `pipeline`: what every request goes through (route, method, rate limit, deadline,
//!   headers, the request log line) around its handler.
//! - `handlers`: one per operation: read the input, call the service, shape the data.
//! - `envelope`: answers and errors written as responses.
//! - `conditional`: get-persona's `ETag` and the client's `If-None-Match`.
//! - [`error`]: error codes and statuses, and the one mapping from every failure (the request's
//!   own, the domain's input errors and violations, the port errors) to them.
//! - [`body`]: reading and validating JSON bodies.
//! - [`unread`]: what a front door could not read of a request.
//! - [`dto`]: request and response bodies.
//! - [`cors`]: the CORS policy.
//! - [`limits`]: rate limits per client and operation.
//! - [`openapi`]: the OpenAPI document and the persona's JSON Schema.
//! - [`signing`]: grounding signatures (signed on process, verified on save).
//! - [`scenario`]: mock mode's faults on purpose (`x-mock-scenario`, random faults and latency).
//! - [`jobs`]: background jobs (`Prefer: respond-async`, get-job, running one), over an injected
//!   [`JobRunner`].

pub mod body;
mod bounds;
mod conditional;
pub mod cors;
pub mod dto;
mod envelope;
pub mod error;
mod handlers;
pub mod http;
pub mod jobs;
pub mod limits;
pub mod openapi;
mod pipeline;
pub mod routes;
pub mod scenario;
pub mod signing;
pub mod unread;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use persona_domain::GroundingKey;
use persona_ports::{JobPolicy, Jobs, Offload, PersonaService};

pub use body::MAX_BODY_BYTES;
pub use cors::CorsPolicy;
pub use error::{ApiError, Detail, ErrorCode};
pub use http::{Request, Response};
pub use jobs::{JobRunner, JobWork, RunnerBusy};
pub use limits::{ClientAddress, RateLimitPolicy};
pub use routes::Operation;
pub use scenario::{Latency, MockFaults, Scenario};
pub use signing::SignaturePolicy;
pub use unread::ReadFailure;

/// The API: the use cases behind the HTTP contract.
#[derive(Clone)]
pub struct Api {
    service: PersonaService,
    settings: ApiSettings,
    limits: Arc<limits::RateLimits>,
    sleep: Option<Sleep>,
    signatures: signing::Signatures,
    /// Where a body is read and checked; `None`: on the request's task.
    offload: Option<Offload>,
    /// Mock mode's faults and latency ([`Api::with_mock_faults`]).
    mock: scenario::Mock,
    /// Background jobs and where they run ([`Api::with_jobs`]).
    jobs: jobs::JobDesk,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("service", &self.service)
            .field("settings", &self.settings)
            .field("limits", &self.limits)
            .field("signatures", &self.signatures)
            .field("mock", &self.mock)
            .field("jobs", &self.jobs)
            .field(
                "deadline",
                &self.sleep.as_ref().map(|_| self.settings.deadline),
            )
            .finish()
    }
}

/// A timer from the front door's runtime (`tokio::time::sleep`), so this crate needs none: it
/// bounds each request by [`ApiSettings::deadline`].
pub type Sleep = Arc<dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// What the composition root decides about the HTTP side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiSettings {
    pub cors: CorsPolicy,
    /// Whether `USE_MOCK_DATA` is on, for health.
    pub mock_mode: bool,
    /// The model the extractor asks, for health (`None` for the mock).
    pub model: Option<String>,
    /// The bucket the store writes to, for health (`None` unless Supabase).
    pub bucket: Option<String>,
    pub rate_limits: RateLimitPolicy,
    /// The longest a request may take before it is answered 504 (with a timer, see
    /// [`Api::with_timer`]); shorter than the platform's own cut-off.
    pub deadline: Duration,
}

impl Api {
    pub fn new(service: PersonaService, settings: ApiSettings) -> Self {
        let limits = Arc::new(limits::RateLimits::new(&settings.rate_limits));
        let jobs = Jobs::new(Arc::clone(service.records()), JobPolicy::default());
        Self {
            jobs: jobs::JobDesk::new(jobs),
            service,
            settings,
            limits,
            sleep: None,
            signatures: signing::Signatures::default(),
            offload: None,
            mock: scenario::Mock::default(),
        }
    }

    /// Reads and checks request bodies through `offload` (the parse, the JSON Schema validation
    /// and the domain's rules take CPU time that grows with the body), so that a large body
    /// neither holds the async worker nor keeps the deadline from answering 504.
    #[must_use]
    pub fn with_offload(mut self, offload: Offload) -> Self {
        self.offload = Some(offload);
        self
    }

    /// Signs the grounding process-persona returns with `key`, and verifies on save what comes
    /// back: an entry whose signature does not hold is stored as `verified: false`, or refused
    /// under [`SignaturePolicy::Require`]. Without this nothing is signed or verified.
    #[must_use]
    pub fn with_signatures(mut self, key: GroundingKey, policy: SignaturePolicy) -> Self {
        self.signatures = signing::Signatures {
            key: Some(key),
            policy,
        };
        self
    }

    /// Bounds every request by the settings' deadline, timed by `sleep`.
    #[must_use]
    pub fn with_timer(mut self, sleep: Sleep) -> Self {
        self.sleep = Some(sleep);
        self
    }

    /// Answers a request, routing by its path (`/api/NAME`).
    pub async fn handle(&self, request: Request) -> Response {
        let operation = Operation::from_path(&request.path);
        self.handle_operation(operation, request).await
    }

    /// Answers a request for a known operation (`None`: no operation lives at that path).
    ///
    /// `HEAD` of a `GET` operation is answered as the `GET`, body included: the front door's
    /// framing leaves the body out (actix on the wire; the Netlify door, whose proxy response
    /// knows no `HEAD`, itself), so the `content-length` is the `GET`'s, as RFC 9110 §9.3.2 asks.
    pub async fn handle_operation(
        &self,
        operation: Option<Operation>,
        request: Request,
    ) -> Response {
        self.answer(operation, request, None).await
    }

    /// Answers a request its front door could not read whole (`request` carries what it did
    /// read: method, path, headers): the error in the envelope, with the request id, security
    /// and CORS headers and the request log line of every answer.
    pub async fn refuse(&self, request: Request, failure: ReadFailure) -> Response {
        let operation = Operation::from_path(&request.path);
        self.answer(operation, request, Some(failure)).await
    }
}

#[cfg(test)]
mod offload_tests;
#[cfg(test)]
pub(crate) mod tests;
