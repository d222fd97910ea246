//! The contract through `Api::handle`, with port doubles that fail on purpose: the error mapping
//! as a client sees it. Success paths are covered black-box in the `tests` crate.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use persona_ports::{
    ExtractError, ExtractFailure, Extraction, PersonaExtractor, PersonaStore, StoreError,
};
use serde_json::Value;

use super::*;

#[derive(Debug)]
struct FailingExtractor(ExtractError);

#[async_trait]
impl PersonaExtractor for FailingExtractor {
    fn name(&self) -> &'static str {
        "failing"
    }
    async fn extract(&self, _: &SourceBundle) -> Result<Extraction, ExtractFailure> {
        Err(self.0.clone().into())
    }
}

/// An extractor that never answers, for the request deadline.
#[derive(Debug)]
struct SilentExtractor;

#[async_trait]
impl PersonaExtractor for SilentExtractor {
    fn name(&self) -> &'static str {
        "silent"
    }
    async fn extract(&self, _: &SourceBundle) -> Result<Extraction, ExtractFailure> {
        std::future::pending().await
    }
}

#[derive(Debug)]
struct FailingStore(StoreError);

#[async_trait]
impl PersonaStore for FailingStore {
    fn name(&self) -> &'static str {
        "failing"
    }
    async fn create(&self, _: &StoredPersona) -> Result<(), StoreError> {
        Err(self.0.clone())
    }
    async fn get(&self, _: &PersonaId) -> Result<StoredPersona, StoreError> {
        Err(self.0.clone())
    }
}

fn settings() -> ApiSettings {
    ApiSettings {
        cors: CorsPolicy::Origins(vec![]),
        mock_mode: false,
        model: None,
        bucket: None,
        rate_limits: RateLimitPolicy::off(),
        deadline: Duration::from_secs(30),
    }
}

fn api(extract: ExtractError, store: StoreError) -> Api {
    let service = PersonaService::new(
        Arc::new(FailingExtractor(extract)),
        Arc::new(FailingStore(store)),
    );
    Api::new(service, settings())
}

fn json_post(path: &str, body: &str) -> Request {
    Request::new("POST", path)
        .with_header("content-type", "application/json")
        .with_body(body)
}

fn body(response: &Response) -> Value {
    serde_json::from_slice(&response.body).expect("json body")
}

async fn process_with(error: ExtractError) -> Response {
    api(error, StoreError::NotFound)
        .handle(json_post(
            "/api/process-persona",
            r#"{"textBlocks":["I am Ada."]}"#,
        ))
        .await
}

#[tokio::test]
async fn extractor_failures_reach_the_client_as_envelopes() {
    let cases = [
        (
            ExtractError::RateLimited { retry_after: None },
            429,
            "RATE_LIMITED",
            true,
        ),
        (ExtractError::Timeout, 504, "UPSTREAM_TIMEOUT", true),
        (
            ExtractError::Unavailable {
                retryable: true,
                reason: "overloaded".into(),
            },
            503,
            "UPSTREAM_UNAVAILABLE",
            true,
        ),
        (
            ExtractError::Unavailable {
                retryable: false,
                reason: "bad key".into(),
            },
            502,
            "UPSTREAM_UNAVAILABLE",
            false,
        ),
        (ExtractError::Refused, 422, "REFUSED", false),
        (
            ExtractError::InvalidOutput {
                reason: "not json".into(),
            },
            422,
            "EXTRACTION_FAILED",
            true,
        ),
        (
            ExtractError::Unexpected("boom".into()),
            500,
            "INTERNAL",
            false,
        ),
    ];
    for (error, status, code, retryable) in cases {
        let response = process_with(error.clone()).await;
        let body = body(&response);
        assert_eq!(response.status, status, "{error:?}");
        assert_eq!(body["success"], false);
        assert_eq!(body["error"]["code"], code, "{error:?}");
        assert_eq!(body["error"]["retryable"], retryable, "{error:?}");
    }
}

#[tokio::test]
async fn a_rate_limit_with_a_wait_sends_retry_after_in_whole_seconds() {
    let response = process_with(ExtractError::RateLimited {
        retry_after: Some(Duration::from_millis(2100)),
    })
    .await;
    assert_eq!(response.header("retry-after"), Some("3"));
}

#[tokio::test]
async fn a_500_says_nothing_of_its_cause() {
    let response = process_with(ExtractError::Unexpected(
        "/srv/secret/path sk-live-key".into(),
    ))
    .await;
    let text = String::from_utf8(response.body).expect("utf8");
    assert!(
        !text.contains("secret") && !text.contains("sk-live"),
        "{text}"
    );
}

#[tokio::test]
async fn store_failures_on_save_and_get_reach_the_client_as_envelopes() {
    let cases = [
        (
            StoreError::Unavailable {
                retryable: true,
                reason: "503".into(),
            },
            503,
            "UPSTREAM_UNAVAILABLE",
        ),
        (
            StoreError::TooLarge { size: 9, max: 5 },
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (StoreError::Unexpected("disk".into()), 500, "INTERNAL"),
    ];
    for (error, status, code) in cases {
        let api = api(ExtractError::Timeout, error.clone());
        let saved = api
            .handle(json_post(
                "/api/save-persona",
                r#"{"persona":{"name":"Ada"}}"#,
            ))
            .await;
        assert_eq!(
            (saved.status, body(&saved)["error"]["code"].clone()),
            (status, Value::from(code)),
            "{error:?}"
        );
        let got = api
            .handle(Request::new("GET", "/api/get-persona").with_query("id=AAAAAAAAAAAAAAAAAAAAA"))
            .await;
        assert_eq!(
            (got.status, body(&got)["error"]["code"].clone()),
            (status, Value::from(code)),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn an_invalid_bundle_never_reaches_the_extractor() {
    // The extractor would answer 504; a 400 proves the request stopped before it.
    let response = api(ExtractError::Timeout, StoreError::NotFound)
        .handle(json_post("/api/process-persona", r#"{"textBlocks":[" "]}"#))
        .await;
    assert_eq!(response.status, 400);
}

#[tokio::test]
async fn a_malformed_id_never_reaches_the_store() {
    // The store would answer 500; a 400 proves the request stopped before it.
    let api = api(
        ExtractError::Timeout,
        StoreError::Unexpected("reached".into()),
    );
    let response = api
        .handle(Request::new("GET", "/api/get-persona").with_query("id=..%2F..%2Fetc%2Fpasswd"))
        .await;
    assert_eq!(
        (response.status, body(&response)["error"]["code"].clone()),
        (400, Value::from("INVALID_ID"))
    );
}

#[tokio::test]
async fn a_known_operation_can_be_handled_whatever_the_path() {
    // A Netlify function knows its operation; the path it sees may be /.netlify/functions/NAME.
    let api = api(ExtractError::Timeout, StoreError::NotFound);
    let response = api
        .handle_operation(
            Some(Operation::Health),
            Request::new("GET", "/.netlify/functions/health"),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(body(&response)["data"]["extractor"], "failing");
}

#[tokio::test]
async fn options_on_a_known_route_is_204_with_allow() {
    let api = api(ExtractError::Timeout, StoreError::NotFound);
    let response = api
        .handle(Request::new("OPTIONS", "/api/process-persona"))
        .await;
    assert_eq!(response.status, 204);
    assert!(response.body.is_empty());
    assert_eq!(response.header("allow"), Some("POST, OPTIONS"));
}

#[tokio::test]
async fn a_client_over_its_budget_gets_429_with_retry_after_and_others_do_not() {
    let service = PersonaService::new(
        Arc::new(FailingExtractor(ExtractError::Refused)),
        Arc::new(FailingStore(StoreError::NotFound)),
    );
    let api = Api::new(
        service,
        ApiSettings {
            rate_limits: RateLimitPolicy::parse("process-persona=1").expect("parses"),
            ..settings()
        },
    );
    let from = |peer: &str| {
        json_post("/api/process-persona", r#"{"textBlocks":["I am Ada."]}"#)
            .with_peer(peer.parse().expect("an address"))
    };
    // The first call reaches the extractor (which refuses); the second is stopped before it.
    assert_eq!(api.handle(from("192.0.2.1")).await.status, 422);
    let limited = api.handle(from("192.0.2.1")).await;
    assert_eq!(limited.status, 429);
    assert_eq!(body(&limited)["error"]["code"], "RATE_LIMITED");
    let wait: u64 = limited
        .header("retry-after")
        .expect("retry-after")
        .parse()
        .expect("seconds");
    assert!((55..=60).contains(&wait), "{wait}");
    assert_eq!(api.handle(from("192.0.2.2")).await.status, 422);
    // Health is never limited.
    let health = Request::new("GET", "/api/health").with_peer("192.0.2.1".parse().unwrap());
    assert_eq!(api.handle(health).await.status, 200);
}

#[tokio::test]
async fn a_request_past_its_deadline_is_answered_504_with_its_request_id() {
    let service = PersonaService::new(
        Arc::new(SilentExtractor),
        Arc::new(FailingStore(StoreError::NotFound)),
    );
    // A timer that has already fired: the silent extractor can never win the race.
    let api =
        Api::new(service, settings()).with_timer(Arc::new(|_| Box::pin(std::future::ready(()))));
    let response = api
        .handle(
            json_post("/api/process-persona", r#"{"textBlocks":["I am Ada."]}"#)
                .with_header("x-request-id", "slow-1"),
        )
        .await;
    assert_eq!(response.status, 504);
    let body = body(&response);
    assert_eq!(body["error"]["code"], "UPSTREAM_TIMEOUT");
    assert_eq!(body["error"]["request_id"], "slow-1");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("30000 ms")
    );
}

#[tokio::test]
async fn a_request_that_beats_its_timer_is_answered_normally() {
    let api = api(ExtractError::Refused, StoreError::NotFound)
        .with_timer(Arc::new(|_| Box::pin(std::future::pending())));
    let response = api
        .handle(json_post(
            "/api/process-persona",
            r#"{"textBlocks":["I am Ada."]}"#,
        ))
        .await;
    assert_eq!(response.status, 422);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_no_store() {
    let api = api(ExtractError::Refused, StoreError::NotFound);
    for request in [
        Request::new("GET", "/api/health"),
        Request::new("GET", "/api/nowhere"),
        json_post("/api/process-persona", "{}"),
        Request::new("OPTIONS", "/api/save-persona"),
    ] {
        let response = api.handle(request.clone()).await;
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{request:?}"
        );
        assert_eq!(
            response.header("x-frame-options"),
            Some("DENY"),
            "{request:?}"
        );
        assert_eq!(
            response.header("referrer-policy"),
            Some("no-referrer"),
            "{request:?}"
        );
        assert!(
            response.header("content-security-policy").is_some(),
            "{request:?}"
        );
        assert_eq!(
            response.header("cache-control"),
            Some("no-store"),
            "{request:?}"
        );
    }
}

#[tokio::test]
async fn the_documents_are_served_as_generated_and_may_be_cached() {
    let api = api(ExtractError::Refused, StoreError::NotFound);
    let document = api.handle(Request::new("GET", "/api/openapi.json")).await;
    assert_eq!(document.status, 200);
    assert_eq!(document.body, *openapi::DOCUMENT);
    assert_eq!(
        document.header("cache-control"),
        Some("public, max-age=300")
    );
    let schema = api
        .handle(Request::new("GET", "/api/schema/persona.json"))
        .await;
    assert_eq!(schema.status, 200);
    assert_eq!(body(&schema)["title"], "Persona");
}

#[tokio::test]
async fn every_error_answer_matches_the_documented_envelope() {
    let errors = openapi::tests::validator("ErrorResponse");
    let api = api(ExtractError::Timeout, StoreError::Unexpected("x".into()));
    for request in [
        Request::new("GET", "/api/nowhere"),
        Request::new("DELETE", "/api/health"),
        json_post("/api/process-persona", "[]"),
        json_post("/api/process-persona", r#"{"textBlocks":["I am Ada."]}"#),
        json_post("/api/save-persona", r#"{"persona":{"name":"Ada"}}"#),
        Request::new("GET", "/api/get-persona"),
        Request::new("POST", "/api/process-persona").with_body("x"),
    ] {
        let response = api.handle(request.clone()).await;
        assert!(response.status >= 400, "{request:?}");
        let body = body(&response);
        assert!(errors.is_valid(&body), "{request:?}: {body}");
    }
}

#[tokio::test]
async fn head_of_a_get_route_answers_as_the_get() {
    let api = api(ExtractError::Timeout, StoreError::NotFound);
    for op in Operation::ALL.into_iter().filter(|op| op.method() == "GET") {
        let get = api.handle(Request::new("GET", op.path())).await;
        let head = api.handle(Request::new("HEAD", op.path())).await;
        assert_eq!(head.status, get.status, "{}", op.path());
        assert_eq!(head.body.len(), get.body.len(), "{}", op.path());
    }
    let post = api
        .handle(Request::new("HEAD", "/api/process-persona"))
        .await;
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("POST, OPTIONS"));
}

#[tokio::test]
async fn a_request_its_door_could_not_read_is_answered_in_the_envelope() {
    let api = api(ExtractError::Timeout, StoreError::NotFound);
    let request =
        Request::new("POST", "/api/process-persona").with_header("x-request-id", "slow-1");
    let response = api
        .refuse(
            request,
            ReadFailure::Timeout {
                after: Duration::from_secs(20),
            },
        )
        .await;
    assert_eq!(response.status, 408);
    assert_eq!(response.header("x-request-id"), Some("slow-1"));
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    let error = &body(&response)["error"];
    assert_eq!(error["code"], "REQUEST_TIMEOUT");
    assert_eq!(error["retryable"], true);
    assert_eq!(error["request_id"], "slow-1");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("20 s")
    );

    let head = api
        .refuse(Request::new("GET", "/"), ReadFailure::HeadTooLarge)
        .await;
    assert_eq!(head.status, 431);
    assert_eq!(body(&head)["error"]["code"], "HEADERS_TOO_LARGE");
}
