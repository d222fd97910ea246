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
//! - [`dto`]: request and response bodies.
//! - [`error`]: error codes, statuses, and the mapping from port errors.
//! - [`cors`]: the CORS policy.

pub mod body;
pub mod cors;
pub mod dto;
pub mod error;
pub mod http;
pub mod routes;

use std::time::Instant;

use persona_domain::{PersonaId, SourceBundle, StoredPersona, Violation};
use persona_ports::{Persona, PersonaService};
use serde::Serialize;
use serde_json::json;
use tracing::info;

pub use body::MAX_BODY_BYTES;
pub use cors::CorsPolicy;
pub use error::{ApiError, Detail, ErrorCode};
pub use http::{Request, Response};
pub use routes::Operation;

use dto::{GetData, HealthData, ProcessData, ProcessRequest, SaveData, SaveRequest, UsageData};

/// The API: the use cases behind the HTTP contract.
#[derive(Debug, Clone)]
pub struct Api {
    service: PersonaService,
    settings: ApiSettings,
}

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
}

impl Api {
    pub fn new(service: PersonaService, settings: ApiSettings) -> Self {
        Self { service, settings }
    }

    /// Answers a request, routing by its path (`/api/NAME`).
    pub async fn handle(&self, request: Request) -> Response {
        let operation = Operation::from_path(&request.path);
        self.handle_operation(operation, request).await
    }

    /// Answers a request for a known operation (`None`: no operation lives at that path).
    pub async fn handle_operation(
        &self,
        operation: Option<Operation>,
        request: Request,
    ) -> Response {
        let started = Instant::now();
        let request_id = request_id(&request);
        let result = match operation {
            None => Err(ApiError::new(
                ErrorCode::NotFound,
                "no such route; the API has POST /api/process-persona, POST /api/save-persona, \
                 GET /api/get-persona?id=ID and GET /api/health",
            )),
            Some(_) if request.method == "OPTIONS" => Ok(Answer::NoContent),
            Some(op) if request.method != op.method() => {
                let mut e = ApiError::new(
                    ErrorCode::MethodNotAllowed,
                    format!("{} answers {} only", op.path(), op.method()),
                );
                e.allow = Some(allow(op));
                Err(e)
            }
            Some(op) => self.dispatch(op, &request).await,
        };
        let mut response = match result {
            Ok(answer) => answer.into_response(operation),
            Err(error) => error_response(&error, &request_id),
        };
        response.set_header("x-request-id", request_id.as_str());
        response.set_header("cache-control", "no-store");
        response.set_header("x-content-type-options", "nosniff");
        self.settings.cors.apply(&request, &mut response);
        info!(
            request_id = %request_id,
            method = %sanitised_method(&request.method),
            route = operation.map_or("unknown", Operation::name),
            status = response.status,
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request"
        );
        response
    }

    async fn dispatch(&self, operation: Operation, request: &Request) -> Result<Answer, ApiError> {
        match operation {
            Operation::ProcessPersona => self.process(request).await,
            Operation::SavePersona => self.save(request).await,
            Operation::GetPersona => self.get(request).await,
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
        }
    }

    async fn process(&self, request: &Request) -> Result<Answer, ApiError> {
        let body: ProcessRequest = body::read(request)?;
        let bundle = SourceBundle::parse(&body.text_blocks, &body.links).map_err(|errors| {
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
        })?;
        let processed = self.service.process(&bundle).await?;
        Ok(Answer::ok(&ProcessData {
            persona: processed.persona,
            warnings: processed.warnings,
            grounding: processed.grounding,
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
        let saved = self.service.save(persona, source, body.grounding).await?;
        Ok(Answer::created(&SaveData {
            id: saved.id().clone(),
            metadata: saved.metadata().clone(),
        }))
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
        let stored: StoredPersona = self.service.get(&id).await?;
        Ok(Answer::ok(&GetData {
            id: stored.id().clone(),
            persona: stored.persona().clone(),
            grounding: stored.grounding().cloned(),
            metadata: stored.metadata().clone(),
        }))
    }
}

/// A successful answer before it becomes a response.
enum Answer {
    Data { status: u16, body: Vec<u8> },
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
        _ => "GET, OPTIONS",
    }
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
mod tests;
