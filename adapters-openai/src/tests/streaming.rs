//! Streamed answers (`stream: true`), served as OpenAI serves them: server-sent events whose
//! every chunk is checked against `CreateChatCompletionStreamResponse`, the usage in a last
//! chunk of its own, then `data: [DONE]`.

use std::sync::atomic::{AtomicU32, Ordering};

use persona_ports::{ExtractError, PersonaExtractor};
use serde_json::json;

use super::*;

/// One chunk carrying `content` (and `finish_reason`, on the last).
fn chunk(content: Option<&str>, finish_reason: Option<&str>) -> Value {
    let delta = match content {
        Some(text) => json!({ "role": "assistant", "content": text }),
        None => json!({}),
    };
    let chunk = json!({
        "id": "chatcmpl-stream",
        "object": "chat.completion.chunk",
        "created": 1_760_000_000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason }],
    });
    spec::assert_stream_chunk(&chunk);
    chunk
}

fn usage_chunk(prompt: u32, completion: u32) -> Value {
    let chunk = json!({
        "id": "chatcmpl-stream",
        "object": "chat.completion.chunk",
        "created": 1_760_000_000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [],
        "usage": { "prompt_tokens": prompt, "completion_tokens": completion,
                   "total_tokens": prompt + completion },
    });
    spec::assert_stream_chunk(&chunk);
    chunk
}

/// An event stream of `events` (each a `data:` payload), CRLF line ends where `crlf`.
fn event_stream(events: &[String]) -> ResponseTemplate {
    let body: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream; charset=utf-8")
        .insert_header("x-request-id", "req_stream")
        .set_body_raw(body, "text/event-stream")
}

/// `text` streamed a few characters a chunk, then `finish_reason`, the usage and `[DONE]`.
fn streamed(text: &str, finish_reason: &str, usage: (u32, u32)) -> ResponseTemplate {
    let chars: Vec<char> = text.chars().collect();
    let mut events: Vec<String> = chars
        .chunks(5)
        .map(|c| chunk(Some(&c.iter().collect::<String>()), None).to_string())
        .collect();
    events.push(chunk(None, Some(finish_reason)).to_string());
    events.push(usage_chunk(usage.0, usage.1).to_string());
    events.push("[DONE]".to_owned());
    event_stream(&events)
}

/// A model caught in a loop inside the background, never finishing.
fn runaway() -> ResponseTemplate {
    let text = format!(
        r#"{{"name": "Maya Patel", "age": 34, "occupation": null, "location": null, "background": "{}"#,
        "She is a designer and she is a designer. ".repeat(200)
    );
    let events: Vec<String> = text
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| chunk(Some(&c.iter().collect::<String>()), None).to_string())
        .collect();
    event_stream(&events)
}

#[tokio::test]
async fn a_streamed_answer_is_assembled_with_its_usage_and_progress() {
    let fake = Fake::start().await;
    fake.then(streamed(&draft_json(), "stop", (120, 45))).await;
    let seen = AtomicU32::new(0);
    let progress = |chunks: u32| {
        let before = seen.swap(chunks, Ordering::SeqCst);
        assert!(
            chunks > before,
            "progress only grows: {before} then {chunks}"
        );
    };

    let extraction = fake
        .extractor(|_| {})
        .extract_observed(&bundle(), &progress)
        .await
        .expect("extracted");

    assert_eq!(extraction.draft, draft());
    assert_eq!(extraction.usage.prompt_tokens, 120);
    assert_eq!(extraction.usage.completion_tokens, 45);
    assert_eq!(extraction.usage.model, "gpt-4o-mini-2024-07-18");
    let chunks = draft_json().chars().count().div_ceil(5) as u32;
    assert_eq!(seen.load(Ordering::SeqCst), chunks);
    let bodies = fake.bodies().await;
    assert_eq!(bodies[0]["stream"], true);
    assert_eq!(
        bodies[0]["stream_options"],
        json!({ "include_usage": true })
    );
}

#[tokio::test]
async fn progress_keeps_growing_across_a_re_ask() {
    let fake = Fake::start().await;
    fake.then(runaway()).await;
    fake.then(streamed(&draft_json(), "stop", (130, 40))).await;
    let told = std::sync::Mutex::new(Vec::new());
    let progress = |count: u32| told.lock().expect("not poisoned").push(count);

    let extraction = fake
        .extractor(|_| {})
        .extract_observed(&bundle(), &progress)
        .await
        .expect("extracted on the second ask");

    let told = told.into_inner().expect("not poisoned");
    assert!(told.windows(2).all(|w| w[0] < w[1]), "{told:?}");
    // The first (runaway) call's tokens, then the second call's chunks on top of them.
    let first = extraction.usage.completion_tokens - 40;
    let chunks = draft_json().chars().count().div_ceil(5) as u32;
    assert_eq!(told.last().copied(), Some(first + chunks), "{told:?}");
}

#[tokio::test]
async fn a_runaway_is_stopped_and_asked_again_once_with_the_reason() {
    let fake = Fake::start().await;
    fake.then(runaway()).await;
    fake.then(streamed(&draft_json(), "stop", (130, 40))).await;

    let extraction = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect("extracted on the second ask");

    assert_eq!(extraction.draft, draft());
    let bodies = fake.bodies().await;
    assert_eq!(bodies.len(), 2);
    let messages = bodies[1]["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 3, "the conversation and one message more");
    let ask = messages[2]["content"].as_str().expect("text");
    assert!(
        ask.starts_with("Your previous answer was stopped because the same"),
        "{ask}"
    );
    assert!(
        !ask.contains("designer"),
        "the reason quotes no text: {ask}"
    );
    assert_eq!(
        bodies[0].get("frequency_penalty"),
        None,
        "not sent by default"
    );
    assert_eq!(
        bodies[1]["frequency_penalty"], 0.5,
        "the ask after a loop breaks it"
    );
    // The stopped stream had no usage chunk: its chunks count, far fewer than it would have run.
    let stopped = extraction.usage.completion_tokens - 40;
    assert!(
        stopped > 10 && stopped < 200,
        "{stopped} chunks before the stop"
    );
    assert_eq!(extraction.usage.attempts, 2);
}

#[tokio::test]
async fn a_second_runaway_is_invalid_output() {
    let fake = Fake::start().await;
    fake.always(runaway()).await;

    let failure = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect_err("ran away twice");

    let ExtractError::InvalidOutput { reason } = &failure.error else {
        panic!("expected InvalidOutput, got {:?}", failure.error);
    };
    assert!(
        reason.starts_with("the answer ran away twice: "),
        "{reason}"
    );
    assert_eq!(fake.requests().await.len(), 2);
}

#[tokio::test]
async fn a_list_past_its_bound_is_stopped() {
    let items: Vec<String> = (0..10).map(|i| format!("\"skill {i}\"")).collect();
    let text = format!(
        r#"{{"name": null, "age": null, "occupation": null, "location": null, "background": "", "traits": [], "interests": [], "skills": [{}]"#,
        items.join(", ")
    );
    let fake = Fake::start().await;
    fake.then(streamed(&text, "stop", (1, 1))).await;
    fake.then(streamed(&draft_json(), "stop", (1, 1))).await;

    fake.extractor(|_| {})
        .extract(&bundle())
        .await
        .expect("extracted on the second ask");

    let bodies = fake.bodies().await;
    let ask = bodies[1]["messages"][2]["content"].as_str().expect("text");
    assert!(ask.contains("`skills` ran past 6 items"), "{ask}");
}

#[tokio::test]
async fn a_stream_cut_before_its_end_is_retried() {
    let fake = Fake::start().await;
    let half: Vec<String> = vec![chunk(Some("{\"name\": \"Ma"), None).to_string()];
    fake.then(event_stream(&half)).await;
    fake.then(streamed(&draft_json(), "stop", (1, 1))).await;

    let extraction = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect("extracted on the retry");

    assert_eq!(extraction.usage.attempts, 2);
    let bodies = fake.bodies().await;
    assert_eq!(
        bodies[0], bodies[1],
        "a transport retry sends the same request"
    );
}

#[tokio::test]
async fn a_hostile_stream_is_refused_with_bounded_memory() {
    for (name, body) in [
        (
            "a line without end",
            "data: ".to_owned() + &"x".repeat(200_000),
        ),
        (
            "a huge event",
            format!("data: {}\n", "y".repeat(60_000)).repeat(6),
        ),
        (
            "an event that is not a chunk",
            "data: <html>\n\n".to_owned(),
        ),
        (
            "an error mid-stream",
            format!(
                "data: {}\n\ndata: {}\n\n",
                chunk(Some("{"), None),
                json!({"error": {"message": "slot unavailable", "type": "server_error", "code": 503}})
            ),
        ),
    ] {
        let fake = Fake::start().await;
        fake.always(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_raw(body, "text/event-stream"),
        )
        .await;

        let failure = fake
            .extractor(|_| {})
            .extract(&bundle())
            .await
            .expect_err(name);

        let ExtractError::Unavailable { reason, .. } = &failure.error else {
            panic!("{name}: expected Unavailable, got {:?}", failure.error);
        };
        assert!(
            reason.starts_with("the model's service streamed "),
            "{name}: {reason}"
        );
        assert!(!reason.contains("slot unavailable"), "{name}: {reason}");
        assert_eq!(fake.requests().await.len(), 1, "{name} is not retried");
    }
}

#[tokio::test]
async fn a_server_that_ignores_stream_is_read_as_one_completion() {
    let fake = Fake::start().await;
    fake.then(good_answer()).await;

    let extraction = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    assert_eq!(extraction.draft, draft());
    assert_eq!(extraction.usage.completion_tokens, 20);
}
