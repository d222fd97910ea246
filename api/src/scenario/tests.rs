//! Each scenario against the real path's answer: the same request, once to a mock-mode API naming
//! the scenario and once to an API whose port really fails that way, must get the same response,
//! headers and body included.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use persona_domain::{PersonaId, SourceBundle, StoredPersona};
use persona_ports::{
    ExtractError, ExtractFailure, Extraction, PersonaExtractor, PersonaService, PersonaStore,
    StoreError,
};
use serde_json::Value;

use super::*;
use crate::{ApiSettings, CorsPolicy, RateLimitPolicy, Response};

/// A port that fails with its error, or never answers (`None`).
#[derive(Debug)]
struct Port<E>(Option<E>);

#[async_trait]
impl PersonaExtractor for Port<ExtractError> {
    fn name(&self) -> &'static str {
        "double"
    }
    async fn extract(&self, _: &SourceBundle) -> Result<Extraction, ExtractFailure> {
        match &self.0 {
            Some(e) => Err(e.clone().into()),
            None => std::future::pending().await,
        }
    }
}

#[async_trait]
impl PersonaStore for Port<StoreError> {
    fn name(&self) -> &'static str {
        "double"
    }
    async fn create(&self, _: &StoredPersona) -> Result<(), StoreError> {
        match &self.0 {
            Some(e) => Err(e.clone()),
            None => std::future::pending().await,
        }
    }
    async fn get(&self, _: &PersonaId) -> Result<StoredPersona, StoreError> {
        match &self.0 {
            Some(e) => Err(e.clone()),
            None => std::future::pending().await,
        }
    }
}

const DEADLINE: Duration = Duration::from_secs(30);

fn api_over(mock_mode: bool, extract: Option<ExtractError>, store: Option<StoreError>) -> Api {
    let service = PersonaService::new(Arc::new(Port(extract)), Arc::new(Port(store)));
    Api::new(
        service,
        ApiSettings {
            cors: CorsPolicy::AnyOrigin,
            mock_mode,
            model: None,
            bucket: None,
            rate_limits: RateLimitPolicy::off(),
            deadline: DEADLINE,
        },
    )
}

/// The sleeps a test's API asked for, each over at once, except the request deadline's, which
/// never fires.
fn recorded_timer(api: Api) -> (Api, Arc<Mutex<Vec<Duration>>>) {
    let slept = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&slept);
    let api = api.with_timer(Arc::new(move |delay| {
        if delay == DEADLINE {
            return Box::pin(std::future::pending());
        }
        record.lock().expect("not poisoned").push(delay);
        Box::pin(std::future::ready(()))
    }));
    (api, slept)
}

/// A request for `operation` that passes every check, with a fixed request id.
fn request(operation: Operation) -> Request {
    let json = |path: &str, body: &str| {
        Request::new("POST", path)
            .with_header("content-type", "application/json")
            .with_body(body)
    };
    match operation {
        Operation::ProcessPersona => {
            json("/api/process-persona", r#"{"textBlocks":["I am Ada."]}"#)
        }
        Operation::SavePersona => json("/api/save-persona", r#"{"persona":{"name":"Ada"}}"#),
        _ => Request::new("GET", "/api/get-persona").with_query("id=AAAAAAAAAAAAAAAAAAAAA"),
    }
    .with_header("x-request-id", "same-id")
    .with_header("origin", "https://app.example")
}

fn named(operation: Operation, name: &str) -> Request {
    request(operation).with_header(HEADER, name)
}

fn error(response: &Response) -> Value {
    serde_json::from_slice::<Value>(&response.body).expect("json")["error"].clone()
}

const OPERATIONS: [Operation; 3] = [
    Operation::ProcessPersona,
    Operation::SavePersona,
    Operation::GetPersona,
];

/// The real service's answer to `operation` when it fails as `scenario` says (a port failing
/// that way, or the request deadline passing).
async fn real(scenario: Scenario, operation: Operation) -> Response {
    let extract = |e| api_over(false, Some(e), Some(StoreError::NotFound));
    let store = |e| api_over(false, None, Some(e));
    let reason = || "down".to_owned();
    let process = operation == Operation::ProcessPersona;
    let api = match scenario {
        // The limiter's own wait depends on its clock: the scenario is compared with the
        // constructor the limiter answers through, below.
        Scenario::RateLimited => unreachable!("compared in the test"),
        Scenario::UpstreamTimeout if process => extract(ExtractError::Timeout),
        // The request deadline: a timer already over, a store that never answers.
        Scenario::UpstreamTimeout => {
            api_over(false, None, None).with_timer(Arc::new(|_| Box::pin(std::future::ready(()))))
        }
        Scenario::UpstreamUnavailable if process => extract(ExtractError::Unavailable {
            retryable: true,
            reason: reason(),
        }),
        Scenario::UpstreamUnavailable => store(StoreError::Unavailable {
            retryable: true,
            reason: reason(),
        }),
        Scenario::ExtractionFailed => extract(ExtractError::InvalidOutput { reason: reason() }),
        Scenario::Refused => extract(ExtractError::Refused),
        Scenario::Internal if process => extract(ExtractError::Unexpected(reason())),
        Scenario::Internal => store(StoreError::Unexpected(reason())),
        Scenario::Slow => unreachable!("slow is no fault"),
    };
    api.handle(request(operation)).await
}

#[tokio::test]
async fn every_fault_is_answered_exactly_as_the_real_service_answers_it() {
    let mut seen = Vec::new();
    for scenario in Scenario::ALL {
        for operation in OPERATIONS {
            if scenario == Scenario::Slow || !scenario.applies_to(operation) {
                continue;
            }
            // The ports never answer: a scenario must not reach them.
            let mock = api_over(true, None, None);
            let mock = mock.handle(named(operation, scenario.name())).await;
            if scenario == Scenario::RateLimited {
                let limiter = crate::envelope::error_response(
                    &Refusal::RateLimited {
                        operation,
                        wait: RATE_LIMITED_WAIT,
                    }
                    .into(),
                    "same-id",
                );
                assert_eq!(
                    (mock.status, &mock.body, mock.header("retry-after")),
                    (limiter.status, &limiter.body, limiter.header("retry-after"))
                );
            } else {
                let real = real(scenario, operation).await;
                assert_eq!(mock, real, "{} on {}", scenario.name(), operation.name());
            }
            let e = error(&mock);
            seen.push((
                scenario.name(),
                operation.name(),
                mock.status,
                e["code"].as_str().unwrap_or("").to_owned(),
                e["retryable"] == true,
                mock.header("retry-after").map(str::to_owned),
            ));
        }
    }
    let row = |s, o, status, code: &str, retryable, wait: Option<&str>| {
        (
            s,
            o,
            status,
            code.to_owned(),
            retryable,
            wait.map(str::to_owned),
        )
    };
    let (p, s, g) = ("process-persona", "save-persona", "get-persona");
    // The table of the section's specification.
    let expected = vec![
        row("RATE_LIMITED", p, 429, "RATE_LIMITED", true, Some("10")),
        row("RATE_LIMITED", s, 429, "RATE_LIMITED", true, Some("10")),
        row("RATE_LIMITED", g, 429, "RATE_LIMITED", true, Some("10")),
        row("UPSTREAM_TIMEOUT", p, 504, "UPSTREAM_TIMEOUT", true, None),
        row("UPSTREAM_TIMEOUT", s, 504, "UPSTREAM_TIMEOUT", true, None),
        row("UPSTREAM_TIMEOUT", g, 504, "UPSTREAM_TIMEOUT", true, None),
        row(
            "UPSTREAM_UNAVAILABLE",
            p,
            503,
            "UPSTREAM_UNAVAILABLE",
            true,
            None,
        ),
        row(
            "UPSTREAM_UNAVAILABLE",
            s,
            503,
            "UPSTREAM_UNAVAILABLE",
            true,
            Some("5"),
        ),
        row(
            "UPSTREAM_UNAVAILABLE",
            g,
            503,
            "UPSTREAM_UNAVAILABLE",
            true,
            Some("5"),
        ),
        row("EXTRACTION_FAILED", p, 422, "EXTRACTION_FAILED", true, None),
        row("REFUSED", p, 422, "REFUSED", false, None),
        row("INTERNAL", p, 500, "INTERNAL", false, None),
        row("INTERNAL", s, 500, "INTERNAL", false, None),
        row("INTERNAL", g, 500, "INTERNAL", false, None),
    ];
    assert_eq!(seen, expected);
}

mod header;
mod random;
