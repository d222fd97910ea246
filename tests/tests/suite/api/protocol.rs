//! The transport as clients and proxies meet it: slow and stalled requests, the connection cap
//! and the body budget, `HEAD`, and charsets. The slow cases speak raw HTTP/1.1 over a socket,
//! with the server's read timeout shortened; nothing here asserts how long anything took.

use std::time::Duration;

use persona_api::Operation;
use persona_app_http::Transport;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::helpers::{MAYA, TestApp, spawn_app_with};

/// Generous: a test that waits this long has found a bug, not a slow machine.
const PATIENCE: Duration = Duration::from_secs(60);

/// Limits for tests: a body must arrive within a second.
fn short_reads() -> Transport {
    Transport {
        body_timeout: Duration::from_secs(1),
        ..Transport::for_this_process()
    }
}

/// An answer read off a socket until the server closed it.
#[derive(Debug)]
struct RawAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl RawAnswer {
    fn parse(bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(bytes);
        let (head, body) = text.split_once("\r\n\r\n").expect("a response head");
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .expect("a status line");
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        let body = serde_json::from_str(body).unwrap_or(Value::Null);
        Self {
            status,
            headers,
            body,
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

async fn connect(app: &TestApp) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    TcpStream::connect(address).await.expect("connects")
}

/// Reads until the server closes the connection: returning at all proves it closed it. A
/// reset ends the read too: a server that closes with bytes of the request still unread sends
/// one after its answer.
async fn read_until_closed(stream: &mut TcpStream) -> RawAnswer {
    let mut bytes = Vec::new();
    let read = async {
        let mut buffer = [0; 16 * 1024];
        while let Ok(n @ 1..) = stream.read(&mut buffer).await {
            bytes.extend_from_slice(&buffer[..n]);
        }
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("the server closes the connection");
    RawAnswer::parse(&bytes)
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
fn short_heads() -> Transport {
    Transport {
        head_timeout: Duration::from_secs(1),
        ..Transport::for_this_process()
    }
}

/// Sends `bytes` on a fresh connection and reads the answer until the server closes.
async fn exchange(app: &TestApp, bytes: &[u8]) -> RawAnswer {
    let mut stream = connect(app).await;
    stream.write_all(bytes).await.expect("write");
    read_until_closed(&mut stream).await
}

/// An answer actix's dispatcher would have written bare, with the envelope and the headers of
/// every answer instead.
fn assert_enveloped(answer: &RawAnswer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(answer.body["success"], false, "{answer:?}");
    assert_eq!(answer.body["error"]["code"], code, "{answer:?}");
    let id = answer.header("x-request-id").expect("a request id");
    assert_eq!(answer.body["error"]["request_id"], id);
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(answer.header("x-frame-options"), Some("DENY"));
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("connection"), Some("close"));
}

#[tokio::test]
async fn a_head_over_128_kib_is_431_in_the_envelope() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_heads()).await;
    let request = format!(
        "GET /api/health HTTP/1.1\r\nhost: localhost\r\nx-big: {}\r\n\r\n",
        "a".repeat(140_000)
    );
    let answer = exchange(&app, request.as_bytes()).await;
    assert_enveloped(&answer, 431, "HEADERS_TOO_LARGE");
}

#[tokio::test]
async fn bytes_that_are_not_http_are_400_in_the_envelope() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_heads()).await;
    let answer = exchange(&app, b"GARBAGE\x01 / HTTP/1.1\r\n\r\n").await;
    assert_enveloped(&answer, 400, "INVALID_REQUEST");
}

#[tokio::test]
async fn a_query_of_100000_characters_is_400_in_the_envelope() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_heads()).await;
    let request = format!(
        "GET /api/get-persona?id={} HTTP/1.1\r\nhost: localhost\r\n\r\n",
        "a".repeat(100_000)
    );
    let answer = exchange(&app, request.as_bytes()).await;
    assert_enveloped(&answer, 400, "INVALID_REQUEST");
    // Nothing of what was sent comes back.
    assert!(!answer.body.to_string().contains("aaaa"), "{answer:?}");
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

#[tokio::test]
async fn head_of_every_get_route_answers_as_the_get_without_a_body() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_reads()).await;
    let saved = app.save(&json!({ "name": "Ada Lovelace" })).await;
    let id = saved.body["data"]["id"].as_str().expect("an id").to_owned();
    for op in Operation::ALL.into_iter().filter(|op| op.method() == "GET") {
        let url = match op {
            Operation::GetPersona => format!("{}?id={id}", app.url(op.path())),
            _ => app.url(op.path()),
        };
        let get = app.client.get(&url).send().await.expect("GET");
        let get_status = get.status();
        let get_type = get.headers().get("content-type").cloned();
        let get_body = get.bytes().await.expect("body");
        let head = app.client.head(&url).send().await.expect("HEAD");
        assert_eq!(head.status(), get_status, "{}", op.path());
        assert_eq!(head.status(), 200, "{}", op.path());
        assert_eq!(
            head.headers()
                .get("content-length")
                .map(|v| v.to_str().ok()),
            Some(Some(get_body.len().to_string().as_str())),
            "{}",
            op.path()
        );
        assert_eq!(head.headers().get("content-type").cloned(), get_type);
        assert!(head.headers().contains_key("x-request-id"));
        assert!(
            head.bytes().await.expect("no body").is_empty(),
            "{}",
            op.path()
        );
    }
    let post_route = app
        .client
        .head(app.url("/api/process-persona"))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(post_route.status(), 405);
    assert_eq!(
        post_route.headers().get("allow").map(|v| v.to_str().ok()),
        Some(Some("POST, OPTIONS"))
    );
    let preflight = app.preflight("/api/health", "http://localhost:3000").await;
    assert_eq!(preflight.header("allow"), Some("GET, HEAD, OPTIONS"));
}

#[tokio::test]
async fn a_charset_other_than_utf8_is_415_and_says_what_to_send() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_reads()).await;
    let answer = app
        .send(
            app.client
                .post(app.url("/api/process-persona"))
                .header("content-type", "application/json; charset=utf-16")
                .body(json!({ "textBlocks": [MAYA] }).to_string()),
        )
        .await;
    assert_eq!(answer.status, 415);
    assert_eq!(answer.code(), "UNSUPPORTED_MEDIA_TYPE");
    let message = answer.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("UTF-8"), "{message}");
    assert!(message.contains("application/json"), "{message}");
}

#[tokio::test]
async fn a_utf8_byte_order_mark_before_the_json_is_tolerated() {
    let app = spawn_app_with(&[("USE_MOCK_DATA", "true")], short_reads()).await;
    let mut body = vec![0xEF, 0xBB, 0xBF];
    body.extend(json!({ "textBlocks": [MAYA] }).to_string().into_bytes());
    let answer = app
        .send(
            app.client
                .post(app.url("/api/process-persona"))
                .header("content-type", "application/json; charset=utf-8")
                .body(body),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["data"]["persona"]["name"], "Maya Patel");
}
