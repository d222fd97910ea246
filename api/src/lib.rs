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
//! - [`body`]: reading and validating JSON bodies.
//! - [`unread`]: what a front door could not read of a request, as an error.
//! - [`dto`]: request and response bodies.
//! - [`error`]: error codes, statuses, and the mapping from port errors.
//! - [`cors`]: the CORS policy.
//! - [`limits`]: rate limits per client and operation.
//! - [`openapi`]: the OpenAPI document and the persona's JSON Schema.
//! - [`signing`]: grounding signatures (signed on process, verified on save).
//! - [`scenario`]: mock mode's faults on purpose (`x-mock-scenario`, random faults and latency).

pub mod body;
mod bounds;
pub mod cors;
pub mod dto;
pub mod error;
pub mod http;
pub mod limits;
pub mod openapi;
pub mod routes;
pub mod scenario;
pub mod signing;
pub mod unread;

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use persona_domain::{
    Grounding, GroundingKey, PersonaId, SourceBundle, SourceCounts, StoredPersona, Violation,
};
use persona_ports::{Offload, Persona, PersonaService, offloaded};
use serde::Serialize;
use serde_json::json;
use tracing::{Instrument, info, info_span, warn};

pub use body::MAX_BODY_BYTES;
pub use cors::CorsPolicy;
pub use error::{ApiError, Detail, ErrorCode};
pub use http::{Request, Response};
pub use limits::{ClientAddress, RateLimitPolicy};
pub use routes::Operation;
pub use scenario::{Latency, MockFaults, Scenario};
pub use signing::SignaturePolicy;
pub use unread::ReadFailure;

use dto::{GetData, HealthData, ProcessData, ProcessRequest, SaveData, SaveRequest, UsageData};

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
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("service", &self.service)
            .field("settings", &self.settings)
            .field("limits", &self.limits)
            .field("signatures", &self.signatures)
            .field("mock", &self.mock)
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
        Self {
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

    async fn answer(
        &self,
        operation: Option<Operation>,
        request: Request,
        failure: Option<ReadFailure>,
    ) -> Response {
        let started = Instant::now();
        let request_id = request_id(&request);
        let route = operation.map_or("unknown", Operation::name);
        let mut log = Outcome::default();
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
                    Err(ApiError::deadline_passed(self.settings.deadline))
                }),
        };
        let cache = match result {
            Ok(Answer::Document(_)) => "public, max-age=300",
            _ => "no-store",
        };
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

    /// The answer to a request for `operation`, before headers and CORS.
    async fn respond(
        &self,
        operation: Option<Operation>,
        request: &Request,
        log: &mut Outcome,
    ) -> Result<Answer, ApiError> {
        match operation {
            None => Err(ApiError::new(
                ErrorCode::NotFound,
                "no such route; the API has POST /api/process-persona, POST /api/save-persona, \
                 GET /api/get-persona?id=ID, GET /api/health, GET /api/openapi.json and \
                 GET /api/schema/persona.json",
            )),
            Some(_) if request.method == "OPTIONS" => Ok(Answer::NoContent),
            Some(op) if !answers(op, &request.method) => {
                let mut e = ApiError::new(
                    ErrorCode::MethodNotAllowed,
                    format!("{} answers {} only", op.path(), op.method()),
                );
                e.allow = Some(allow(op));
                Err(e)
            }
            Some(op) => {
                if let Err(wait) = self.limits.check(op, request) {
                    return Err(ApiError::rate_limited(op, wait));
                }
                self.dispatch(op, request, log).await
            }
        }
    }

    async fn dispatch(
        &self,
        operation: Operation,
        request: &Request,
        log: &mut Outcome,
    ) -> Result<Answer, ApiError> {
        match operation {
            Operation::ProcessPersona => {
                log.adapter = Some(self.service.extractor_name());
                self.process(request, log).await
            }
            Operation::SavePersona => {
                log.adapter = Some(self.service.store_name());
                self.save(request).await
            }
            Operation::GetPersona => {
                log.adapter = Some(self.service.store_name());
                self.get(request).await
            }
            Operation::Health => Ok(Answer::ok(&HealthData {
                status: "ok",
                mode: if self.settings.mock_mode {
                    "mock"
                } else {
                    "real"
                },
                extractor: self.service.extractor_name(),
                store: self.service.store_name(),
                model: self.settings.model.clone(),
                bucket: self.settings.bucket.clone(),
                version: env!("CARGO_PKG_VERSION"),
            })),
            Operation::OpenApi => Ok(Answer::Document(&openapi::DOCUMENT)),
            Operation::PersonaSchema => Ok(Answer::Document(&openapi::PERSONA_SCHEMA)),
        }
    }

    async fn process(&self, request: &Request, log: &mut Outcome) -> Result<Answer, ApiError> {
        let bundle = self.on_body(request, read_bundle).await?;
        self.mock_scenario(Operation::ProcessPersona, request)
            .await?;
        let processed = self.service.process(&bundle).await.map_err(|failure| {
            // A failed extraction still cost attempts and tokens; the request line says so.
            if let Some(usage) = &failure.usage {
                log.spent(usage);
            }
            ApiError::from(failure.error)
        })?;
        log.spent(&processed.usage);
        let mut grounding = processed.grounding;
        self.signatures.sign(&mut grounding, &processed.persona);
        Ok(Answer::ok(&ProcessData {
            persona: processed.persona,
            warnings: processed.warnings,
            grounding,
            usage: UsageData {
                model: processed.usage.model,
                prompt_tokens: processed.usage.prompt_tokens,
                completion_tokens: processed.usage.completion_tokens,
                attempts: processed.usage.attempts,
                cached: processed.cached,
            },
        }))
    }

    async fn save(&self, request: &Request) -> Result<Answer, ApiError> {
        let (persona, source, mut grounding) = self.on_body(request, read_save).await?;
        if let Some(grounding) = &mut grounding {
            self.signatures.verify(grounding, &persona)?;
        }
        self.mock_scenario(Operation::SavePersona, request).await?;
        let saved = self.service.save(persona, source, grounding).await?;
        Ok(Answer::created(&SaveData {
            id: saved.id().clone(),
            metadata: saved.metadata().clone(),
        }))
    }

    /// `read(request)`, through the offload when there is one (with a copy of the request, as
    /// the job may outlive this task when the deadline passes).
    async fn on_body<T: Send + 'static>(&self, request: &Request, read: fn(&Request) -> T) -> T {
        match &self.offload {
            None => read(request),
            Some(offload) => {
                let request = request.clone();
                offloaded(Some(offload), move || read(&request)).await
            }
        }
    }

    async fn get(&self, request: &Request) -> Result<Answer, ApiError> {
        let raw = request.query_param("id").ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidId,
                "add the persona id to the query: /api/get-persona?id=ID",
            )
        })?;
        let id = PersonaId::parse(&raw)
            .map_err(|e| ApiError::new(ErrorCode::InvalidId, e.to_string()))?;
        self.mock_scenario(Operation::GetPersona, request).await?;
        let stored: StoredPersona = self.service.get(&id).await?;
        Ok(Answer::ok(&GetData {
            id: stored.id().clone(),
            persona: stored.persona().clone(),
            grounding: stored.grounding().cloned(),
            metadata: stored.metadata().clone(),
        }))
    }
}

/// The bundle a process-persona body holds: the body read and validated, then the domain's
/// input rules.
fn read_bundle(request: &Request) -> Result<SourceBundle, ApiError> {
    let body: ProcessRequest = body::read(request)?;
    SourceBundle::parse(&body.text_blocks, &body.links).map_err(|errors| {
        let code = if errors.iter().all(|e| e.is_too_large()) {
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
    })
}

/// What a save-persona body asks to keep, once the persona, the source counts and the grounding
/// have passed their checks.
fn read_save(request: &Request) -> Result<(Persona, SourceCounts, Option<Grounding>), ApiError> {
    let body: SaveRequest = body::read(request)?;
    let persona = Persona::parse(body.persona).map_err(|violations| {
        invalid_with(
            "the persona breaks the rules; fix the fields listed in details",
            "/persona",
            violations,
        )
    })?;
    let source = body
        .source
        .unwrap_or_default()
        .check()
        .map_err(|violations| {
            invalid_with("source counts are out of range", "/source", violations)
        })?;
    if let Some(grounding) = &body.grounding {
        grounding.check(&persona).map_err(|violations| {
            invalid_with(
                "the grounding does not fit the persona; fix or leave out the fields listed in details",
                "/grounding",
                violations,
            )
        })?;
    }
    Ok((persona, source, body.grounding))
}

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
struct Outcome {
    /// The adapter the operation used.
    adapter: Option<&'static str>,
    attempts: u32,
    prompt_tokens: u32,
    completion_tokens: u32,
}

impl Outcome {
    fn spent(&mut self, usage: &persona_ports::Usage) {
        self.attempts = usage.attempts;
        self.prompt_tokens = usage.prompt_tokens;
        self.completion_tokens = usage.completion_tokens;
    }
}

/// `work`'s output, or `None` when `timer` fires first (`work` is then dropped, which cancels
/// it).
async fn race<T>(work: impl Future<Output = T>, timer: impl Future<Output = ()>) -> Option<T> {
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

/// A successful answer before it becomes a response.
enum Answer {
    Data {
        status: u16,
        body: Vec<u8>,
    },
    /// A document generated once at start (the OpenAPI document, a JSON Schema).
    Document(&'static [u8]),
    NoContent,
}

impl Answer {
    fn ok(data: &impl Serialize) -> Self {
        Self::Data {
            status: 200,
            body: envelope(data),
        }
    }

    fn created(data: &impl Serialize) -> Self {
        Self::Data {
            status: 201,
            body: envelope(data),
        }
    }

    fn into_response(self, operation: Option<Operation>) -> Response {
        match self {
            Self::Data { status, body } => Response {
                status,
                headers: vec![("content-type".into(), "application/json".into())],
                body,
            },
            Self::Document(body) => Response {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.to_vec(),
            },
            Self::NoContent => Response {
                status: 204,
                headers: operation
                    .map(|op| vec![("allow".into(), allow(op).into())])
                    .unwrap_or_default(),
                body: Vec::new(),
            },
        }
    }
}

fn envelope(data: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(&json!({ "success": true, "data": data }))
        .expect("API data always serialises")
}

fn error_response(error: &ApiError, request_id: &str) -> Response {
    let body = json!({
        "success": false,
        "error": {
            "code": error.code,
            "message": error.message,
            "request_id": request_id,
            "retryable": error.retryable,
            "details": error.details,
        }
    });
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    if let Some(wait) = error.retry_after {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        headers.push(("retry-after".into(), seconds.max(1).to_string()));
    }
    if let Some(allow) = error.allow {
        headers.push(("allow".into(), allow.into()));
    }
    Response {
        status: error.status,
        headers,
        body: serde_json::to_vec(&body).expect("an envelope always serialises"),
    }
}

/// A 400 listing each violation, its field pointer placed under `prefix` in the request body.
fn invalid_with(message: &str, prefix: &str, violations: Vec<Violation>) -> ApiError {
    let details = violations
        .into_iter()
        .map(|v| Detail {
            field: format!("{prefix}{}", v.field),
            message: v.message,
        })
        .collect();
    ApiError::new(ErrorCode::InvalidRequest, message).with_details(details)
}

fn allow(operation: Operation) -> &'static str {
    match operation.method() {
        "POST" => "POST, OPTIONS",
        _ => "GET, HEAD, OPTIONS",
    }
}

/// Whether `operation` answers `method` (besides `OPTIONS`): its own, and `HEAD` for a `GET`.
fn answers(operation: Operation, method: &str) -> bool {
    method == operation.method() || (method == "HEAD" && operation.method() == "GET")
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

#[cfg(test)]
mod offload_tests;
#[cfg(test)]
mod tests;
