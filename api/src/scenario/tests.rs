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

#[tokio::test]
async fn the_messages_are_the_tables() {
    let message = |operation: Operation, name: &'static str| async move {
        let answer = api_over(true, None, None)
            .handle(named(operation, name))
            .await;
        error(&answer)["message"].as_str().unwrap_or("").to_owned()
    };
    assert_eq!(
        message(Operation::SavePersona, "RATE_LIMITED").await,
        "too many save-persona requests from this client; wait 10 s and try again"
    );
    assert_eq!(
        message(Operation::ProcessPersona, "UPSTREAM_TIMEOUT").await,
        "the persona model did not answer in time; try again"
    );
    assert_eq!(
        message(Operation::GetPersona, "UPSTREAM_TIMEOUT").await,
        "the request took longer than 30000 ms; try again, perhaps with less material"
    );
    assert_eq!(
        message(Operation::ProcessPersona, "UPSTREAM_UNAVAILABLE").await,
        "the persona model is unavailable right now"
    );
    assert_eq!(
        message(Operation::GetPersona, "UPSTREAM_UNAVAILABLE").await,
        "persona storage is unavailable right now; try again shortly"
    );
}

#[tokio::test]
async fn an_unknown_name_or_one_that_does_not_apply_is_400_without_echo() {
    let api = api_over(true, None, None);
    for name in ["NOPE", "rate_limited", "SLOW", "", "<script>"] {
        let answer = api.handle(named(Operation::GetPersona, name)).await;
        assert_eq!(answer.status, 400, "{name:?}");
        assert_eq!(
            error(&answer)["message"],
            "x-mock-scenario must be one of RATE_LIMITED, UPSTREAM_TIMEOUT, \
             UPSTREAM_UNAVAILABLE, EXTRACTION_FAILED, REFUSED, INTERNAL, slow"
        );
        assert_eq!(error(&answer)["code"], "INVALID_REQUEST");
    }
    for operation in [Operation::SavePersona, Operation::GetPersona] {
        for name in ["EXTRACTION_FAILED", "REFUSED"] {
            let answer = api.handle(named(operation, name)).await;
            assert_eq!(answer.status, 400);
            assert_eq!(
                error(&answer)["message"],
                format!("x-mock-scenario {name} applies to process-persona only")
            );
        }
    }
    // The value is trimmed, as header values are.
    let answer = api.handle(named(Operation::GetPersona, " INTERNAL ")).await;
    assert_eq!(answer.status, 500);
}

#[tokio::test]
async fn a_bad_request_gets_its_own_400_before_any_scenario() {
    let api = api_over(true, None, None);
    let broken = Request::new("POST", "/api/process-persona")
        .with_header("content-type", "application/json")
        .with_header(HEADER, "INTERNAL")
        .with_body("{");
    assert_eq!(api.handle(broken).await.status, 400);
    let bad_id = Request::new("GET", "/api/get-persona")
        .with_query("id=short")
        .with_header(HEADER, "NOPE");
    assert_eq!(error(&api.handle(bad_id).await)["code"], "INVALID_ID");
}

#[tokio::test]
async fn outside_mock_mode_the_header_changes_nothing() {
    let api = api_over(
        false,
        Some(ExtractError::Refused),
        Some(StoreError::NotFound),
    );
    for name in ["INTERNAL", "NOPE", "slow"] {
        let answer = api.handle(named(Operation::ProcessPersona, name)).await;
        assert_eq!(error(&answer)["code"], "REFUSED", "{name}");
        let answer = api.handle(named(Operation::GetPersona, name)).await;
        assert_eq!(answer.status, 404, "{name}");
    }
}

#[tokio::test]
async fn other_routes_ignore_the_header_in_mock_mode() {
    let api = api_over(true, None, None);
    for path in [
        "/api/health",
        "/api/openapi.json",
        "/api/schema/persona.json",
    ] {
        let answer = api
            .handle(Request::new("GET", path).with_header(HEADER, "INTERNAL"))
            .await;
        assert_eq!(answer.status, 200, "{path}");
    }
    let preflight = Request::new("OPTIONS", "/api/process-persona").with_header(HEADER, "NOPE");
    assert_eq!(api.handle(preflight).await.status, 204);
}

#[tokio::test]
async fn slow_waits_three_seconds_then_lets_the_service_answer() {
    let (api, slept) = recorded_timer(api_over(true, None, Some(StoreError::NotFound)));
    let answer = api.handle(named(Operation::GetPersona, "slow")).await;
    assert_eq!(answer.status, 404, "the store's own answer");
    assert_eq!(*slept.lock().unwrap(), [Duration::from_millis(3_000)]);
}

#[tokio::test(start_paused = true)]
async fn a_shorter_request_deadline_wins_over_slow() {
    let mut api = api_over(true, None, Some(StoreError::NotFound));
    api.settings.deadline = Duration::from_secs(2);
    let api = api.with_timer(Arc::new(|delay| Box::pin(tokio::time::sleep(delay))));
    let answer = api.handle(named(Operation::GetPersona, "slow")).await;
    assert_eq!(answer.status, 504);
    assert_eq!(
        error(&answer)["message"],
        "the request took longer than 2000 ms; try again, perhaps with less material"
    );
}

mod random;
