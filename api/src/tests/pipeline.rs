//! What every request goes through: routing by operation, `OPTIONS`, the rate limit, the
//! deadline, the headers on every answer, the documents, `HEAD`, and what a door could not read.

use super::*;

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
