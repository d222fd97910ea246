//! The mock that fails on purpose, through the real server: each `x-mock-scenario` on each
//! operation it applies to, answered with the status, envelope and `Retry-After` of the real
//! failure; random faults and latency from the environment; the header's CORS preflight.

use persona_api::{Operation, Scenario};
use serde_json::{Value, json};

use super::helpers::{Answer, MAYA, TestApp, spawn_app};
use super::privacy::captured;

const MOCK: (&str, &str) = ("USE_MOCK_DATA", "true");

/// Sends a request for `operation` that passes every check, naming `scenario` when given.
async fn call(app: &TestApp, operation: Operation, scenario: Option<&str>) -> Answer {
    let request = match operation {
        Operation::ProcessPersona => app
            .client
            .post(app.url("/api/process-persona"))
            .json(&json!({ "textBlocks": [MAYA] })),
        Operation::SavePersona => app
            .client
            .post(app.url("/api/save-persona"))
            .json(&json!({ "persona": { "name": "Ada" } })),
        _ => app
            .client
            .get(app.url("/api/get-persona"))
            .query(&[("id", "AAAAAAAAAAAAAAAAAAAAA")]),
    };
    let request = match scenario {
        Some(name) => request.header("x-mock-scenario", name),
        None => request,
    };
    app.send(request).await
}

const OPERATIONS: [Operation; 3] = [
    Operation::ProcessPersona,
    Operation::SavePersona,
    Operation::GetPersona,
];

#[tokio::test]
async fn every_fault_on_every_operation_is_answered_as_the_real_failure() {
    let app = spawn_app(&[MOCK]).await;
    let mut seen = Vec::new();
    for scenario in Scenario::ALL.into_iter().filter(|s| *s != Scenario::Slow) {
        for operation in OPERATIONS.into_iter().filter(|o| scenario.applies_to(*o)) {
            let answer = call(&app, operation, Some(scenario.name())).await;
            let real = scenario
                .error(operation, std::time::Duration::from_secs(30))
                .expect("a fault");
            let error = &answer.body["error"];
            let what = format!("{} on {}", scenario.name(), operation.name());
            assert_eq!(answer.body["success"], false, "{what}");
            assert_eq!(error["message"], real.message, "{what}");
            assert!(
                error["request_id"]
                    .as_str()
                    .is_some_and(|id| !id.is_empty())
            );
            assert_eq!(error["details"], json!([]), "{what}");
            seen.push((
                what,
                answer.status,
                answer.code().to_owned(),
                error["retryable"].clone(),
                answer.header("retry-after").map(str::to_owned),
            ));
        }
    }
    let row = |what: &str, status, code: &str, retryable: bool, wait: Option<&str>| {
        (
            what.to_owned(),
            status,
            code.to_owned(),
            Value::Bool(retryable),
            wait.map(str::to_owned),
        )
    };
    let expected = vec![
        row(
            "RATE_LIMITED on process-persona",
            429,
            "RATE_LIMITED",
            true,
            Some("10"),
        ),
        row(
            "RATE_LIMITED on save-persona",
            429,
            "RATE_LIMITED",
            true,
            Some("10"),
        ),
        row(
            "RATE_LIMITED on get-persona",
            429,
            "RATE_LIMITED",
            true,
            Some("10"),
        ),
        row(
            "UPSTREAM_TIMEOUT on process-persona",
            504,
            "UPSTREAM_TIMEOUT",
            true,
            None,
        ),
        row(
            "UPSTREAM_TIMEOUT on save-persona",
            504,
            "UPSTREAM_TIMEOUT",
            true,
            None,
        ),
        row(
            "UPSTREAM_TIMEOUT on get-persona",
            504,
            "UPSTREAM_TIMEOUT",
            true,
            None,
        ),
        row(
            "UPSTREAM_UNAVAILABLE on process-persona",
            503,
            "UPSTREAM_UNAVAILABLE",
            true,
            None,
        ),
        row(
            "UPSTREAM_UNAVAILABLE on save-persona",
            503,
            "UPSTREAM_UNAVAILABLE",
            true,
            Some("5"),
        ),
        row(
            "UPSTREAM_UNAVAILABLE on get-persona",
            503,
            "UPSTREAM_UNAVAILABLE",
            true,
            Some("5"),
        ),
        row(
            "EXTRACTION_FAILED on process-persona",
            422,
            "EXTRACTION_FAILED",
            true,
            None,
        ),
        row("REFUSED on process-persona", 422, "REFUSED", false, None),
        row("INTERNAL on process-persona", 500, "INTERNAL", false, None),
        row("INTERNAL on save-persona", 500, "INTERNAL", false, None),
        row("INTERNAL on get-persona", 500, "INTERNAL", false, None),
    ];
    assert_eq!(seen, expected);
    // The request deadline's answer names the configured deadline.
    let timeout = call(&app, Operation::GetPersona, Some("UPSTREAM_TIMEOUT")).await;
    assert!(
        timeout.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("longer than 30000 ms"))
    );
    app.stop().await;
}

#[tokio::test]
async fn slow_answers_normally_after_its_delay() {
    let app = spawn_app(&[MOCK]).await;
    let processed = call(&app, Operation::ProcessPersona, Some("slow")).await;
    assert_eq!(processed.status, 200, "{:?}", processed.body);
    assert_eq!(processed.body["data"]["persona"]["name"], "Maya Patel");
    let saved = call(&app, Operation::SavePersona, Some("slow")).await;
    assert_eq!(saved.status, 201, "{:?}", saved.body);
    app.stop().await;
}

#[tokio::test]
async fn a_name_that_is_unknown_or_does_not_apply_is_400_and_a_bad_body_comes_first() {
    let app = spawn_app(&[MOCK]).await;
    let unknown = call(&app, Operation::ProcessPersona, Some("TEAPOT")).await;
    assert_eq!((unknown.status, unknown.code()), (400, "INVALID_REQUEST"));
    assert_eq!(
        unknown.body["error"]["message"],
        "x-mock-scenario must be one of RATE_LIMITED, UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, \
         EXTRACTION_FAILED, REFUSED, INTERNAL, slow"
    );
    let misplaced = call(&app, Operation::GetPersona, Some("REFUSED")).await;
    assert_eq!(
        (misplaced.status, &misplaced.body["error"]["message"]),
        (
            400,
            &json!("x-mock-scenario REFUSED applies to process-persona only")
        )
    );
    let bad_body = app
        .send(
            app.client
                .post(app.url("/api/process-persona"))
                .header("x-mock-scenario", "INTERNAL")
                .json(&json!({ "textBlocks": [] })),
        )
        .await;
    assert_eq!((bad_body.status, bad_body.code()), (400, "INVALID_REQUEST"));
    assert_ne!(
        bad_body.body["error"]["message"],
        unknown.body["error"]["message"]
    );
    app.stop().await;
}

#[tokio::test]
async fn outside_mock_mode_the_header_is_ignored_and_that_is_logged_once() {
    let logs = captured();
    let app = spawn_app(&[]).await;
    for (id, name) in [("ignored-1", "INTERNAL"), ("ignored-2", "TEAPOT-7f3a")] {
        let answer = app
            .send(
                app.client
                    .get(app.url("/api/get-persona"))
                    .query(&[("id", "AAAAAAAAAAAAAAAAAAAAA")])
                    .header("x-request-id", id)
                    .header("x-mock-scenario", name),
            )
            .await;
        assert_eq!((answer.status, answer.code()), (404, "NOT_FOUND"), "{name}");
    }
    let logged = String::from_utf8(logs.lock().expect("lock").clone()).expect("utf8");
    let warned: Vec<Value> = logged
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|l| {
            l["fields"]["message"] == "x-mock-scenario ignored: the service is not in mock mode"
        })
        .filter(|l| {
            ["ignored-1", "ignored-2"].contains(&l["span"]["request_id"].as_str().unwrap_or(""))
        })
        .collect();
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert_eq!(warned[0]["level"], "WARN");
    assert_eq!(warned[0]["span"]["request_id"], "ignored-1");
    assert!(
        !logged.contains("TEAPOT-7f3a"),
        "the header's value is never logged"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_fault_rate_of_one_fails_every_request_with_a_fault_of_its_operation() {
    let app = spawn_app(&[MOCK, ("MOCK_FAULT_RATE", "1"), ("MOCK_LATENCY_MS", "5..20")]).await;
    for operation in OPERATIONS {
        for _ in 0..8 {
            let answer = call(&app, operation, None).await;
            let faults: Vec<&str> = Scenario::ALL
                .into_iter()
                .filter(|s| *s != Scenario::Slow && s.applies_to(operation))
                .map(Scenario::name)
                .collect();
            assert!(
                faults.contains(&answer.code()),
                "{}: {:?}",
                operation.name(),
                answer.body
            );
        }
    }
    // Health is never affected.
    assert_eq!(app.get("/api/health").await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn browsers_may_preflight_the_header_in_mock_mode_only() {
    for (vars, allowed) in [(vec![MOCK], true), (vec![("ALLOWED_ORIGINS", "*")], false)] {
        let app = spawn_app(&vars).await;
        let answer = app
            .send(
                app.client
                    .request(reqwest::Method::OPTIONS, app.url("/api/process-persona"))
                    .header("origin", "http://localhost:3000")
                    .header("access-control-request-method", "POST")
                    .header(
                        "access-control-request-headers",
                        "content-type, x-mock-scenario",
                    ),
            )
            .await;
        assert_eq!(answer.status, 204);
        let headers = answer.header("access-control-allow-headers").unwrap_or("");
        assert_eq!(
            headers.split(", ").any(|h| h == "x-mock-scenario"),
            allowed,
            "{headers}"
        );
        app.stop().await;
    }
}
