//! Replays the recorded Storage transcript against the fake, case by case and in order, over
//! raw TCP (so nothing rewrites the recorded requests), and compares status, content type,
//! content length and body.
//!
//! The transcript records request headers but not request bodies, only their length. Bodies that
//! matter are reconstructed in [`BODIES`] (each checked against the recorded length); the others
//! are filler of the recorded length. Requests recorded against the bare server
//! (`127.0.0.1:55000`) are sent under `/storage/v1`, where the fake serves Storage; those recorded
//! through the proxy (`55080`) are sent as they are.
//!
//! Volatile values are compared by shape (see [`normalise`]): uuids, millisecond timestamps and
//! 32-hex-digit etags. Etags the fake gave are remembered and substituted for the recorded ones
//! in later `If-None-Match` headers. Bodies recorded only as a prefix are compared by length.

use std::collections::{BTreeSet, HashMap};

use persona_tests::fake_supabase::{FakeKeys, FakeSupabase};
use regex::Regex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The recorded real server: `../shared/contracts/supabase-storage/TRANSCRIPT.md` beside the
/// repository (read-only, present in CI too), read as it is so the fake cannot drift from it.
const TRANSCRIPT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/contracts/supabase-storage/TRANSCRIPT.md"
));

/// Cases the fake does not implement, with the reason. Each is a request this adapter never
/// makes.
const NOT_REPLAYED: &[(&str, &str)] = &[
    ("A18", "multipart upload"),
    ("A19", "info of the multipart upload A18"),
    ("B1", "object listing"),
    (
        "B2",
        "object listing (of uploads the transcript does not record)",
    ),
    ("B3", "object listing"),
    ("B4", "object listing"),
    ("B5", "object listing"),
    ("B6", "object listing"),
    ("B7", "object listing"),
    ("B8", "object listing"),
    ("B9", "object listing v2"),
    (
        "B12",
        "bulk delete (of uploads the transcript does not record)",
    ),
    ("B13", "bulk delete"),
    ("B20", "object listing"),
    ("C7", "object listing"),
    ("C22", "object listing"),
    ("C24", "bulk delete"),
    (
        "D3",
        "chunked upload (the adapter always sends Content-Length)",
    ),
    ("D4", "info of the chunked upload D3"),
    ("D5", "multipart upload"),
    ("D42", "object listing"),
    ("F4", "object listing"),
    ("F8", "signed URLs"),
    ("F9", "signed URLs"),
    ("F10", "signed URLs"),
    ("F11", "signed URLs"),
    ("F12", "signed upload URLs"),
    ("F19", "copy"),
    ("F20", "move"),
    (
        "F25",
        "public download of an upload the transcript does not record",
    ),
    ("G5", "multipart upload"),
    ("G6", "info of the multipart upload G5"),
    ("G7", "multipart upload"),
    ("G8", "multipart upload"),
];

/// Every request the adapter makes and every answer it maps, by the case that records it.
const ADAPTER_CASES: &[&str] = &[
    "A5",  // GET /bucket/{id}
    "B18", // ... a missing bucket: NoSuchBucket
    "C17", // ... with the anon key: NoSuchBucket
    "A2",  // POST /bucket, private, numeric limit, JSON only
    "A3",  // ... BucketAlreadyExists
    "C26", // ... refused to the anon key
    "A9",  // POST /object with x-upsert: false over an existing key: KeyAlreadyExists
    "A13", // ... with base64 x-metadata
    "A14", // ... which info shows as metadata
    "A15", // info via /authenticated
    "D1",  // ... exactly at the bucket limit
    "D2",  // ... over it: EntityTooLarge
    "D8",  // ... with a charset: InvalidMimeType
    "C18", // ... with the anon key: row-level security
    "B19", // ... into a missing bucket
    "A21", // GET /object/authenticated/{bucket}/{key}
    "B15", // ... missing: NoSuchKey
    "C19", // ... with the anon key: NoSuchKey
    "C3",  // ... without authorization
    "C8",  // a malformed token
    "C9",  // a token whose signature fails
    "C10", // an expired token
    "B26", // an unknown route
];

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

#[derive(Debug, Default)]
struct Case {
    name: String,
    proxied: bool,
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    request_length: Option<usize>,
    status: u16,
    response_headers: Vec<(String, String)>,
    body: Recorded,
}

#[derive(Debug, Default, PartialEq)]
enum Recorded {
    #[default]
    Empty,
    Exact(String),
    /// `[body: N bytes, first 300:]`
    Prefix(usize),
}

impl Case {
    fn id(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or_default()
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The `#### ` cases: `> ` request lines, `< ` response lines, then the body up to the fence.
fn parse(transcript: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut current: Option<Case> = None;
    let mut body: Option<Vec<&str>> = None;
    for line in transcript.lines() {
        if let Some(name) = line.strip_prefix("#### ") {
            cases.extend(current.take());
            current = Some(Case {
                name: name.to_owned(),
                ..Case::default()
            });
            body = None;
            continue;
        }
        let Some(case) = current.as_mut() else {
            continue;
        };
        if line.starts_with("# ") {
            cases.extend(current.take());
            continue;
        }
        if line == "```" {
            if let Some(lines) = body.take() {
                case.body = match lines.first().and_then(|l| l.strip_prefix("[body: ")) {
                    Some(rest) => Recorded::Prefix(
                        rest.split_whitespace()
                            .next()
                            .and_then(|n| n.parse().ok())
                            .expect("a body length"),
                    ),
                    None if lines.is_empty() => Recorded::Empty,
                    None => Recorded::Exact(lines.join("\n")),
                };
            }
            continue;
        }
        if let Some(lines) = body.as_mut() {
            lines.push(line);
        } else if let Some(request) = line.strip_prefix('>') {
            let request = request.trim();
            if request.is_empty() {
                continue;
            }
            if case.method.is_empty() {
                let mut parts = request.split(' ');
                case.method = parts.next().unwrap_or_default().to_owned();
                case.target = parts.next().unwrap_or_default().to_owned();
            } else if let Some((name, value)) = request.split_once(": ") {
                match name.to_ascii_lowercase().as_str() {
                    "host" => case.proxied = value.ends_with(":55080"),
                    "content-length" => case.request_length = value.parse().ok(),
                    _ => case.headers.push((name.to_owned(), value.to_owned())),
                }
            }
        } else if let Some(response) = line.strip_prefix('<') {
            let response = response.trim();
            if response.is_empty() {
                body = Some(Vec::new());
            } else if let Some(status) = response.strip_prefix("HTTP/1.1 ") {
                // A `100 Continue` is followed by the real status line.
                case.status = status[..3].parse().expect("a status");
                case.response_headers.clear();
            } else if let Some((name, value)) = response.split_once(": ") {
                case.response_headers
                    .push((name.to_owned(), value.to_owned()));
            }
        }
    }
    cases.extend(current);
    cases
}

/// Replaces volatile values by their shape.
fn normalise(text: &str) -> String {
    let uuid =
        Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").expect("regex");
    let time = Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z").expect("regex");
    let hex = Regex::new(r"[0-9a-f]{32}").expect("regex");
    let text = uuid.replace_all(text, "<uuid>");
    let text = time.replace_all(&text, "<time>");
    hex.replace_all(&text, "<hex32>").into_owned()
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
async fn replay(
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
    let body = match BODIES.iter().find(|(id, _)| *id == case.id()) {
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
        Recorded::Exact(recorded) if normalise(&actual) != normalise(recorded) => {
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

#[tokio::test]
async fn the_fake_answers_every_supported_case_as_recorded() {
    let cases = parse(TRANSCRIPT);
    let ids: BTreeSet<&str> = cases.iter().map(Case::id).collect();
    assert!(
        cases.len() > 150,
        "the transcript parsed: {} cases",
        cases.len()
    );
    for (id, _) in NOT_REPLAYED {
        assert!(ids.contains(id), "{id} is not in the transcript");
    }

    let fake = FakeSupabase::start().await;
    let mut etags = HashMap::new();
    let mut failures = Vec::new();
    let mut replayed = BTreeSet::new();
    for case in &cases {
        if NOT_REPLAYED.iter().any(|(id, _)| *id == case.id()) {
            continue;
        }
        let differences = replay(&fake, case, &mut etags).await;
        if !differences.is_empty() {
            failures.push(format!("{}:\n{}", case.name, differences.join("\n")));
        }
        replayed.insert(case.id().to_owned());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    for id in ADAPTER_CASES {
        assert!(
            replayed.contains(*id),
            "{id}, a request the adapter makes, must be replayed"
        );
    }
    assert_eq!(replayed.len() + NOT_REPLAYED.len(), cases.len());
}

#[test]
fn the_normaliser_only_hides_volatile_values() {
    assert_eq!(
        normalise(
            r#"{"Id":"a537cfc1-149b-42b4-8582-3df379a2e8cf","at":"2026-11-26T05:44:24.265Z","etag":"\"dd5a9463020d90ea2130d6fd2f068e99\"","size":31}"#
        ),
        r#"{"Id":"<uuid>","at":"<time>","etag":"\"<hex32>\"","size":31}"#
    );
    assert_ne!(normalise(r#"{"size":31}"#), normalise(r#"{"size":32}"#));
}
