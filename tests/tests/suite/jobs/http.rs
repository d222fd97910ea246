//! Jobs through the server: `Prefer: respond-async` on process-persona, get-job, the bounded
//! queue, and a scenario played inside the job.

use std::time::Duration;

use serde_json::{Value, json};

use crate::api::helpers::{Answer, TestApp, spawn_app};

const MOCK: [(&str, &str); 1] = [("USE_MOCK_DATA", "true")];

fn material() -> Value {
    json!({ "textBlocks": ["My name is Ada Lovelace. I live in London. I love chess."] })
}

async fn submit(app: &TestApp, body: &Value, headers: &[(&str, &str)]) -> Answer {
    let mut request = app
        .client
        .post(app.url("/api/process-persona"))
        .header("prefer", "respond-async")
        .json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send(request).await
}

/// Polls `location` until the job has ended (each poll a little later than the last), and
/// returns every status seen and the last answer.
async fn follow(app: &TestApp, location: &str) -> (Vec<String>, Answer) {
    let mut seen = Vec::new();
    let mut wait = Duration::from_millis(10);
    loop {
        let answer = app.send(app.client.get(app.url(location))).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        let status = answer.body["data"]["job"]["status"]
            .as_str()
            .expect("a status")
            .to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "succeeded" || status == "failed" {
            return (seen, answer);
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_millis(200));
    }
}

#[tokio::test]
async fn respond_async_answers_202_and_the_job_ends_with_the_synchronous_data() {
    let app = spawn_app(&MOCK).await;
    let accepted = submit(&app, &material(), &[]).await;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    assert_eq!(accepted.header("preference-applied"), Some("respond-async"));
    let job = &accepted.body["data"]["job"];
    let id = job["id"].as_str().expect("an id");
    assert_eq!(id.len(), 24);
    assert_eq!(job["status"], "queued");
    assert_eq!(
        job["progress"],
        json!({"chunks_done": 0, "chunks_total": 0, "completion_tokens": 0})
    );
    assert!(job.get("data").is_none() && job.get("error").is_none());
    let location = accepted.header("location").expect("a location").to_owned();
    assert_eq!(location, format!("/api/get-job?id={id}"));

    let (seen, done) = follow(&app, &location).await;
    assert_eq!(
        seen.last().map(String::as_str),
        Some("succeeded"),
        "{seen:?}"
    );
    let job = &done.body["data"]["job"];
    assert_eq!(
        job["progress"]["chunks_done"],
        job["progress"]["chunks_total"]
    );
    let sync = app.post_json("/api/process-persona", &material()).await;
    assert_eq!(sync.status, 200);
    assert_eq!(job["data"]["persona"], sync.body["data"]["persona"]);
    assert_eq!(job["data"]["warnings"], sync.body["data"]["warnings"]);
    assert_eq!(job["data"]["grounding"], sync.body["data"]["grounding"]);
    // HEAD answers as GET, without a body.
    let head = app
        .client
        .head(app.url(&location))
        .send()
        .await
        .expect("head");
    assert_eq!(head.status().as_u16(), 200);
}

#[tokio::test]
async fn without_the_preference_process_persona_stays_synchronous() {
    let app = spawn_app(&MOCK).await;
    let answer = app.post_json("/api/process-persona", &material()).await;
    assert_eq!(answer.status, 200);
    assert!(answer.body["data"]["persona"].is_object());
    assert_eq!(answer.header("preference-applied"), None);
    assert_eq!(answer.header("location"), None);
}

#[tokio::test]
async fn a_bad_body_is_still_refused_at_once() {
    let app = spawn_app(&MOCK).await;
    let answer = submit(&app, &json!({ "textBlocks": [] }), &[]).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.code(), "INVALID_REQUEST");
    assert_eq!(answer.header("location"), None);
    let wrong = submit(&app, &material(), &[("x-mock-scenario", "NO_SUCH")]).await;
    assert_eq!(wrong.status, 400);
}

#[tokio::test]
async fn get_job_refuses_garbage_ids_and_does_not_know_unknown_ones() {
    let app = spawn_app(&MOCK).await;
    for query in [
        "",
        "?id=",
        "?id=short",
        "?id=%00%00",
        "?id=AAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let answer = app
            .send(app.client.get(app.url(&format!("/api/get-job{query}"))))
            .await;
        assert_eq!(
            (answer.status, answer.code()),
            (400, "INVALID_ID"),
            "{query}"
        );
    }
    let unknown = app
        .send(
            app.client
                .get(app.url("/api/get-job?id=AAAAAAAAAAAAAAAAAAAAAAAA")),
        )
        .await;
    assert_eq!((unknown.status, unknown.code()), (404, "NOT_FOUND"));
    let post = app
        .post_json("/api/get-job?id=AAAAAAAAAAAAAAAAAAAAAAAA", &json!({}))
        .await;
    assert_eq!(post.status, 405);
}

#[tokio::test]
async fn a_scenario_is_played_inside_the_job_and_its_error_is_the_jobs() {
    let app = spawn_app(&MOCK).await;
    let accepted = submit(
        &app,
        &material(),
        &[("x-mock-scenario", "EXTRACTION_FAILED")],
    )
    .await;
    assert_eq!(accepted.status, 202);
    let location = accepted.header("location").expect("location").to_owned();
    let (_, done) = follow(&app, &location).await;
    let job = &done.body["data"]["job"];
    assert_eq!(job["status"], "failed");
    assert_eq!(job["error"]["code"], "EXTRACTION_FAILED");
    assert_eq!(job["error"]["retryable"], true);
    assert_eq!(
        job["error"]["request_id"],
        accepted.header("x-request-id").expect("id")
    );
    assert!(job.get("data").is_none());
}

#[tokio::test]
async fn past_the_workers_and_the_queue_a_submission_is_503_with_retry_after() {
    // One worker, one place in the queue, and jobs that last two seconds each.
    let app = spawn_app(&[
        ("USE_MOCK_DATA", "true"),
        ("MOCK_LATENCY_MS", "2000"),
        ("JOB_WORKERS", "1"),
        ("JOB_QUEUE", "1"),
    ])
    .await;
    let mut accepted = 0;
    let refused = loop {
        let answer = submit(&app, &material(), &[]).await;
        match answer.status {
            202 => accepted += 1,
            _ => break answer,
        }
        assert!(
            accepted <= 2,
            "more jobs taken than one worker and one queue place"
        );
    };
    assert!(accepted >= 1);
    assert_eq!((refused.status, refused.code()), (503, "SERVER_BUSY"));
    assert_eq!(refused.header("retry-after"), Some("5"));
    assert_eq!(refused.body["error"]["retryable"], true);
}

#[tokio::test]
async fn process_persona_background_takes_a_job_by_id_and_refuses_a_bad_one() {
    let app = spawn_app(&MOCK).await;
    let accepted = submit(&app, &material(), &[]).await;
    let id = accepted.body["data"]["job"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // Asking again for a job already taken changes nothing: it is run once.
    let again = app
        .post_json("/api/process-persona-background", &json!({ "id": id }))
        .await;
    assert_eq!(again.status, 202, "{:?}", again.body);
    assert_eq!(again.body["data"]["job"]["id"], id.as_str());
    let (_, done) = follow(&app, &format!("/api/get-job?id={id}")).await;
    assert_eq!(done.body["data"]["job"]["status"], "succeeded");
    let bad = app
        .post_json("/api/process-persona-background", &json!({ "id": "nope" }))
        .await;
    assert_eq!((bad.status, bad.code()), (400, "INVALID_ID"));
    let unknown = app
        .post_json(
            "/api/process-persona-background",
            &json!({ "id": "AAAAAAAAAAAAAAAAAAAAAAAA" }),
        )
        .await;
    assert_eq!((unknown.status, unknown.code()), (404, "NOT_FOUND"));
    let extra = app
        .post_json(
            "/api/process-persona-background",
            &json!({ "id": id, "x": 1 }),
        )
        .await;
    assert_eq!(extra.status, 400);
}
