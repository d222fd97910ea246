//! Transport retries and the deadline, counted in requests the fake received.

use std::time::SystemTime;

use persona_ports::{ExtractError, PersonaExtractor};

use super::*;

fn rate_limited() -> ResponseTemplate {
    failure(429, "requests", Some("rate_limit_exceeded"))
}

fn server_error(status: u16) -> ResponseTemplate {
    failure(status, "server_error", None)
}

#[tokio::test]
async fn a_429_with_retry_after_seconds_is_retried_then_succeeds() {
    let fake = Fake::start().await;
    fake.then(rate_limited().insert_header("retry-after", "0.01"))
        .await;
    fake.then(good_answer()).await;

    let extraction = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    assert_eq!(fake.requests().await.len(), 2);
    assert_eq!(extraction.usage.attempts, 2);
    assert_eq!(extraction.draft, draft());
}

#[tokio::test]
async fn retry_after_ms_is_honoured() {
    let fake = Fake::start().await;
    fake.then(server_error(503).insert_header("retry-after-ms", "5"))
        .await;
    fake.then(good_answer()).await;

    let extraction = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    assert_eq!(fake.requests().await.len(), 2);
    assert_eq!(extraction.usage.attempts, 2);
}

#[tokio::test]
async fn a_500_without_a_wait_is_retried_on_the_schedule() {
    let fake = Fake::start().await;
    fake.then(server_error(500)).await;
    fake.then(good_answer()).await;

    let extraction = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    assert_eq!(fake.requests().await.len(), 2);
    assert_eq!(extraction.usage.attempts, 2);
}

#[tokio::test]
async fn a_503_that_persists_exhausts_the_retries_as_unavailable() {
    let fake = Fake::start().await;
    fake.always(server_error(503).insert_header("retry-after-ms", "1"))
        .await;

    let failure = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect_err("fails");

    assert!(
        matches!(failure.error, ExtractError::Unavailable { retryable: true, ref reason } if reason.contains("503")),
        "{:?}",
        failure.error
    );
    assert_eq!(fake.requests().await.len(), 3, "one call and two retries");
    assert_eq!(failure.usage.expect("usage").attempts, 3);
}

#[tokio::test]
async fn max_retries_bounds_the_attempts() {
    let fake = Fake::start().await;
    fake.always(server_error(502).insert_header("retry-after-ms", "1"))
        .await;

    let failure = fake
        .extractor(|s| s.max_retries = 0)
        .extract(&bundle())
        .await
        .expect_err("fails");

    assert!(matches!(
        failure.error,
        ExtractError::Unavailable {
            retryable: true,
            ..
        }
    ));
    assert_eq!(fake.requests().await.len(), 1);
}

#[tokio::test]
async fn x_should_retry_false_stops_a_retry_of_a_500() {
    let fake = Fake::start().await;
    fake.always(server_error(500).insert_header("x-should-retry", "false"))
        .await;

    let failure = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect_err("fails");

    assert!(matches!(
        failure.error,
        ExtractError::Unavailable {
            retryable: true,
            ..
        }
    ));
    assert_eq!(fake.requests().await.len(), 1);
}

#[tokio::test]
async fn x_should_retry_true_retries_a_400() {
    let fake = Fake::start().await;
    fake.then(
        failure(400, "invalid_request_error", None)
            .insert_header("x-should-retry", "true")
            .insert_header("retry-after-ms", "1"),
    )
    .await;
    fake.then(good_answer()).await;

    let extraction = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    assert_eq!(fake.requests().await.len(), 2);
    assert_eq!(extraction.usage.attempts, 2);
}

#[tokio::test]
async fn insufficient_quota_is_never_retried() {
    let fake = Fake::start().await;
    fake.always(
        failure(429, "insufficient_quota", Some("insufficient_quota"))
            .insert_header("retry-after-ms", "1")
            .insert_header("x-should-retry", "true"),
    )
    .await;

    let failure = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect_err("fails");

    assert_eq!(failure.error, ExtractError::QuotaExhausted);
    assert_eq!(fake.requests().await.len(), 1);
    assert_eq!(failure.usage.expect("usage").attempts, 1);
}

#[tokio::test]
async fn a_slow_answer_past_the_deadline_is_a_timeout() {
    let fake = Fake::start().await;
    fake.always(good_answer().set_delay(Duration::from_secs(3)))
        .await;

    let failure = fake
        .extractor(|s| s.deadline = Duration::from_millis(300))
        .extract(&bundle())
        .await
        .expect_err("times out");

    assert_eq!(failure.error, ExtractError::Timeout);
    assert_eq!(
        fake.requests().await.len(),
        1,
        "no retry fits after the deadline"
    );
}

#[tokio::test]
async fn a_retry_whose_wait_passes_the_deadline_is_not_started() {
    let fake = Fake::start().await;
    fake.always(rate_limited().insert_header("retry-after-ms", "5000"))
        .await;

    let failure = fake
        .extractor(|s| s.deadline = Duration::from_secs(2))
        .extract(&bundle())
        .await
        .expect_err("rate limited");

    assert_eq!(
        failure.error,
        ExtractError::RateLimited {
            retry_after: Some(Duration::from_secs(5))
        }
    );
    assert_eq!(fake.requests().await.len(), 1);
}

#[tokio::test]
async fn an_http_date_retry_after_is_read_and_reported() {
    let fake = Fake::start().await;
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
    fake.always(rate_limited().insert_header("retry-after", date.as_str()))
        .await;

    let failure = fake
        .extractor(|s| s.deadline = Duration::from_secs(2))
        .extract(&bundle())
        .await
        .expect_err("rate limited");

    let ExtractError::RateLimited {
        retry_after: Some(wait),
    } = failure.error
    else {
        panic!("expected RateLimited with a wait, got {:?}", failure.error);
    };
    assert!(
        (Duration::from_secs(27)..=Duration::from_secs(30)).contains(&wait),
        "{wait:?}"
    );
    assert_eq!(fake.requests().await.len(), 1);
}

#[tokio::test]
async fn a_5xx_whose_retry_would_pass_the_deadline_is_a_timeout() {
    let fake = Fake::start().await;
    fake.always(server_error(503).insert_header("retry-after-ms", "5000"))
        .await;

    let failure = fake
        .extractor(|s| s.deadline = Duration::from_secs(2))
        .extract(&bundle())
        .await
        .expect_err("fails");

    assert_eq!(failure.error, ExtractError::Timeout);
    assert_eq!(fake.requests().await.len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_unavailable() {
    // A port that was just bound and released: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let extractor = OpenAiExtractor::new(OpenAiSettings {
        base_url: format!("http://127.0.0.1:{port}/v1"),
        max_retries: 1,
        ..OpenAiSettings::default()
    })
    .expect("valid settings");

    let failure = extractor.extract(&bundle()).await.expect_err("unreachable");

    assert!(
        matches!(
            failure.error,
            ExtractError::Unavailable {
                retryable: true,
                ..
            }
        ),
        "{:?}",
        failure.error
    );
    assert_eq!(failure.usage.expect("usage").attempts, 2);
}

#[tokio::test]
async fn a_hung_call_is_cut_at_the_attempt_timeout_and_retried_within_the_deadline() {
    let fake = Fake::start().await;
    fake.then(good_answer().set_delay(std::time::Duration::from_secs(5)))
        .await;
    fake.then(good_answer()).await;

    let extraction = fake
        .extractor(|s| s.attempt_timeout = Some(std::time::Duration::from_millis(200)))
        .extract(&bundle())
        .await
        .expect("the retry answers");

    assert_eq!(fake.requests().await.len(), 2);
    assert_eq!(extraction.usage.attempts, 2);
    assert_eq!(extraction.draft, draft());
}
