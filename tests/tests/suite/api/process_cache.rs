//! The process cache through the server: a repeat costs no model call, `Cache-Control:
//! no-cache` extracts afresh, `PROCESS_CACHE=off`, the TTL, a change of any key part, a damaged
//! entry, failures never kept, and the cache shared by instances over one folder.

use std::path::Path;
use std::time::Duration;

use persona_domain::PersonaDraft;
use serde_json::{Value, json};
use wiremock::MockServer;

use super::helpers::{Answer, MAYA, TestApp, fake_openai, spawn_app, spawn_app_in};

const CACHE_KEY: &str = "a-process-cache-key-of-32-bytes-at-least";

fn draft() -> PersonaDraft {
    PersonaDraft {
        name: Some("Maya Patel".into()),
        age: Some(34),
        location: Some("Berlin".into()),
        interests: vec!["climbing".into(), "jazz".into(), "Jazz".into()],
        ..PersonaDraft::default()
    }
}

/// The variables of a server over `model`, with `extra`.
fn over<'a>(model: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut vars = vec![("OPENAI_BASE_URL", model), ("OPENAI_MAX_RETRIES", "0")];
    vars.extend_from_slice(extra);
    vars
}

async fn calls(model: &MockServer) -> usize {
    model.received_requests().await.map_or(0, |r| r.len())
}

async fn process_with(app: &TestApp, text: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = app
        .client
        .post(app.url("/api/process-persona"))
        .json(&json!({ "textBlocks": [text], "links": [] }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send(request).await
}

fn usage(answer: &Answer) -> &Value {
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    &answer.body["data"]["usage"]
}

fn cache_files(data_dir: &Path) -> Vec<String> {
    match std::fs::read_dir(data_dir.join("process-cache")) {
        Ok(entries) => entries
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn a_repeat_is_answered_from_the_cache_for_no_tokens() {
    let model = fake_openai(&draft()).await;
    let base = format!("{}/v1", model.uri());
    let app = spawn_app(&over(&base, &[])).await;
    let first = app.process(&[MAYA], &[]).await;
    let again = app.process(&[MAYA], &[]).await;
    assert_eq!(calls(&model).await, 1, "the repeat asked no model");
    assert_eq!(
        usage(&first),
        &json!({"model": "gpt-4o-mini", "prompt_tokens": 300, "completion_tokens": 60,
                "attempts": 1, "chunks": 1, "cached": false})
    );
    assert_eq!(
        usage(&again),
        &json!({"model": "gpt-4o-mini", "prompt_tokens": 0, "completion_tokens": 0,
                "attempts": 0, "chunks": 1, "cached": true,
                "original": {"model": "gpt-4o-mini", "prompt_tokens": 300,
                             "completion_tokens": 60, "attempts": 1}})
    );
    // Everything but the usage is the same answer, signatures included.
    for part in ["persona", "grounding", "warnings"] {
        assert_eq!(first.body["data"][part], again.body["data"][part], "{part}");
    }
    assert!(
        !first.body["data"]["warnings"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // The cached answer saves as a fresh one does, its grounding verified.
    let saved = app
        .save_grounded(
            &again.body["data"]["persona"],
            &again.body["data"]["grounding"],
        )
        .await;
    assert_eq!(saved.status, 201, "{:?}", saved.body);
    // One entry, named by a keyed hash, never by the material.
    let files = cache_files(&app.data_dir);
    assert_eq!(files.len(), 1);
    let name = files[0].strip_suffix(".json").expect("a JSON record");
    assert!(
        name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()),
        "{name}"
    );
}

#[tokio::test]
async fn no_cache_extracts_afresh_and_replaces_the_entry() {
    let model = fake_openai(&draft()).await;
    let base = format!("{}/v1", model.uri());
    let app = spawn_app(&over(&base, &[])).await;
    process_with(&app, MAYA, &[]).await;
    for value in ["no-cache", "max-age=0", "private, No-Cache"] {
        let fresh = process_with(&app, MAYA, &[("cache-control", value)]).await;
        assert_eq!(usage(&fresh)["cached"], false, "{value}");
    }
    assert_eq!(calls(&model).await, 4);
    let again = process_with(&app, MAYA, &[("cache-control", "max-age=60")]).await;
    assert_eq!(usage(&again)["cached"], true);
    assert_eq!(calls(&model).await, 4);
    assert_eq!(cache_files(&app.data_dir).len(), 1);
}

#[tokio::test]
async fn process_cache_off_asks_the_model_every_time_and_keeps_nothing() {
    let model = fake_openai(&draft()).await;
    let base = format!("{}/v1", model.uri());
    let app = spawn_app(&over(&base, &[("PROCESS_CACHE", "off")])).await;
    for _ in 0..2 {
        assert_eq!(usage(&app.process(&[MAYA], &[]).await)["cached"], false);
    }
    assert_eq!(calls(&model).await, 2);
    assert!(cache_files(&app.data_dir).is_empty());
}

#[tokio::test]
async fn other_material_misses() {
    let model = fake_openai(&draft()).await;
    let base = format!("{}/v1", model.uri());
    let app = spawn_app(&over(&base, &[])).await;
    process_with(&app, MAYA, &[]).await;
    let other = process_with(&app, &format!("{MAYA} "), &[]).await;
    // Trailing space is trimmed by the input rules: the normalised material is the same.
    assert_eq!(usage(&other)["cached"], true);
    let other = process_with(&app, &MAYA.replace("Berlin", "Munich"), &[]).await;
    assert_eq!(usage(&other)["cached"], false);
    let linked = app.process(&[MAYA], &["https://example.com/maya"]).await;
    assert_eq!(usage(&linked)["cached"], false);
    assert_eq!(calls(&model).await, 3);
}

/// What a case calls its instance, the instance's variables, and whether it hits.
type Instance<'a> = (&'a str, Vec<(&'a str, &'a str)>, bool);

/// Instances over one folder with one key share the cache; a change of model or grounding mode
/// is a miss; another key never reads the entries.
#[tokio::test]
async fn instances_share_entries_and_every_key_part_counts() {
    let model = fake_openai(&draft()).await;
    let base = format!("{}/v1", model.uri());
    let dir = tempfile::tempdir().expect("tempdir");
    let key = [("PROCESS_CACHE_KEY", CACHE_KEY)];
    let first = spawn_app_in(dir.path(), &over(&base, &key)).await;
    assert_eq!(usage(&first.process(&[MAYA], &[]).await)["cached"], false);
    first.stop().await;

    let cases: [Instance<'_>; 5] = [
        ("another instance, same settings", over(&base, &key), true),
        (
            "another model",
            over(&base, &[key[0], ("OPENAI_MODEL", "gpt-4.1")]),
            false,
        ),
        (
            "strict grounding",
            over(&base, &[key[0], ("GROUNDING", "strict")]),
            false,
        ),
        (
            "another key",
            over(
                &base,
                &[("PROCESS_CACHE_KEY", "another-key-of-32-bytes-or-more-xx")],
            ),
            false,
        ),
        ("a random key per process", over(&base, &[]), false),
    ];
    for (what, vars, hit) in cases {
        let app = spawn_app_in(dir.path(), &vars).await;
        let answer = app.process(&[MAYA], &[]).await;
        assert_eq!(usage(&answer)["cached"], hit, "{what}");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_expired_entry_never_answers() {
    let model = fake_openai(&draft()).await;
    let base = format!("{}/v1", model.uri());
    let app = spawn_app(&over(&base, &[("PROCESS_CACHE_TTL", "1")])).await;
    process_with(&app, MAYA, &[]).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(usage(&process_with(&app, MAYA, &[]).await)["cached"], false);
    assert_eq!(calls(&model).await, 2);
}

#[tokio::test]
async fn a_damaged_entry_is_a_miss_and_is_replaced() {
    let model = fake_openai(&draft()).await;
    let base = format!("{}/v1", model.uri());
    let app = spawn_app(&over(&base, &[])).await;
    process_with(&app, MAYA, &[]).await;
    let folder = app.data_dir.join("process-cache");
    let file = folder.join(&cache_files(&app.data_dir)[0]);
    let whole = std::fs::read(&file).expect("the entry");
    std::fs::write(&file, &whole[..whole.len() / 2]).expect("damaged");
    assert_eq!(usage(&process_with(&app, MAYA, &[]).await)["cached"], false);
    assert_eq!(usage(&process_with(&app, MAYA, &[]).await)["cached"], true);
    assert_eq!(calls(&model).await, 2);
}

#[tokio::test]
async fn a_failed_extraction_is_never_kept() {
    // A model answering what is not a persona draft: the extraction fails.
    let model = super::helpers::fake_openai_answering("not json at all").await;
    let base = format!("{}/v1", model.uri());
    let app = spawn_app(&over(&base, &[])).await;
    for _ in 0..2 {
        let answer = process_with(&app, MAYA, &[]).await;
        assert_ne!(answer.status, 200, "{:?}", answer.body);
    }
    assert!(cache_files(&app.data_dir).is_empty());
}

#[tokio::test]
async fn a_browser_may_send_cache_control() {
    let app = spawn_app(&[("ALLOWED_ORIGINS", "https://app.example")]).await;
    let answer = app
        .send(
            app.client
                .request(reqwest::Method::OPTIONS, app.url("/api/process-persona"))
                .header("origin", "https://app.example")
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "content-type, cache-control",
                ),
        )
        .await;
    assert!(
        answer
            .header("access-control-allow-headers")
            .is_some_and(|h| h.contains("cache-control")),
        "{:?}",
        answer.headers
    );
}
