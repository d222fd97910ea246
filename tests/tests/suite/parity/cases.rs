//! The cases, written once: every route and every error code reachable without an LLM.
//!
//! A case is a request to one operation (named as the function is), sent the same way to each
//! door. Answers are compared after [`Seen::from_answer`] has set aside what differs by nature
//! (request ids, ids and times of saved personas) and kept only the headers a client relies on.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::doors::{Door, Raw};

/// One request, as data.
#[derive(Debug, Clone)]
pub struct Call {
    /// What the case shows, for messages.
    pub what: &'static str,
    /// The operation, named as its function is (`get-persona`).
    pub operation: &'static str,
    pub method: &'static str,
    pub query: Option<String>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Call {
    fn new(what: &'static str, method: &'static str, operation: &'static str) -> Self {
        Self {
            what,
            operation,
            method,
            query: None,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn query(mut self, query: &str) -> Self {
        self.query = Some(query.to_owned());
        self
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    /// A body without a content type.
    fn raw_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    fn body(self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.raw_body(body).header("content-type", content_type)
    }

    fn json(self, body: &Value) -> Self {
        self.body("application/json", body.to_string())
    }
}

const ORIGIN: &str = "http://localhost:3000";
const MAYA: &str = "Hi, my name is Maya Patel. I'm 34 years old and I work as a product designer. \
I live in Berlin. I love climbing, jazz and Korean cooking. I speak English and German.";

/// Every single-request case.
pub fn calls() -> Vec<Call> {
    vec![
        Call::new("health", "GET", "health"),
        Call::new("health from an allowed origin", "GET", "health").header("origin", ORIGIN),
        Call::new("a request id is echoed", "GET", "health").header("x-request-id", "req-123.abc"),
        Call::new("CORS preflight", "OPTIONS", "save-persona")
            .header("origin", ORIGIN)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type"),
        Call::new("405 with Allow (POST route)", "GET", "process-persona"),
        Call::new("405 with Allow (GET route)", "DELETE", "get-persona"),
        Call::new("405 on health", "POST", "health").json(&json!({})),
        Call::new("the OpenAPI document", "GET", "openapi"),
        Call::new("the persona schema", "GET", "persona-schema").header("origin", ORIGIN),
        Call::new("405 on the OpenAPI document", "POST", "openapi").json(&json!({})),
        Call::new(
            "CORS preflight of the OpenAPI document",
            "OPTIONS",
            "openapi",
        )
        .header("origin", ORIGIN)
        .header("access-control-request-method", "GET"),
        Call::new("415: text/plain", "POST", "process-persona").body("text/plain", "hello"),
        Call::new("415: no content type", "POST", "save-persona").raw_body("{}"),
        Call::new("413: body over 1 MiB", "POST", "process-persona")
            .json(&json!({ "textBlocks": ["a".repeat(1024 * 1024)] })),
        Call::new("413: a block over its limit", "POST", "process-persona")
            .json(&json!({ "textBlocks": ["a".repeat(100_010)], "links": [] })),
        Call::new("400: broken JSON", "POST", "process-persona")
            .body("application/json", r#"{"textBlocks": ["x"#),
        Call::new("400: empty body", "POST", "process-persona").body("application/json", ""),
        Call::new("400: no blocks", "POST", "process-persona")
            .json(&json!({ "textBlocks": [], "links": [] })),
        Call::new("400: bad links, with details", "POST", "process-persona").json(
            &json!({ "textBlocks": ["fine", "   "], "links": ["ftp://x.example", "not a url"] }),
        ),
        Call::new("400: wrong shape", "POST", "process-persona")
            .json(&json!({ "textBlocks": "not a list", "extra": true })),
        // Fresh by request, so every run through a door extracts here whatever an earlier run
        // kept; the repeat after it is then answered from the cache on every door.
        Call::new("process in mock mode", "POST", "process-persona")
            .header("origin", ORIGIN)
            .header("cache-control", "no-cache")
            .json(&json!({ "textBlocks": [MAYA], "links": ["https://example.com/maya"] })),
        Call::new(
            "process again: answered from the cache",
            "POST",
            "process-persona",
        )
        .header("origin", ORIGIN)
        .json(&json!({ "textBlocks": [MAYA], "links": ["https://example.com/maya"] })),
        Call::new(
            "400: a persona that breaks the rules",
            "POST",
            "save-persona",
        )
        .json(&json!({ "persona": { "name": "", "age": 400 } })),
        Call::new("400: source counts out of range", "POST", "save-persona")
            .json(&json!({ "persona": { "name": "Ada" }, "source": { "blocks": -1 } })),
        Call::new("INVALID_ID: no id", "GET", "get-persona"),
        Call::new("INVALID_ID: a malformed id", "GET", "get-persona").query("id=..%2F..%2Fetc"),
        Call::new("404: an id that was never saved", "GET", "get-persona")
            .query("id=AAAAAAAAAAAAAAAAAAAAA"),
        Call::new("INVALID_ID: get-job without an id", "GET", "get-job"),
        Call::new("INVALID_ID: a malformed job id", "GET", "get-job").query("id=..%2F..%2Fetc"),
        Call::new("404: a job that was never made", "GET", "get-job")
            .query("id=AAAAAAAAAAAAAAAAAAAAAAAA"),
        Call::new("HEAD of a missing job", "HEAD", "get-job").query("id=AAAAAAAAAAAAAAAAAAAAAAAA"),
        Call::new("405 on get-job", "POST", "get-job").json(&json!({})),
        Call::new(
            "400: a background run without a job id",
            "POST",
            "process-persona-background",
        )
        .json(&json!({})),
        Call::new(
            "404: a background run of an unknown job",
            "POST",
            "process-persona-background",
        )
        .json(&json!({ "id": "AAAAAAAAAAAAAAAAAAAAAAAA" })),
        Call::new("HEAD of health", "HEAD", "health"),
        Call::new("HEAD of the OpenAPI document", "HEAD", "openapi"),
        Call::new("HEAD of a missing persona", "HEAD", "get-persona")
            .query("id=AAAAAAAAAAAAAAAAAAAAA"),
        Call::new("405: HEAD of a POST route", "HEAD", "process-persona"),
        Call::new("400: a malformed If-None-Match", "GET", "get-persona")
            .query("id=AAAAAAAAAAAAAAAAAAAAA")
            .header("if-none-match", "not-quoted"),
        Call::new("404 whatever If-None-Match says", "GET", "get-persona")
            .query("id=AAAAAAAAAAAAAAAAAAAAA")
            .header("if-none-match", "*"),
        Call::new("415: a charset other than UTF-8", "POST", "process-persona").body(
            "application/json; charset=utf-16",
            r#"{"textBlocks":["hi"]}"#,
        ),
        Call::new("a UTF-8 byte-order mark is skipped", "POST", "save-persona").body(
            "application/json; charset=utf-8",
            format!("\u{feff}{}", json!({ "persona": { "name": "Ada" } })),
        ),
    ]
    .into_iter()
    .chain(
        SCENARIOS
            .iter()
            .map(|(what, operation, name)| scenario(what, operation, name)),
    )
    .collect()
}

/// Mock scenarios (`x-mock-scenario`), each on the operations it applies to. Left out: `slow`
/// (it answers as the plain case does, three seconds later), and `UPSTREAM_TIMEOUT` on save and
/// get, whose message names the request deadline, which is longer in a function (app-netlify's
/// own tests check it there).
const SCENARIOS: [(&str, &str, &str); 13] = [
    (
        "mock RATE_LIMITED on process",
        "process-persona",
        "RATE_LIMITED",
    ),
    ("mock RATE_LIMITED on save", "save-persona", "RATE_LIMITED"),
    ("mock RATE_LIMITED on get", "get-persona", "RATE_LIMITED"),
    (
        "mock UPSTREAM_TIMEOUT on process",
        "process-persona",
        "UPSTREAM_TIMEOUT",
    ),
    (
        "mock UPSTREAM_UNAVAILABLE on process",
        "process-persona",
        "UPSTREAM_UNAVAILABLE",
    ),
    (
        "mock UPSTREAM_UNAVAILABLE on save",
        "save-persona",
        "UPSTREAM_UNAVAILABLE",
    ),
    (
        "mock UPSTREAM_UNAVAILABLE on get",
        "get-persona",
        "UPSTREAM_UNAVAILABLE",
    ),
    (
        "mock EXTRACTION_FAILED on process",
        "process-persona",
        "EXTRACTION_FAILED",
    ),
    ("mock REFUSED on process", "process-persona", "REFUSED"),
    ("mock INTERNAL on process", "process-persona", "INTERNAL"),
    ("mock INTERNAL on save", "save-persona", "INTERNAL"),
    ("mock INTERNAL on get", "get-persona", "INTERNAL"),
    ("mock REFUSED on save: 400", "save-persona", "REFUSED"),
];

/// A request to `operation` that passes every check, naming the scenario `name`.
fn scenario(what: &'static str, operation: &'static str, name: &str) -> Call {
    let call = match operation {
        "get-persona" => Call::new(what, "GET", operation).query("id=AAAAAAAAAAAAAAAAAAAAA"),
        "save-persona" => {
            Call::new(what, "POST", operation).json(&json!({ "persona": { "name": "Ada" } }))
        }
        _ => Call::new(what, "POST", operation).json(&json!({ "textBlocks": [MAYA] })),
    };
    call.header("x-mock-scenario", name)
}

/// What a client sees of an answer, with what differs by nature set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub status: u16,
    /// The headers a client relies on, by lowercase name.
    pub headers: BTreeMap<String, String>,
    pub body: Value,
    /// The SHA-256 of the body's bytes when nothing in it was set aside, so that bodies must be
    /// byte for byte alike (key order and whitespace included), not only equal as JSON.
    pub exact_body: Option<String>,
    /// Whether an error envelope's `request_id` is the `x-request-id` header, as it must be.
    pub request_id_consistent: bool,
}

/// The SHA-256 of `bytes`, in hex.
pub fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Headers compared between the doors: the envelope's, the safety ones, caching, and CORS.
fn relevant(name: &str) -> bool {
    matches!(
        name,
        "content-type"
            | "cache-control"
            | "etag"
            | "x-content-type-options"
            | "allow"
            | "retry-after"
    ) || name.starts_with("access-control-")
}

/// What stands in for a tag that is the SHA-256 of the body it came with (a saved persona's
/// body differs between the doors by its id and time, and so does its tag).
const TAG_OF_THE_BODY: &str = "<the body's sha256>";

impl Seen {
    pub fn from_answer(raw: Raw) -> Self {
        let mut headers: BTreeMap<String, String> = raw
            .headers
            .iter()
            .filter(|(name, _)| relevant(name))
            // `netlify dev` tags any answer of a rewritten path that carries a length (a HEAD's
            // does) with a weak ETag of what it received (its `utils/proxy.js`); the API's own
            // tags are strong, and only those are compared.
            .filter(|(name, value)| name != "etag" || !value.starts_with("W/"))
            .cloned()
            .collect();
        if let Some(tag) = headers.get_mut("etag")
            && *tag == format!("\"{}\"", sha256(&raw.body))
        {
            *tag = TAG_OF_THE_BODY.into();
        }
        let mut body = if raw.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw.body).unwrap_or_else(|_| {
                Value::String(format!(
                    "<not JSON: {}>",
                    String::from_utf8_lossy(&raw.body)
                ))
            })
        };
        let request_id = raw
            .headers
            .iter()
            .find(|(name, _)| name == "x-request-id")
            .map(|(_, value)| value.clone());
        let mut request_id_consistent = request_id.is_some();
        let mut set_aside = false;
        if let Some(id) = body.pointer_mut("/error/request_id") {
            request_id_consistent &= id.as_str() == request_id.as_deref();
            *id = json!("<request id>");
            set_aside = true;
        }
        for pointer in [
            "/data/id",
            "/data/metadata/persona_id",
            "/data/metadata/created_at",
        ] {
            if let Some(value) = body.pointer_mut(pointer) {
                *value = json!("<set aside>");
                set_aside = true;
            }
        }
        Self {
            status: raw.status,
            headers,
            body,
            exact_body: (!set_aside).then(|| sha256(&raw.body)),
            request_id_consistent,
        }
    }
}

/// Sends every case, and a save then get round trip, to `door`: what it saw, by case.
pub async fn observe(door: &Door) -> Vec<(String, Seen)> {
    let mut seen = Vec::new();
    for call in calls().into_iter().filter(|call| door.carries(call)) {
        let answer = door.send(&call).await;
        seen.push((call.what.to_owned(), Seen::from_answer(answer)));
    }
    seen.extend(round_trip(door).await);
    seen
}

/// Process, save what came back with its grounding, then get it by its id: the file store keeps
/// it between invocations, and each entry reads back verified only if the door that saved it
/// (a separate function on Netlify) holds the key of the door that signed it.
async fn round_trip(door: &Door) -> Vec<(String, Seen)> {
    let process = Call::new("process", "POST", "process-persona")
        .json(&json!({ "textBlocks": [MAYA], "links": [] }));
    let processed: Value =
        serde_json::from_slice(&door.send(&process).await.body).unwrap_or(Value::Null);
    let data = &processed["data"];
    let save = Call::new("save", "POST", "save-persona").json(&json!({
        "persona": data["persona"], "source": { "blocks": 1, "links": 0 },
        "grounding": data["grounding"],
    }));
    let saved = door.send(&save).await;
    let id = serde_json::from_slice::<Value>(&saved.body)
        .ok()
        .and_then(|body| body["data"]["id"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let get = Call::new("get what was saved", "GET", "get-persona").query(&format!("id={id}"));
    let got = door.send(&get).await;
    let got_body: Value = serde_json::from_slice(&got.body).unwrap_or(Value::Null);
    let same_id = got_body["data"]["id"] == id.as_str() && id.len() == 21;
    let verified = got_body["data"]["grounding"]["fields"]
        .as_object()
        .is_some_and(|f| !f.is_empty() && f.values().all(|e| e["verified"] == true));
    let tag = got
        .headers
        .iter()
        .find(|(name, _)| name == "etag")
        .map(|(_, tag)| tag.clone())
        .unwrap_or_default();
    let mut got = Seen::from_answer(got);
    // The ids are set aside for comparison, so record here that the get found the save's id.
    got.headers
        .insert("<found the saved id>".into(), same_id.to_string());
    got.headers
        .insert("<every entry verified>".into(), verified.to_string());
    let mut seen = vec![
        ("save".to_owned(), Seen::from_answer(saved)),
        ("get what was saved".to_owned(), got),
    ];
    // The client's copy is current: 304, no body, the same tag, through GET and HEAD.
    let weak = format!("W/{tag}");
    for (what, method, condition) in [
        ("304: get with the tag", "GET", tag.as_str()),
        ("304: HEAD with the weak tag", "HEAD", weak.as_str()),
    ] {
        let call = Call::new(what, method, "get-persona")
            .query(&format!("id={id}"))
            .header("if-none-match", condition);
        let raw = door.send(&call).await;
        // A 304 has no content, so no length to claim (RFC 9110 §8.6).
        let length = raw
            .headers
            .iter()
            .find(|(name, _)| name == "content-length");
        let length = length.map_or_else(|| "none".to_owned(), |(_, v)| v.clone());
        let mut answer = Seen::from_answer(raw);
        answer.headers.insert("<content-length>".into(), length);
        if let Some(sent) = answer.headers.get_mut("etag")
            && *sent == tag
        {
            *sent = "<the 200's tag>".into();
        }
        seen.push((what.to_owned(), answer));
    }
    seen
}
