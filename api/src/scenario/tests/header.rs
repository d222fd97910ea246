//! The header's refusals, the routes and modes it leaves alone, and `slow`.

use super::*;

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
