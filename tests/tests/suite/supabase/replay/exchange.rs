//! One case sent to the fake over raw TCP, and its answer compared with the record.

use std::collections::HashMap;

use persona_tests::fake_supabase::{FakeKeys, FakeSupabase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::normalise::normalise;
use super::parse::{Case, Recorded};

/// Request bodies reconstructed from the case's title and the recorded `Content-Length`.
const BODIES: &[(&str, &str)] = &[
    (
        "A2",
        r#"{"id":"personas","name":"personas","public":false,"file_size_limit":5242880,"allowed_mime_types":["application/json"]}"#,
    ),
    (
        "A3",
        r#"{"id":"personas","name":"personas","public":false}"#,
    ),
    (
        "A4",
        r#"{"name":"personas-str","public":false,"file_size_limit":"5MB","allowed_mime_types":["application/json"]}"#,
    ),
    // A21 downloads what A11 wrote.
    ("A11", r#"{"id":"p-0001","name":"Ada v2"}"#),
    ("C26", r#"{"name":"anon-bucket"}"#),
    (
        "F21",
        r#"{"public":false,"file_size_limit":5242880,"allowed_mime_types":["application/json"]}"#,
    ),
    ("F23", r#"{"name":"bad/bucket"}"#),
    ("F24", r#"{"name":"scratch","public":true}"#),
    ("G4", "not json at all!"),
];

/// A token that has a JWS's three parts but no valid signature.
const BAD_SIGNATURE: &str = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.forged";

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A body of `length` bytes: `{}`, a JSON string, or an object padded to size.
fn filler(length: usize) -> Vec<u8> {
    match length {
        0 => Vec::new(),
        1 => b"0".to_vec(),
        2 => b"{}".to_vec(),
        3..10 => format!("\"{}\"", "x".repeat(length - 2)).into_bytes(),
        _ => format!("{{\"pad\":\"{}\"}}", "x".repeat(length - 10)).into_bytes(),
    }
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

async fn send(fake: &FakeSupabase, head: &str, body: &[u8]) -> Answer {
    let address = fake.url().trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8(raw[..split].to_vec()).expect("utf-8 head");
    let mut lines = head.split("\r\n");
    let status = lines.next().expect("status line")[9..12]
        .parse()
        .expect("status");
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// Sends one case; the differences from the record, if any.
pub(super) async fn replay(
    fake: &FakeSupabase,
    case: &Case,
    etags: &mut HashMap<String, String>,
) -> Vec<String> {
    let keys: &FakeKeys = fake.keys();
    let substitute = |value: &str| {
        value
            .replace("<SERVICE_ROLE_KEY>", &keys.service)
            .replace("<ANON_KEY>", &keys.anon)
            .replace("<AUTHENTICATED_KEY>", &keys.authenticated)
            .replace("<EXPIRED_SERVICE_KEY>", &keys.expired_service)
            .replace("<BAD_SIGNATURE_KEY>", BAD_SIGNATURE)
    };
    let shown = (case.request_body.as_ref())
        .filter(|b| !b.is_empty())
        .map(|b| b.as_bytes().to_vec());
    let body = match BODIES.iter().find(|(id, _)| *id == case.id()) {
        _ if shown.is_some() => shown.unwrap_or_default(),
        Some((_, body)) => {
            assert_eq!(
                Some(body.len()),
                case.request_length,
                "{}: the reconstructed body has the recorded length",
                case.name
            );
            body.as_bytes().to_vec()
        }
        None => filler(case.request_length.unwrap_or(0)),
    };
    let target = if case.proxied {
        case.target.clone()
    } else {
        format!("/storage/v1{}", case.target)
    };
    let host = fake.url().trim_start_matches("http://").to_owned();
    let mut head = format!("{} {target} HTTP/1.1\r\nhost: {host}\r\n", case.method);
    for (name, value) in &case.headers {
        if name.eq_ignore_ascii_case("expect") || name.eq_ignore_ascii_case("transfer-encoding") {
            continue;
        }
        let mut value = substitute(value);
        if name.eq_ignore_ascii_case("if-none-match") {
            value = etags.get(&value).cloned().unwrap_or(value);
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if case.request_length.is_some() {
        head.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    head.push_str("connection: close\r\n\r\n");
    let answer = send(fake, &head, &body).await;

    let mut differences = Vec::new();
    if answer.status != case.status {
        differences.push(format!(
            "status {} != recorded {}",
            answer.status, case.status
        ));
    }
    for name in ["content-type", "content-length"] {
        let recorded = header(&case.response_headers, name);
        let actual = header(&answer.headers, name);
        if recorded.is_some() && recorded != actual {
            differences.push(format!("{name} {actual:?} != recorded {recorded:?}"));
        }
    }
    if let (Some(recorded), Some(actual)) = (
        header(&case.response_headers, "etag"),
        header(&answer.headers, "etag"),
    ) {
        etags.insert(recorded.to_owned(), actual.to_owned());
    }
    let actual = String::from_utf8_lossy(&answer.body);
    match &case.body {
        Recorded::Empty if !answer.body.is_empty() => {
            differences.push(format!("body {actual:?} where none was recorded"));
        }
        Recorded::Exact(recorded)
            if case.json_bodies && !same_json(&normalise(&actual), &normalise(recorded)) =>
        {
            differences.push(format!("body\n  {actual}\n!= recorded\n  {recorded}"));
        }
        Recorded::Exact(recorded)
            if !case.json_bodies && normalise(&actual) != normalise(recorded) =>
        {
            differences.push(format!("body\n  {actual}\n!= recorded\n  {recorded}"));
        }
        Recorded::Prefix(length) if answer.body.len() != *length => {
            differences.push(format!(
                "body of {} bytes != recorded {length}",
                answer.body.len()
            ));
        }
        _ => {}
    }
    differences
}

/// Both texts are JSON and the same value (key order aside), or the same text.
fn same_json(actual: &str, recorded: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(actual),
        serde_json::from_str::<serde_json::Value>(recorded),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => actual == recorded,
    }
}
