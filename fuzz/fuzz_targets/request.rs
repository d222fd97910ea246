//! The neutral request path: `Api::handle` over the mock adapters, as both front doors call it.
//!
//! Each input is a short session of requests (method, path, query, headers, body) against a
//! fresh API in mock mode (the mock extractor and the in-memory store with its two samples).
//! Bodies are raw bytes, arbitrary JSON with the API's keys, or well-formed process and save
//! bodies with texts long enough to cross the limits.
//!
//! Invariants, for every response: the status is a documented one and never 5xx (nor 422 or
//! 429: the mock never fails, refuses or rate-limits); 204 has an empty body, every other
//! answer is a JSON envelope `{"success": bool, ...}` with `content-type: application/json`,
//! `success` true exactly for 2xx, `data` on success and `error {code, message, request_id,
//! retryable, details}` on failure with the code's documented status; `x-request-id` is set,
//! equals the client's when that one is sane and equals the error's `request_id`; an error body
//! never repeats a run of 12 or more letters of the path, query or body. Across requests: a
//! persona process-persona returns validates against the persona schema and saves as it is
//! (201), and a saved persona reads back (200) with the same id, persona and metadata.
#![no_main]

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use persona_adapters_mock::{MemoryStore, MockExtractor, SAMPLE_IDS};
use persona_api::{
    Api, ApiSettings, CorsPolicy, Operation, RateLimitPolicy, Request, Response, Scenario, openapi,
    scenario,
};
use persona_domain::PersonaId;
use persona_fuzz::echo::assert_no_echo;
use persona_fuzz::input::{DraftInput, Json, LONG, SHORT, Text};
use persona_fuzz::persona::assert_matches_schema;
use persona_ports::PersonaService;
use serde_json::{Value, json};

/// Requests in one session: enough to save, then read back.
const MAX_CALLS: usize = 4;

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
});

#[derive(Debug, Arbitrary)]
struct Session {
    cors: Cors,
    calls: Vec<Call>,
}

#[derive(Debug, Arbitrary)]
enum Cors {
    Any,
    Origins(Vec<String>),
}

#[derive(Debug, Arbitrary)]
struct Call {
    method: Method,
    route: Route,
    query: Option<Query>,
    content_type: ContentType,
    request_id: Option<String>,
    origin: Option<String>,
    headers: Vec<(String, String)>,
    body: Body,
}

#[derive(Debug, Arbitrary)]
enum Method {
    Get,
    Post,
    Options,
    Head,
    Put,
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum Route {
    /// An operation's path, with or without a trailing slash.
    Known(u8, bool),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum Query {
    /// `id=` an id saved earlier in this session (or a sample when none was).
    SavedId,
    /// `id=` one of the store's samples.
    SampleId(bool),
    Id(String),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum ContentType {
    Json,
    JsonWithCharset,
    Missing,
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum Body {
    Empty,
    Raw(Vec<u8>),
    Json(Json),
    Process {
        blocks: Vec<Text>,
        links: Vec<Text>,
    },
    Save {
        persona: Box<DraftInput>,
        source: Option<(u32, u32)>,
    },
}

fuzz_target!(|data: &[u8]| {
    let Ok(session) = Session::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let api = api(&session.cors);
    let mut saved: Vec<String> = Vec::new();
    for call in session.calls.iter().take(MAX_CALLS) {
        let request = request(call, &saved);
        let response = handle(&api, request.clone());
        let body = check_response(&request, &response);
        follow_up(&api, &request, &response, body, &mut saved);
    }
});

fn api(cors: &Cors) -> Api {
    let service = PersonaService::new(
        Arc::new(MockExtractor::new()),
        Arc::new(MemoryStore::with_samples()),
    );
    let cors = match cors {
        Cors::Any => CorsPolicy::AnyOrigin,
        Cors::Origins(list) => CorsPolicy::parse(&list.join(",")),
    };
    Api::new(
        service,
        ApiSettings {
            cors,
            mock_mode: true,
            model: None,
            bucket: None,
            // Off: one fuzzing process is one client, and a 429 would hide every path behind it.
            rate_limits: RateLimitPolicy::off(),
            deadline: Duration::from_secs(30),
        },
    )
}

fn handle(api: &Api, request: Request) -> Response {
    RUNTIME.block_on(api.handle(request))
}

fn request(call: &Call, saved: &[String]) -> Request {
    let method = match &call.method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Options => "OPTIONS",
        Method::Head => "HEAD",
        Method::Put => "PUT",
        Method::Other(m) => m,
    };
    let path = match &call.route {
        Route::Known(n, slash) => {
            let op = Operation::ALL[usize::from(*n) % Operation::ALL.len()];
            format!("{}{}", op.path(), if *slash { "/" } else { "" })
        }
        Route::Raw(p) => p.clone(),
    };
    let mut request = Request::new(method, path);
    request.query = call.query.as_ref().map(|q| match q {
        Query::SavedId => format!("id={}", saved.last().map_or(SAMPLE_IDS[0], String::as_str)),
        Query::SampleId(second) => format!("id={}", SAMPLE_IDS[usize::from(*second)]),
        Query::Id(id) => format!("id={id}"),
        Query::Raw(q) => q.clone(),
    });
    match &call.content_type {
        ContentType::Json => request
            .headers
            .push(("content-type".into(), "application/json".into())),
        ContentType::JsonWithCharset => request.headers.push((
            "Content-Type".into(),
            "Application/JSON; charset=utf-8".into(),
        )),
        ContentType::Missing => {}
        ContentType::Other(ct) => request.headers.push(("content-type".into(), ct.clone())),
    }
    if let Some(id) = &call.request_id {
        request.headers.push(("x-request-id".into(), id.clone()));
    }
    if let Some(origin) = &call.origin {
        request.headers.push(("origin".into(), origin.clone()));
    }
    // A mock scenario that names a fault fails on purpose (api/src/scenario/tests.rs holds each
    // to the real failure's answer); the invariants below are the mock's without one. Unknown
    // names (400) and `slow` stay in.
    let fault = |(name, value): &&(String, String)| {
        name.eq_ignore_ascii_case(scenario::HEADER)
            && Scenario::from_name(value.trim()).is_some_and(|s| s != Scenario::Slow)
    };
    request
        .headers
        .extend(call.headers.iter().filter(|h| !fault(h)).cloned());
    request.body = match &call.body {
        Body::Empty => Vec::new(),
        Body::Raw(bytes) => bytes.clone(),
        Body::Json(Json(value)) => value.to_string().into_bytes(),
        Body::Process { blocks, links } => {
            let blocks: Vec<String> = blocks.iter().map(|t| t.build(LONG)).collect();
            let links: Vec<String> = links.iter().map(|t| t.build(SHORT)).collect();
            json!({ "textBlocks": blocks, "links": links })
                .to_string()
                .into_bytes()
        }
        Body::Save { persona, source } => {
            let mut body = json!({ "persona": persona.build() });
            if let Some((blocks, links)) = source {
                body["source"] = json!({ "blocks": blocks, "links": links });
            }
            body.to_string().into_bytes()
        }
    };
    request
}

/// Checks one response on its own and returns its body as JSON (`Null` for 204).
fn check_response(request: &Request, response: &Response) -> Value {
    let status = response.status;
    assert!(
        [200, 201, 204, 304, 400, 404, 405, 413, 415].contains(&status),
        "status {status} from the mock adapters"
    );
    let request_id = response
        .header("x-request-id")
        .expect("x-request-id is set");
    let sane = |id: &str| {
        (1..=128).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
    };
    assert!(sane(request_id), "x-request-id {request_id:?} is not sane");
    if let Some(sent) = request.header("x-request-id").filter(|id| sane(id)) {
        assert_eq!(request_id, sent, "a sane request id was not kept");
    }
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    let document = match Operation::from_path(&request.path) {
        Some(Operation::OpenApi) => Some(&*openapi::DOCUMENT),
        Some(Operation::PersonaSchema) => Some(&*openapi::PERSONA_SCHEMA),
        _ => None,
    };
    if let (Some(document), 200) = (document, status) {
        // The two documents are served as generated, whatever else the request held.
        assert_eq!(&response.body, document, "a document served altered");
        assert_eq!(
            response.header("cache-control"),
            Some("public, max-age=300")
        );
        return Value::Null;
    }
    // A saved persona (200, or 304 to a matching If-None-Match) may be kept by the client's own
    // cache and revalidated by its ETag; every other answer is for this request alone.
    let persona = Operation::from_path(&request.path) == Some(Operation::GetPersona)
        && matches!(status, 200 | 304);
    let cache = if persona {
        "private, no-cache"
    } else {
        "no-store"
    };
    assert_eq!(response.header("cache-control"), Some(cache));
    if status == 304 {
        assert!(response.body.is_empty(), "a 304 with a body");
        assert!(response.header("etag").is_some(), "a 304 without its ETag");
        return Value::Null;
    }

    if status == 204 {
        assert!(response.body.is_empty(), "a 204 with a body");
        assert_eq!(request.method, "OPTIONS", "204 answers OPTIONS only");
        return Value::Null;
    }
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_slice(&response.body).expect("the body is JSON");
    let success = body["success"].as_bool().expect("success is a boolean");
    assert_eq!(
        success,
        status < 300,
        "success {success} with status {status}"
    );
    if success {
        assert!(body.get("data").is_some(), "success without data");
        return body;
    }
    let error = &body["error"];
    let code = error["code"].as_str().expect("error.code is a string");
    assert_eq!(
        documented_status(code),
        Some(status),
        "{code} answered {status}"
    );
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(error["request_id"].as_str(), Some(request_id));
    assert!(error["retryable"].is_boolean());
    for detail in error["details"].as_array().expect("details is an array") {
        assert!(detail["field"].is_string() && detail["message"].is_string());
    }
    if status == 405 {
        assert!(response.header("allow").is_some(), "405 without allow");
    }
    let text = String::from_utf8_lossy(&response.body);
    let sent = [
        request.path.as_bytes(),
        request.query.as_deref().unwrap_or_default().as_bytes(),
        &request.body,
    ];
    assert_no_echo(&sent, &text, request_id);
    body
}

/// The status DESIGN.md gives each error code the mock adapters can produce.
fn documented_status(code: &str) -> Option<u16> {
    Some(match code {
        "INVALID_REQUEST" | "INVALID_ID" => 400,
        "NOT_FOUND" => 404,
        "METHOD_NOT_ALLOWED" => 405,
        "PAYLOAD_TOO_LARGE" | "INPUT_TOO_LONG" => 413,
        "UNSUPPORTED_MEDIA_TYPE" => 415,
        _ => return None,
    })
}

/// The invariants across requests: a processed persona saves as it is, and a saved one reads
/// back whole.
fn follow_up(
    api: &Api,
    request: &Request,
    response: &Response,
    body: Value,
    saved: &mut Vec<String>,
) {
    let operation = Operation::from_path(&request.path);
    match (operation, response.status) {
        (Some(Operation::ProcessPersona), 200) => {
            let persona = &body["data"]["persona"];
            assert_matches_schema(persona);
            let save = Request::new("POST", "/api/save-persona")
                .with_header("content-type", "application/json")
                .with_body(json!({ "persona": persona }).to_string());
            let answer = handle(api, save.clone());
            let saved_body = check_response(&save, &answer);
            assert_eq!(
                answer.status, 201,
                "a processed persona did not save: {saved_body}"
            );
            let id = saved_body["data"]["id"].as_str().expect("an id").to_owned();
            let got = get(api, &id);
            assert_eq!(
                &got["data"]["persona"], persona,
                "the saved persona changed"
            );
            saved.push(id);
        }
        (Some(Operation::SavePersona), 201) => {
            let data = &body["data"];
            let id = data["id"].as_str().expect("an id").to_owned();
            assert!(PersonaId::parse(&id).is_ok(), "saved under a bad id");
            assert_eq!(data["metadata"]["persona_id"].as_str(), Some(id.as_str()));
            let got = get(api, &id);
            assert_eq!(
                got["data"]["metadata"], data["metadata"],
                "metadata changed"
            );
            assert_matches_schema(&got["data"]["persona"]);
            saved.push(id);
        }
        _ => {}
    }
}

/// Reads `id` back and checks that it is there.
fn get(api: &Api, id: &str) -> Value {
    let request = Request::new("GET", "/api/get-persona").with_query(format!("id={id}"));
    let response = handle(api, request.clone());
    let body = check_response(&request, &response);
    assert_eq!(response.status, 200, "a saved persona is not found: {body}");
    assert_eq!(body["data"]["id"].as_str(), Some(id));
    body
}
