//! Raw HTTP/1.1 over a socket, for what a client library will not send: stalled and trickled
//! requests, oversized heads, bytes that are not HTTP.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::helpers::TestApp;

/// Generous: a test that waits this long has found a bug, not a slow machine.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// An answer read off a socket until the server closed it.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl RawAnswer {
    pub fn parse(bytes: &[u8]) -> Self {
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

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub async fn connect(app: &TestApp) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    TcpStream::connect(address).await.expect("connects")
}

/// Reads until the server closes the connection: returning at all proves it closed it. A
/// reset ends the read too: a server that closes with bytes of the request still unread sends
/// one after its answer.
pub async fn read_until_closed(stream: &mut TcpStream) -> RawAnswer {
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

/// Sends `bytes` on a fresh connection and reads the answer until the server closes.
pub async fn exchange(app: &TestApp, bytes: &[u8]) -> RawAnswer {
    let mut stream = connect(app).await;
    stream.write_all(bytes).await.expect("write");
    read_until_closed(&mut stream).await
}

/// An answer actix's dispatcher would have written bare, with the envelope and the headers of
/// every answer instead.
pub fn assert_enveloped(answer: &RawAnswer, status: u16, code: &str) {
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
