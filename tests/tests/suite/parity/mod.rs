//! Parity of the two front doors: the same cases, sent to the actix server and to the Netlify
//! functions, get the same status, body and client-relevant headers.
//!
//! The functions are reached two ways:
//!
//! - served by the real Netlify CLI (`.ci/start-netlify`) at the URL in `NETLIFY_URL`, through
//!   both the operation's path (`/api/health`, `/api/openapi.json`: the redirects of
//!   `netlify.toml`) and `/.netlify/functions/NAME`;
//! - as release binaries (`cargo build --release --target x86_64-unknown-linux-musl`) in the
//!   folder `NETLIFY_RELEASE_DIR`, run by Netlify's `local-functions-proxy` (path in
//!   `LOCAL_FUNCTIONS_PROXY`) with the events the CLI sends.
//!
//! Without those variables each of those tests says why and passes, unless `REQUIRE_NETLIFY=1`
//! (CI), when it fails. Both sides run in mock mode over the file store, so health names the same
//! adapters and a save is found by a later invocation.
//!
//! Unknown paths are not compared: Netlify answers those itself, before any function runs. The
//! playground page's static files are compared in [`site`].

mod cases;
mod doors;
mod jobs;
mod site;

use std::path::PathBuf;

use persona_app_http::startup::ServerHandle;
use persona_app_http::{Application, Config};
use persona_wiring::MockStore;
use tempfile::TempDir;

use cases::{Seen, calls, observe, sha256};
use doors::{Address, Door};

/// The grounding signing key every door uses (`.ci/start-netlify` exports the same), so that
/// process-persona's signatures compare equal and a save through one door verifies what another
/// signed.
pub(crate) const PARITY_SIGNING_KEY: &str = "parity-signing-key-shared-by-every-door";

/// The actix server in mock mode over a fresh file store, as a door.
struct Server {
    base: String,
    door: Door,
    handle: ServerHandle,
    _data: TempDir,
}

async fn spawn_server() -> Server {
    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().display().to_string();
    let vars = [
        ("HOST", "127.0.0.1"),
        ("PORT", "0"),
        ("USE_MOCK_DATA", "true"),
        ("PERSONA_DATA_DIR", data_dir.as_str()),
        ("RATE_LIMIT_PER_MINUTE", "0"),
        ("GROUNDING_SIGNING_KEY", PARITY_SIGNING_KEY),
    ];
    let mut config = Config::from_lookup(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .expect("config");
    // As a function does: the two doors then report the same store in health.
    config.mock_store = MockStore::Files;
    let app = Application::build(&config)
        .await
        .expect("the server builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    Server {
        door: Door::http(&base, Address::Path, true),
        base,
        handle,
        _data: data,
    }
}

/// The value of `name`, or `None` after saying why the test stops here (a failure instead when
/// `REQUIRE_NETLIFY=1`).
fn setting(name: &str, what: &str) -> Option<String> {
    let value = std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if value.is_none() {
        assert!(
            std::env::var("REQUIRE_NETLIFY").as_deref() != Ok("1"),
            "REQUIRE_NETLIFY=1 but {name} is not set ({what})"
        );
        persona_tests::skip(&format!(
            "{name} is not set ({what}); bash .ci/start-netlify serves the functions"
        ));
    }
    value
}

fn assert_same(expected: &[(String, Seen)], door: &Door, seen: &[(String, Seen)]) {
    assert_eq!(expected.len(), seen.len());
    let differences: Vec<String> = expected
        .iter()
        .zip(seen)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((what, a), (_, b))| format!("{what}:\n  server: {a:?}\n  {}: {b:?}", door.name()))
        .collect();
    assert!(
        differences.is_empty(),
        "{} of {} cases differ from the server through {}:\n{}",
        differences.len(),
        expected.len(),
        door.name(),
        differences.join("\n")
    );
}

/// The cases mean what they say: each gets its status and error code from the server. Runs on
/// every `cargo test`, so the parity runs below compare answers worth comparing.
#[tokio::test]
async fn every_case_gets_its_status_and_code_from_the_server() {
    let server = spawn_server().await;
    let seen = observe(&server.door).await;
    let got: Vec<(&str, u16, &str)> = seen
        .iter()
        .map(|(what, s)| {
            let code = s.body["error"]["code"].as_str().unwrap_or("");
            (what.as_str(), s.status, code)
        })
        .collect();
    let expected: Vec<(&str, u16, &str)> = vec![
        ("health", 200, ""),
        ("health from an allowed origin", 200, ""),
        ("a request id is echoed", 200, ""),
        ("CORS preflight", 204, ""),
        ("405 with Allow (POST route)", 405, "METHOD_NOT_ALLOWED"),
        ("405 with Allow (GET route)", 405, "METHOD_NOT_ALLOWED"),
        ("405 on health", 405, "METHOD_NOT_ALLOWED"),
        ("the OpenAPI document", 200, ""),
        ("the persona schema", 200, ""),
        ("405 on the OpenAPI document", 405, "METHOD_NOT_ALLOWED"),
        ("CORS preflight of the OpenAPI document", 204, ""),
        ("415: text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("415: no content type", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("413: body over 1 MiB", 413, "PAYLOAD_TOO_LARGE"),
        ("413: a block over its limit", 413, "PAYLOAD_TOO_LARGE"),
        ("400: broken JSON", 400, "INVALID_REQUEST"),
        ("400: empty body", 400, "INVALID_REQUEST"),
        ("400: no blocks", 400, "INVALID_REQUEST"),
        ("400: bad links, with details", 400, "INVALID_REQUEST"),
        ("400: wrong shape", 400, "INVALID_REQUEST"),
        ("process in mock mode", 200, ""),
        ("process again: answered from the cache", 200, ""),
        (
            "400: a persona that breaks the rules",
            400,
            "INVALID_REQUEST",
        ),
        ("400: source counts out of range", 400, "INVALID_REQUEST"),
        ("INVALID_ID: no id", 400, "INVALID_ID"),
        ("INVALID_ID: a malformed id", 400, "INVALID_ID"),
        ("404: an id that was never saved", 404, "NOT_FOUND"),
        ("INVALID_ID: get-job without an id", 400, "INVALID_ID"),
        ("INVALID_ID: a malformed job id", 400, "INVALID_ID"),
        ("404: a job that was never made", 404, "NOT_FOUND"),
        ("HEAD of a missing job", 404, ""),
        ("405 on get-job", 405, "METHOD_NOT_ALLOWED"),
        (
            "400: a background run without a job id",
            400,
            "INVALID_REQUEST",
        ),
        ("404: a background run of an unknown job", 404, "NOT_FOUND"),
        // A HEAD answer has no body on the wire, so no code to read.
        ("HEAD of health", 200, ""),
        ("HEAD of the OpenAPI document", 200, ""),
        ("HEAD of a missing persona", 404, ""),
        ("405: HEAD of a POST route", 405, ""),
        ("400: a malformed If-None-Match", 400, "INVALID_REQUEST"),
        ("404 whatever If-None-Match says", 404, "NOT_FOUND"),
        (
            "415: a charset other than UTF-8",
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        ("a UTF-8 byte-order mark is skipped", 201, ""),
        ("mock RATE_LIMITED on process", 429, "RATE_LIMITED"),
        ("mock RATE_LIMITED on save", 429, "RATE_LIMITED"),
        ("mock RATE_LIMITED on get", 429, "RATE_LIMITED"),
        ("mock UPSTREAM_TIMEOUT on process", 504, "UPSTREAM_TIMEOUT"),
        (
            "mock UPSTREAM_UNAVAILABLE on process",
            503,
            "UPSTREAM_UNAVAILABLE",
        ),
        (
            "mock UPSTREAM_UNAVAILABLE on save",
            503,
            "UPSTREAM_UNAVAILABLE",
        ),
        (
            "mock UPSTREAM_UNAVAILABLE on get",
            503,
            "UPSTREAM_UNAVAILABLE",
        ),
        (
            "mock EXTRACTION_FAILED on process",
            422,
            "EXTRACTION_FAILED",
        ),
        ("mock REFUSED on process", 422, "REFUSED"),
        ("mock INTERNAL on process", 500, "INTERNAL"),
        ("mock INTERNAL on save", 500, "INTERNAL"),
        ("mock INTERNAL on get", 500, "INTERNAL"),
        ("mock REFUSED on save: 400", 400, "INVALID_REQUEST"),
        ("save", 201, ""),
        ("get what was saved", 200, ""),
        ("304: get with the tag", 304, ""),
        ("304: HEAD with the weak tag", 304, ""),
    ];
    assert_eq!(got, expected);
    assert_eq!(calls().len() + 4, seen.len());
    let round_trip = |what: &str| {
        let (_, s) = seen.iter().find(|(w, _)| w == what).expect("the case ran");
        s.clone()
    };
    let usage = |what: &str| round_trip(what).body["data"]["usage"].clone();
    let (fresh, again) = (
        usage("process in mock mode"),
        usage("process again: answered from the cache"),
    );
    assert_eq!(fresh["cached"], false);
    assert_eq!(again["cached"], true);
    assert_eq!(again["attempts"], 0);
    assert_eq!(again["original"]["attempts"], fresh["attempts"]);
    let got = round_trip("get what was saved");
    assert_eq!(
        got.headers.get("etag").map(String::as_str),
        Some("<the body's sha256>")
    );
    for what in ["304: get with the tag", "304: HEAD with the weak tag"] {
        let not_modified = round_trip(what);
        assert_eq!(
            (
                not_modified.headers.get("etag").map(String::as_str),
                not_modified
                    .headers
                    .get("cache-control")
                    .map(String::as_str),
                not_modified
                    .headers
                    .get("<content-length>")
                    .map(String::as_str),
                &not_modified.body
            ),
            (
                Some("<the 200's tag>"),
                Some("private, no-cache"),
                Some("none"),
                &serde_json::Value::Null
            ),
            "{what}"
        );
    }
    assert_eq!(
        got.headers
            .get("<every entry verified>")
            .map(String::as_str),
        Some("true"),
        "a save of what process-persona signed reads back verified"
    );
    for (what, s) in &seen {
        assert!(s.request_id_consistent, "{what}: {s:?}");
        assert_eq!(
            s.headers.get("x-content-type-options").map(String::as_str),
            Some("nosniff"),
            "{what}"
        );
    }
    // The documents are served as generated, byte for byte; parity then holds the functions to
    // the same bytes.
    let exact = |what: &str| {
        let (_, s) = seen.iter().find(|(w, _)| w == what).expect("the case ran");
        s.exact_body.clone()
    };
    assert_eq!(
        exact("the OpenAPI document"),
        Some(sha256(&persona_api::openapi::DOCUMENT))
    );
    assert_eq!(
        exact("the persona schema"),
        Some(sha256(&persona_api::openapi::PERSONA_SCHEMA))
    );
    assert_eq!(
        got.headers.get("<found the saved id>").map(String::as_str),
        Some("true")
    );
    server.handle.stop(true).await;
}

#[tokio::test]
async fn the_functions_under_netlify_dev_answer_as_the_server_does() {
    let Some(base) = setting("NETLIFY_URL", "the address of .ci/start-netlify") else {
        return;
    };
    let server = spawn_server().await;
    // Netlify answers every call of a `-background` function 202 at once, with no body, and runs
    // the function afterwards (`jobs.rs` follows a whole job): what that function answers itself
    // is compared only with the release binaries, which the proxy runs directly.
    let background: Vec<&str> = calls()
        .iter()
        .filter(|call| call.operation == "process-persona-background")
        .map(|call| call.what)
        .collect();
    let (expected, _) = split_off(
        observe(&Door::http(&server.base, Address::Path, false)).await,
        &background,
    );
    for address in [Address::Path, Address::Function] {
        let door = Door::http(&base, address, false);
        let (seen, handed_over) = split_off(observe(&door).await, &background);
        assert_same(&expected, &door, &seen);
        for (what, answer) in handed_over {
            assert_eq!(answer.status, 202, "{what} through {}", door.name());
        }
    }
    server.handle.stop(true).await;
}

/// What a door answered, case by case.
type Observed = Vec<(String, Seen)>;

/// `seen` without the cases named in `what`, and those cases.
fn split_off(seen: Observed, what: &[&str]) -> (Observed, Observed) {
    seen.into_iter()
        .partition(|(name, _)| !what.contains(&name.as_str()))
}

#[tokio::test]
async fn the_release_binaries_answer_as_the_server_does_under_the_local_functions_proxy() {
    let Some(proxy) = setting(
        "LOCAL_FUNCTIONS_PROXY",
        "the local-functions-proxy binary of @netlify/local-functions-proxy",
    ) else {
        return;
    };
    let Some(binaries) = setting(
        "NETLIFY_RELEASE_DIR",
        "the folder of the musl release binaries of the functions",
    ) else {
        return;
    };
    let data = tempfile::tempdir().expect("tempdir");
    let door = Door::Proxy {
        proxy: PathBuf::from(proxy),
        binaries: PathBuf::from(binaries),
        data_dir: data.path().to_owned(),
    };
    let server = spawn_server().await;
    let expected = observe(&Door::http(&server.base, Address::Path, false)).await;
    assert_same(&expected, &door, &observe(&door).await);
    server.handle.stop(true).await;
}
