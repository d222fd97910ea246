//! Slow and stalled clients, black-box: a late head or body is answered 408 in the envelope and
//! the connection closed, the connection cap makes new connections wait, the body budget answers
//! 503. The server's timeouts are shortened; nothing here asserts how long anything took.

use std::time::Duration;

use persona_app_http::Transport;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::helpers::{MAYA, spawn_app_with};
use super::raw::{PATIENCE, RawAnswer, assert_enveloped, connect, exchange, read_until_closed};

/// Limits for tests: a body must arrive within a second.
fn short_reads() -> Transport {
    Transport {
        body_timeout: Duration::from_secs(1),
        ..Transport::for_this_process()
    }
}

fn stalled_head(length: usize, request_id: &str) -> String {
    format!(
        "POST /api/process-persona HTTP/1.1\r\nhost: localhost\r\n\
         content-type: application/json\r\ncontent-length: {length}\r\n\
         x-request-id: {request_id}\r\n\r\n"
    )
}

fn assert_timed_out(answer: &RawAnswer, request_id: &str) {
    assert_eq!(answer.status, 408, "{answer:?}");
    assert_eq!(answer.body["success"], false);
    assert_eq!(answer.body["error"]["code"], "REQUEST_TIMEOUT");
    assert_eq!(answer.body["error"]["retryable"], true);
    assert_eq!(answer.body["error"]["request_id"], request_id);
    assert_eq!(answer.header("x-request-id"), Some(request_id));
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("connection"), Some("close"));
}

#[tokio::test]
async fn a_body_that_stalls_is_answered_408_in_the_envelope_and_closed() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_reads()).await;
    let mut stream = connect(&app).await;
    // 20 of 1,000 declared bytes, then nothing.
    let request = stalled_head(1000, "stalled-1") + r#"{"textBlocks":["Hi, "#;
    stream.write_all(request.as_bytes()).await.expect("write");
    let answer = read_until_closed(&mut stream).await;
    assert_timed_out(&answer, "stalled-1");
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("send it again")),
        "{answer:?}"
    );
}

#[tokio::test]
async fn a_body_that_keeps_trickling_is_timed_out_as_a_whole() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_reads()).await;
    let stream = connect(&app).await;
    let (mut reader, mut writer) = stream.into_split();
    // One byte every 100 ms, each well inside any idle timeout: only a bound on the whole read
    // stops it. The writer stops when the server closes the connection.
    let head = stalled_head(100_000, "trickle-1");
    let trickle = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        loop {
            writer.write_all(b" ").await?;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        #[allow(unreachable_code)]
        Ok::<(), std::io::Error>(())
    });
    let mut bytes = Vec::new();
    tokio::time::timeout(PATIENCE, reader.read_to_end(&mut bytes))
        .await
        .expect("the server closes the connection")
        .ok();
    trickle.abort();
    assert_timed_out(&RawAnswer::parse(&bytes), "trickle-1");
}

#[tokio::test]
async fn a_body_past_the_memory_budget_is_503_and_retryable() {
    let transport = Transport {
        body_budget_bytes: 1000,
        ..Transport::for_this_process()
    };
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], transport).await;
    let answer = app
        .post_json(
            "/api/process-persona",
            &json!({ "textBlocks": ["a".repeat(5000)] }),
        )
        .await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.code(), "SERVER_BUSY");
    assert_eq!(answer.body["error"]["retryable"], true);
    assert_eq!(answer.header("retry-after"), Some("1"));
    // The budget came back: a body that fits is read.
    let fits = app
        .post_json("/api/process-persona", &json!({ "textBlocks": [MAYA] }))
        .await;
    assert_eq!(fits.status, 200, "{:?}", fits.body);
}

#[tokio::test]
async fn at_the_connection_cap_a_new_connection_waits_until_one_closes() {
    let transport = Transport {
        workers: 1,
        max_connections_per_worker: 1,
        ..short_reads()
    };
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], transport).await;
    let mut stalled = connect(&app).await;
    // A first request answered proves the server accepted this connection; the second stalls.
    stalled
        .write_all(b"GET /api/health HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut seen = Vec::new();
    while !seen.ends_with(b"}") {
        let mut buffer = [0; 4096];
        let n = tokio::time::timeout(PATIENCE, stalled.read(&mut buffer))
            .await
            .expect("the first answer")
            .expect("read");
        assert!(n > 0, "closed early");
        seen.extend_from_slice(&buffer[..n]);
    }
    stalled
        .write_all(stalled_head(1000, "holder").as_bytes())
        .await
        .expect("write");
    let warm = reqwest::Client::new();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let health_tx = tx.clone();
    let url = app.url("/api/health");
    tokio::spawn(async move {
        let status = warm.get(url).send().await.map(|r| r.status().as_u16());
        let _ = health_tx.send(("health", status.ok()));
    });
    tokio::spawn(async move {
        let answer = read_until_closed(&mut stalled).await;
        let _ = tx.send(("stalled", Some(answer.status)));
    });
    let first = tokio::time::timeout(PATIENCE, rx.recv())
        .await
        .expect("an answer");
    let second = tokio::time::timeout(PATIENCE, rx.recv())
        .await
        .expect("an answer");
    // The one slot was held by the stalled request: health is served only once it is closed.
    assert_eq!(first, Some(("stalled", Some(408))));
    assert_eq!(second, Some(("health", Some(200))));
}

/// Limits for tests: a head must arrive within a second.
pub fn short_heads() -> Transport {
    Transport {
        head_timeout: Duration::from_secs(1),
        ..Transport::for_this_process()
    }
}

#[tokio::test]
async fn a_head_that_stalls_is_408_in_the_envelope() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_heads()).await;
    let answer = exchange(&app, b"GET /api/health HTTP/1.1\r\nhost: loc").await;
    assert_enveloped(&answer, 408, "REQUEST_TIMEOUT");
}

#[tokio::test]
async fn the_second_head_on_a_kept_alive_connection_is_bounded_too() {
    // actix bounds only a connection's first head; this one trickles after a first answer.
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_heads()).await;
    let stream = connect(&app).await;
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(b"GET /api/health HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut first = Vec::new();
    while !first.ends_with(b"}") {
        let mut buffer = [0; 4096];
        let n = tokio::time::timeout(PATIENCE, reader.read(&mut buffer))
            .await
            .expect("the first answer")
            .expect("read");
        assert!(n > 0, "closed early");
        first.extend_from_slice(&buffer[..n]);
    }
    assert!(first.starts_with(b"HTTP/1.1 200"));
    let trickle = tokio::spawn(async move {
        for byte in b"GET /api/health HTTP/1.1\r\nhost: localhost\r\nx-slow: yes".repeat(10) {
            writer.write_all(&[byte]).await?;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok::<(), std::io::Error>(())
    });
    let mut bytes = Vec::new();
    tokio::time::timeout(PATIENCE, reader.read_to_end(&mut bytes))
        .await
        .expect("the server closes the connection")
        .ok();
    trickle.abort();
    assert_enveloped(&RawAnswer::parse(&bytes), 408, "REQUEST_TIMEOUT");
}

#[tokio::test]
async fn a_slow_body_after_100_continue_is_given_the_body_timeout_not_the_head_timeout() {
    // Interim answers do not restart the head clock: a body sent after `100 Continue` is the
    // body's, bounded by the body timeout (3 s here), not by the head's (1 s).
    let transport = Transport {
        head_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(3),
        ..Transport::for_this_process()
    };
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], transport).await;
    let body = json!({ "textBlocks": [MAYA] }).to_string();
    let stream = connect(&app).await;
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /api/process-persona HTTP/1.1\r\nhost: localhost\r\nexpect: 100-continue\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    writer.write_all(head.as_bytes()).await.expect("write");
    let sender = tokio::spawn(async move {
        // Two halves, 1.5 s apart: past the head timeout, within the body timeout.
        let (first, second) = body.as_bytes().split_at(body.len() / 2);
        writer.write_all(first).await?;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        writer.write_all(second).await?;
        Ok::<_, std::io::Error>(writer)
    });
    let mut bytes = Vec::new();
    tokio::time::timeout(PATIENCE, reader.read_to_end(&mut bytes))
        .await
        .expect("the server closes the connection")
        .expect("read");
    let _writer = sender.await.expect("joined");
    let text = String::from_utf8_lossy(&bytes);
    let last = text.rfind("HTTP/1.1 ").expect("an answer");
    let answer = RawAnswer::parse(&bytes[last..]);
    assert_eq!(answer.status, 200, "{text}");
}
