//! The mock that fails on purpose, through the functions: each `x-mock-scenario` sent as a
//! Netlify event to the function of each operation it applies to gets the real failure's status,
//! envelope and `Retry-After`; `MOCK_FAULT_RATE` reaches a function's settings; the header's
//! preflight is allowed. (The same answers under `netlify dev` are compared with the server's by
//! the parity suite.)

use std::collections::HashMap;

use lambda_http::Body;
use lambda_http::aws_lambda_events::apigw::ApiGatewayProxyResponse;
use persona_api::{Operation, Scenario};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::{Function, config_from_lookup};

/// The three functions in mock mode over one fresh data folder, with `vars` on top.
async fn functions(vars: &[(&str, &str)]) -> (Vec<Function>, std::time::Duration, TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut map: HashMap<String, String> = HashMap::from([
        ("USE_MOCK_DATA".to_owned(), "true".to_owned()),
        (
            "PERSONA_DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        ),
    ]);
    map.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let config = config_from_lookup(|name| map.get(name).cloned()).expect("config");
    let mut built = Vec::new();
    for name in ["process-persona", "save-persona", "get-persona"] {
        built.push(Function::build(name, &config).await.expect("builds"));
    }
    (built, config.request_deadline, dir)
}

/// The event the Netlify CLI sends for a request to `function` that passes every check.
fn event(function: &Function, headers: &[(&str, &str)]) -> Value {
    let mut headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!([v])))
        .collect();
    let (method, body) = match function.operation() {
        Operation::ProcessPersona => ("POST", json!({ "textBlocks": ["My name is Ada."] })),
        Operation::SavePersona => ("POST", json!({ "persona": { "name": "Ada" } })),
        _ => ("GET", Value::Null),
    };
    if method == "POST" {
        headers.insert("content-type".into(), json!(["application/json"]));
    }
    json!({
        "path": format!("/.netlify/functions/{}", function.operation().name()),
        "httpMethod": method,
        "multiValueHeaders": headers,
        "multiValueQueryStringParameters": { "id": ["AAAAAAAAAAAAAAAAAAAAA"] },
        "body": (method == "POST").then(|| body.to_string()),
        "isBase64Encoded": false,
    })
}

fn body(answer: &ApiGatewayProxyResponse) -> Value {
    match &answer.body {
        Some(Body::Text(text)) => serde_json::from_str(text).expect("json"),
        other => panic!("a text body, not {other:?}"),
    }
}

fn header<'a>(answer: &'a ApiGatewayProxyResponse, name: &str) -> Option<&'a str> {
    answer.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn every_fault_is_answered_by_its_functions_as_the_real_failure() {
    let (functions, deadline, _dir) = functions(&[]).await;
    let mut answered = 0;
    for scenario in Scenario::ALL {
        for function in &functions {
            let operation = function.operation();
            let (Some(real), true) = (
                scenario.error(operation, deadline),
                scenario.applies_to(operation),
            ) else {
                continue;
            };
            let what = format!("{} on {}", scenario.name(), operation.name());
            let header_pair = [("x-mock-scenario", scenario.name())];
            let answer = function
                .answer(event(function, &header_pair))
                .await
                .expect("answered");
            let body = body(&answer);
            assert_eq!(answer.status_code, i64::from(real.status), "{what}");
            assert_eq!(body["success"], false, "{what}");
            assert_eq!(body["error"]["code"], json!(real.code), "{what}");
            assert_eq!(body["error"]["message"], real.message, "{what}");
            assert_eq!(body["error"]["retryable"], real.retryable, "{what}");
            let wait = real.retry_after.map(|w| w.as_secs().to_string());
            assert_eq!(header(&answer, "retry-after"), wait.as_deref(), "{what}");
            answered += 1;
        }
    }
    // Six faults on process-persona, four on each of save- and get-persona.
    assert_eq!(answered, 14);
}

#[tokio::test]
async fn the_deadline_named_is_the_functions_own() {
    let (functions, _, _dir) = functions(&[]).await;
    let get = &functions[2];
    let answer = get
        .answer(event(get, &[("x-mock-scenario", "UPSTREAM_TIMEOUT")]))
        .await
        .expect("answered");
    assert_eq!(
        body(&answer)["error"]["message"],
        "the request took longer than 50000 ms; try again, perhaps with less material"
    );
}

#[tokio::test]
async fn slow_and_no_scenario_answer_normally_and_a_bad_name_is_400() {
    let (functions, _, _dir) = functions(&[]).await;
    let process = &functions[0];
    let slow = process
        .answer(event(process, &[("x-mock-scenario", "slow")]))
        .await
        .expect("answered");
    assert_eq!(slow.status_code, 200, "{:?}", slow.body);
    let unknown = process
        .answer(event(process, &[("x-mock-scenario", "TEAPOT")]))
        .await
        .expect("answered");
    assert_eq!(unknown.status_code, 400);
    let save = &functions[1];
    let refused = save
        .answer(event(save, &[("x-mock-scenario", "REFUSED")]))
        .await
        .expect("answered");
    assert_eq!(
        body(&refused)["error"]["message"],
        "x-mock-scenario REFUSED applies to process-persona only"
    );
    let saved = save.answer(event(save, &[])).await.expect("answered");
    assert_eq!(saved.status_code, 201);
}

#[tokio::test]
async fn the_fault_rate_reaches_a_function() {
    let (functions, _, _dir) = functions(&[("MOCK_FAULT_RATE", "1")]).await;
    for function in &functions {
        for _ in 0..4 {
            let answer = function
                .answer(event(function, &[]))
                .await
                .expect("answered");
            assert!(
                matches!(answer.status_code, 422 | 429 | 500 | 503 | 504),
                "{}: {}",
                function.operation().name(),
                answer.status_code
            );
        }
    }
}

#[tokio::test]
async fn a_browser_may_preflight_the_header() {
    let (functions, _, _dir) = functions(&[]).await;
    let preflight = json!({
        "path": "/api/process-persona",
        "httpMethod": "OPTIONS",
        "multiValueHeaders": {
            "origin": ["http://localhost:3000"],
            "access-control-request-method": ["POST"],
            "access-control-request-headers": ["content-type, x-mock-scenario"],
        },
    });
    let answer = functions[0].answer(preflight).await.expect("answered");
    assert_eq!(answer.status_code, 204);
    let allowed = header(&answer, "access-control-allow-headers").unwrap_or("");
    assert!(
        allowed.split(", ").any(|h| h == "x-mock-scenario"),
        "{allowed}"
    );
}
