//! The job routes' own rules: the `Prefer` header, get-job's id, and a server without a runner.
//! Jobs end to end (202, polling, a worker killed mid-job) are tested black-box in the `tests`
//! crate.

use persona_ports::{ExtractError, StoreError};
use serde_json::Value;

use super::*;
use crate::Response;
use crate::tests::api as failing_api;

fn prefer(values: &[&str]) -> Request {
    values.iter().fold(Request::new("POST", "/"), |r, v| {
        r.with_header("Prefer", *v)
    })
}

#[test]
fn respond_async_is_found_among_preferences_in_any_case_and_line() {
    for values in [
        &["respond-async"][..],
        &["RESPOND-ASYNC"],
        &["wait=10, respond-async"],
        &["return=minimal", "respond-async; foo=bar"],
        &[" respond-async ,wait=5"],
    ] {
        assert!(prefers_async(&prefer(values)), "{values:?}");
    }
}

#[test]
fn other_preferences_or_none_are_not_respond_async() {
    for values in [
        &[][..],
        &["return=minimal"],
        &["respond-asynchronously"],
        &["wait=respond-async"],
        &["handling=lenient, x-respond-async"],
    ] {
        assert!(!prefers_async(&prefer(values)), "{values:?}");
    }
}

#[test]
fn a_huge_prefer_header_is_read_once_and_refused_as_a_preference() {
    let huge = "x".repeat(1 << 20);
    assert!(!prefers_async(&prefer(&[&huge])));
    let many = "wait=1,".repeat(100_000) + "respond-async";
    assert!(prefers_async(&prefer(&[&many])));
}

fn body(response: &Response) -> Value {
    serde_json::from_slice(&response.body).expect("json")
}

async fn get_job(query: Option<&str>) -> Response {
    let api = failing_api(ExtractError::Refused, StoreError::NotFound);
    let mut request = Request::new("GET", "/api/get-job");
    if let Some(query) = query {
        request = request.with_query(query);
    }
    api.handle(request).await
}

#[tokio::test]
async fn get_job_without_an_id_says_where_to_put_it() {
    let answer = get_job(None).await;
    assert_eq!(answer.status, 400);
    let error = &body(&answer)["error"];
    assert_eq!(error["code"], "INVALID_ID");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("/api/get-job?id=")
    );
}

#[tokio::test]
async fn get_job_with_a_malformed_id_is_refused_without_echoing_it() {
    for id in [
        "short",
        "AAAAAAAAAAAAAAAAAAAAA",
        "<script>aaaaaaaaaaaaaaaaaa",
        "%00%00",
    ] {
        let answer = get_job(Some(&format!("id={id}"))).await;
        assert_eq!(answer.status, 400, "{id}");
        let error = &body(&answer)["error"];
        assert_eq!(error["code"], "INVALID_ID");
        assert!(!error["message"].as_str().unwrap().contains(id), "{id}");
    }
}

#[tokio::test]
async fn an_unknown_job_is_not_found() {
    let answer = get_job(Some(&format!("id={}", JobId::fresh().as_str()))).await;
    assert_eq!(answer.status, 404);
    assert_eq!(body(&answer)["error"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn without_a_runner_respond_async_is_not_applied_and_the_answer_is_synchronous() {
    let api = failing_api(ExtractError::Refused, StoreError::NotFound);
    let answer = api
        .handle(
            Request::new("POST", "/api/process-persona")
                .with_header("content-type", "application/json")
                .with_header("prefer", "respond-async")
                .with_body(r#"{"textBlocks":["I am Ada."]}"#),
        )
        .await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.header("preference-applied"), None);
}
