//! Deadlines a server is started with: a raised model deadline alone is enough (the request
//! deadline makes room for it), and only an explicit pair that cannot work is refused.

use persona_app_http::Config;

use super::helpers::spawn_app;

#[tokio::test]
async fn a_server_with_only_a_raised_process_deadline_starts_and_answers() {
    // What EVAL.md suggests for a slow local model.
    let app = spawn_app(&[("USE_MOCK_DATA", "true"), ("PROCESS_DEADLINE_MS", "120000")]).await;
    let health = app.get("/api/health").await;
    assert_eq!(health.status, 200, "{}", health.body);
    let processed = app.process(&[super::helpers::MAYA], &[]).await;
    assert_eq!(processed.status, 200, "{}", processed.body);
}

#[test]
fn an_explicit_pair_that_cannot_work_is_refused_with_both_values() {
    let vars = [
        ("PROCESS_DEADLINE_MS", "120000"),
        ("REQUEST_DEADLINE_MS", "60000"),
    ];
    let error = Config::from_lookup(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .expect_err("refused");
    let message = error.to_string();
    assert!(
        message.contains("PROCESS_DEADLINE_MS (120000)")
            && message.contains("REQUEST_DEADLINE_MS (60000)"),
        "{message}"
    );
}
