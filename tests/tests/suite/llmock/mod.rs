//! The OpenAI adapter against llmock, an OpenAI simulator that fails on demand and journals every
//! request, so each case asserts both the port outcome and the attempts the server saw.
//!
//! Runs when llmock answers at `LLMOCK_URL` (default `http://127.0.0.1:18087`, where
//! `.ci/start-llmock` starts it); otherwise each case says why and passes, unless
//! `REQUIRE_LLMOCK=1`, as in CI, where an absent simulator fails the suite.

pub(crate) mod control;
mod job_progress;
mod long_material;
mod server;
mod streaming;

use std::time::Duration;

use persona_adapters_openai::{OpenAiExtractor, OpenAiSettings};
use persona_domain::SourceBundle;
use persona_ports::{ExtractError, PersonaExtractor};
use serde_json::{Value, json};

use control::{Llmock, Served};

const DEFAULT_URL: &str = "http://127.0.0.1:18087";

/// The simulator for one test, or `None` (after saying why) when it is absent and not required.
async fn llmock(test: &str) -> Option<Llmock> {
    let url = std::env::var("LLMOCK_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    llmock_at(&url, test, ".ci/start-llmock").await
}

/// The simulator at `url` for one test, or `None` (after saying why, and which script starts
/// it) when it is absent and not required; with `REQUIRE_LLMOCK=1` an absent simulator fails.
pub(crate) async fn llmock_at(url: &str, test: &str, script: &str) -> Option<Llmock> {
    match Llmock::connect(url.trim_end_matches('/'), test).await {
        Ok(llmock) => Some(llmock),
        Err(reason) if std::env::var("REQUIRE_LLMOCK").as_deref() == Ok("1") => {
            panic!("REQUIRE_LLMOCK=1 but llmock is not available: {reason}")
        }
        Err(reason) => {
            persona_tests::skip(&format!(
                "llmock test {test}: {reason} (start it with {script})"
            ));
            None
        }
    }
}

/// An extractor for this test's model, with a short deadline, adjusted by `tweak`.
fn extractor(llmock: &Llmock, tweak: impl FnOnce(&mut OpenAiSettings)) -> OpenAiExtractor {
    let mut settings = OpenAiSettings {
        base_url: llmock.base_url(),
        api_key: Some(secrecy::SecretString::from("sk-llmock")),
        model: llmock.model.clone(),
        deadline: Duration::from_secs(5),
        ..OpenAiSettings::default()
    };
    tweak(&mut settings);
    OpenAiExtractor::new(settings).expect("valid settings")
}

fn bundle() -> SourceBundle {
    let text = "Hi, my name is Maya Patel. I'm 34 years old and I work as a product designer.";
    SourceBundle::parse(&[text.to_owned()], &[]).expect("valid bundle")
}

fn statuses(served: &[Served]) -> Vec<u16> {
    served.iter().map(|r| r.status).collect()
}

/// Fails with the verdict's report when llmock judged the client's handling of these requests
/// wrong (a retry before Retry-After, a retried 4xx, a retry storm).
async fn assert_verdict_clean(llmock: &Llmock, served: &[Served]) {
    let errors = llmock.verdict_errors(served).await;
    assert!(errors.is_empty(), "llmock's verdict: {errors:#?}");
}

#[tokio::test]
async fn a_clean_call_succeeds_in_one_attempt() {
    let Some(llmock) = llmock("clean").await else {
        return;
    };

    let extraction = extractor(&llmock, |_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    assert_eq!(extraction.usage.attempts, 1);
    assert_eq!(extraction.usage.model, llmock.model);
    let served = llmock.served().await;
    assert_eq!(statuses(&served), [200]);
    assert_eq!(served[0].body["response_format"]["type"], "json_schema");
}

#[tokio::test]
async fn two_429s_with_retry_after_then_success() {
    let Some(llmock) = llmock("rate-limited").await else {
        return;
    };
    llmock
        .script(&[json!({ "type": "fail", "status": 429, "retry_after": 0.05, "times": 2 })])
        .await;

    let extraction = extractor(&llmock, |_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    assert_eq!(extraction.usage.attempts, 3);
    let served = llmock.served().await;
    assert_eq!(statuses(&served), [429, 429, 200]);
    assert_verdict_clean(&llmock, &served).await;
}

#[tokio::test]
async fn a_500_then_success() {
    let Some(llmock) = llmock("server-error").await else {
        return;
    };
    llmock
        .script(&[json!({ "type": "fail", "status": 500, "retry_after": 0.02 })])
        .await;

    let extraction = extractor(&llmock, |_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    assert_eq!(extraction.usage.attempts, 2);
    let served = llmock.served().await;
    assert_eq!(statuses(&served), [500, 200]);
    assert_verdict_clean(&llmock, &served).await;
}

#[tokio::test]
async fn a_503_with_retry_after_is_waited_out() {
    let Some(llmock) = llmock("overloaded").await else {
        return;
    };
    llmock
        .script(&[json!({ "type": "fail", "status": 503, "retry_after": 0.2 })])
        .await;

    let extraction = extractor(&llmock, |_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    assert_eq!(extraction.usage.attempts, 2);
    let served = llmock.served().await;
    assert_eq!(statuses(&served), [503, 200]);
    assert_verdict_clean(&llmock, &served).await;
}

#[tokio::test]
async fn insufficient_quota_is_not_retried() {
    let Some(llmock) = llmock("quota").await else {
        return;
    };
    llmock
        .script(&[json!({
            "type": "fail", "status": 429, "code": "insufficient_quota", "retry_after": 0.01,
            "message": "You exceeded your current quota.", "times": 3,
        })])
        .await;

    let failure = extractor(&llmock, |_| {})
        .extract(&bundle())
        .await
        .expect_err("fails");

    assert_eq!(failure.error, ExtractError::QuotaExhausted);
    assert_eq!(failure.usage.expect("usage").attempts, 1);
    assert_eq!(statuses(&llmock.served().await), [429]);
}

#[tokio::test]
async fn a_slow_answer_past_the_deadline_is_a_timeout() {
    let Some(llmock) = llmock("slow").await else {
        return;
    };
    llmock
        .script(&[json!({ "type": "delay", "seconds": 1.5 })])
        .await;

    let failure = extractor(&llmock, |s| s.deadline = Duration::from_millis(400))
        .extract(&bundle())
        .await
        .expect_err("times out");

    assert_eq!(failure.error, ExtractError::Timeout);
    assert_eq!(failure.usage.expect("usage").attempts, 1);
    assert_eq!(
        llmock.served().await.len(),
        1,
        "no retry fits after the deadline"
    );
}

#[tokio::test]
async fn a_malformed_answer_is_corrected_by_a_second_ask() {
    let Some(llmock) = llmock("malformed").await else {
        return;
    };
    llmock
        .script(&[json!({ "type": "reply", "text": "Sure! Maya is a designer." })])
        .await;

    let extraction = extractor(&llmock, |_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    assert_eq!(extraction.usage.attempts, 2);
    let served = llmock.served().await;
    assert_eq!(statuses(&served), [200, 200]);
    let second: &Value = &served[1].body["messages"];
    assert_eq!(
        second[2],
        json!({ "role": "assistant", "content": "Sure! Maya is a designer." })
    );
    assert!(
        second[3]["content"]
            .as_str()
            .is_some_and(|c| c.contains("not JSON"))
    );
}

#[tokio::test]
async fn a_length_cut_off_is_asked_again_with_twice_the_budget() {
    let Some(llmock) = llmock("length").await else {
        return;
    };
    llmock
        .script(&[json!({ "type": "reply", "text": "{\"name\": \"Ma", "finish_reason": "length" })])
        .await;

    let extractor = extractor(&llmock, |_| {});
    let budget = extractor.max_tokens();
    let extraction = extractor.extract(&bundle()).await.expect("extracted");

    assert_eq!(extraction.usage.attempts, 2);
    let budgets: Vec<Value> = llmock
        .served()
        .await
        .iter()
        .map(|r| r.body["max_tokens"].clone())
        .collect();
    assert_eq!(budgets, [json!(budget), json!(2 * budget)]);
}
