//! Streamed answers against llmock: its streams break the ways real ones do (a dropped
//! connection, a clean end with no finish, a chunk that is not JSON), and a scripted reply can
//! loop the way a small model does.

use persona_ports::{ExtractError, PersonaExtractor};
use serde_json::json;

use super::{bundle, extractor, llmock, statuses};

#[tokio::test]
async fn every_call_asks_for_a_stream_with_its_usage() {
    let Some(llmock) = llmock("stream-request").await else {
        return;
    };

    let extraction = extractor(&llmock, |_| {})
        .extract(&bundle())
        .await
        .expect("extracted from a streamed answer");

    assert_eq!(extraction.usage.attempts, 1);
    assert!(
        extraction.usage.completion_tokens > 0,
        "usage from the stream"
    );
    let served = llmock.served().await;
    assert_eq!(served[0].body["stream"], json!(true));
    assert_eq!(
        served[0].body["stream_options"],
        json!({ "include_usage": true })
    );
}

#[tokio::test]
async fn a_looping_answer_is_stopped_and_asked_again_with_the_reason() {
    let Some(llmock) = llmock("stream-runaway").await else {
        return;
    };
    let looping = format!(
        "{{\"name\": \"Maya Patel\", \"background\": \"{}",
        "Maya is a designer who designs. ".repeat(300)
    );
    llmock
        .script(&[json!({ "type": "reply", "text": looping })])
        .await;

    let extraction = extractor(&llmock, |_| {})
        .extract(&bundle())
        .await
        .expect("extracted on the second ask");

    assert_eq!(extraction.usage.attempts, 2);
    let served = llmock.served().await;
    assert_eq!(statuses(&served), [200, 200]);
    let ask = served[1].body["messages"][2]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        ask.starts_with("Your previous answer was stopped because the same"),
        "{ask}"
    );
}

#[tokio::test]
async fn a_stream_that_drops_or_ends_early_is_retried() {
    for kind in ["disconnect", "truncate"] {
        let Some(llmock) = llmock(&format!("stream-{kind}")).await else {
            return;
        };
        llmock
            .script(&[json!({ "type": "stream_fault", "kind": kind, "after_chunks": 2 })])
            .await;

        let extraction = extractor(&llmock, |_| {})
            .extract(&bundle())
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e:?}"));

        assert_eq!(extraction.usage.attempts, 2, "{kind}");
        let served = llmock.served().await;
        assert_eq!(served.len(), 2, "{kind}");
        assert!(
            served[0]
                .fault
                .as_deref()
                .is_some_and(|f| f.starts_with(&format!("stream:{kind}"))),
            "{kind}: {:?}",
            served[0].fault
        );
    }
}

#[tokio::test]
async fn a_malformed_chunk_is_refused_without_a_retry() {
    let Some(llmock) = llmock("stream-malformed").await else {
        return;
    };
    llmock
        .script(&[json!({ "type": "stream_fault", "kind": "malformed", "after_chunks": 1 })])
        .await;

    let failure = extractor(&llmock, |_| {})
        .extract(&bundle())
        .await
        .expect_err("malformed");

    let ExtractError::Unavailable { reason, .. } = &failure.error else {
        panic!("expected Unavailable, got {:?}", failure.error);
    };
    assert!(reason.contains("not a completion chunk"), "{reason}");
    assert_eq!(llmock.served().await.len(), 1);
}
