//! Nothing a person sends, no persona field and no key ever reaches a log line.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use persona_domain::PersonaDraft;
use persona_tests::fake_supabase::{FakeKeys, FakeSupabase};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::helpers::{fake_openai, spawn_app};

/// Everything any test in this binary logs, at every level, as `LOG_FORMAT=json` writes it (the
/// format that also prints every field of the current span).
pub(super) fn captured() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_max_level(tracing::Level::TRACE)
            .with_writer(Capture(Arc::clone(&logs)))
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("the only global subscriber in this binary");
        logs
    })
}

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A fake OpenAI whose every answer is a persona full of `mark`, so persona fields carry it.
async fn openai_answering_with(mark: &str) -> MockServer {
    fake_openai(&PersonaDraft {
        name: Some(format!("{mark} Quux")),
        location: Some(format!("{mark}ville")),
        interests: vec![format!("{mark}ball")],
        ..PersonaDraft::default()
    })
    .await
}

#[tokio::test]
async fn no_user_text_persona_field_or_key_is_logged_on_any_route() {
    let logs = captured();
    const MARK: &str = "Zebulon";
    const KEY: &str = "sk-marker-key-0451";
    // The real adapters, over fakes that accept the marker key: every log line they write is
    // captured too.
    let openai = openai_answering_with(MARK).await;
    let supabase = FakeSupabase::start_with_keys(FakeKeys {
        service: KEY.to_owned(),
        ..FakeKeys::default()
    })
    .await;
    let app = spawn_app(&[
        ("OPENAI_BASE_URL", &format!("{}/v1", openai.uri())),
        ("OPENAI_API_KEY", KEY),
        ("SUPABASE_URL", &supabase.url()),
        ("SUPABASE_SERVICE_ROLE_KEY", KEY),
    ])
    .await;
    let health = app.get("/api/health").await;
    assert_eq!(
        (
            &health.body["data"]["extractor"],
            &health.body["data"]["store"]
        ),
        (&json!("openai"), &json!("supabase"))
    );

    let block = format!(
        "My name is {MARK} Quux. I am 40 years old. I love {MARK}ball. I live in {MARK}ville."
    );
    let link = format!("https://{MARK}.example/{MARK}");
    let processed = app.process(&[&block], &[&link]).await;
    assert_eq!(processed.status, 200, "{}", processed.body);
    assert_eq!(
        processed.body["data"]["persona"]["name"],
        format!("{MARK} Quux")
    );
    let saved = app.save(&processed.body["data"]["persona"]).await;
    let id = saved.body["data"]["id"].as_str().expect("id").to_owned();
    assert_eq!(app.get_persona(&id).await.status, 200);
    // The file store too: a persona id is the key that reads a persona, so no store logs it.
    let on_files = spawn_app(&[
        ("OPENAI_BASE_URL", &format!("{}/v1", openai.uri())),
        ("OPENAI_API_KEY", KEY),
    ])
    .await;
    assert_eq!(
        on_files.get("/api/health").await.body["data"]["store"],
        "fs"
    );
    let on_disk = on_files.save(&processed.body["data"]["persona"]).await;
    let file_id = on_disk.body["data"]["id"].as_str().expect("id").to_owned();
    assert_eq!(on_files.get_persona(&file_id).await.status, 200);
    // An upstream failure logs its cause: still no marker. (A persona this server never read,
    // so its cache cannot answer.)
    let unread = app.save(&processed.body["data"]["persona"]).await;
    let unread = unread.body["data"]["id"].as_str().expect("id").to_owned();
    supabase.set_faults(persona_tests::fake_supabase::Faults {
        fail_503_ratio: 1.0,
        ..Default::default()
    });
    assert_eq!(app.get_persona(&unread).await.status, 503);
    // Error paths too: bad shapes, broken JSON, rule violations, bad ids, unknown routes.
    app.process(&[&block, " "], &[&format!("ftp://{MARK}")])
        .await;
    app.post_json("/api/process-persona", &json!({ "textBlocks": MARK }))
        .await;
    app.send(
        app.client
            .post(app.url("/api/process-persona"))
            .header("content-type", "application/json")
            .body(format!("{{\"textBlocks\": [\"{MARK}")),
    )
    .await;
    app.save(&json!({ "name": MARK, "age": 500, "traits": vec![MARK; 30] }))
        .await;
    app.get_persona(&format!("{MARK}/../../etc")).await;
    app.get(&format!("/api/{MARK}?q={MARK}")).await;
    app.send(
        app.client
            .get(app.url("/api/health"))
            .header("x-request-id", format!("{MARK} {MARK}")),
    )
    .await;
    app.get(&format!("/api/openapi.json?{MARK}")).await;
    app.get("/api/schema/persona.json").await;
    app.send(
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/save-persona")),
    )
    .await;
    app.send(app.client.delete(app.url("/api/get-persona")).body(MARK))
        .await;
    // Over the rate limit, and past the request deadline (the model never answers in time).
    let limited = spawn_app(&[
        ("USE_MOCK_DATA", "true"),
        ("RATE_LIMIT_PER_MINUTE", "process-persona=1"),
    ])
    .await;
    limited.process(&[&block], &[]).await;
    assert_eq!(limited.process(&[&block], &[]).await.status, 429);
    let slow_openai = openai_answering_with(MARK).await;
    slow_openai.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
        .mount(&slow_openai)
        .await;
    let slow = spawn_app(&[
        ("OPENAI_BASE_URL", &format!("{}/v1", slow_openai.uri())),
        ("OPENAI_API_KEY", KEY),
        ("PROCESS_DEADLINE_MS", "1000"),
        ("REQUEST_DEADLINE_MS", "1500"),
    ])
    .await;
    assert_eq!(slow.process(&[&block], &[]).await.status, 504);

    let logged = String::from_utf8(logs.lock().expect("lock").clone()).expect("utf8");
    assert!(
        logged.contains("\"request\"") && logged.contains("persona saved"),
        "logs were captured"
    );
    assert!(!logged.contains(MARK), "user text reached a log line");
    assert!(!logged.contains(KEY), "a key reached a log line");
    for id in [&id, &file_id, &unread] {
        assert!(
            !logged.contains(id.as_str()),
            "a persona id reached a log line"
        );
        // What the logs carry instead: the id's tag (the save's line names it).
        let tag = persona_ports::IdTag::of(&persona_domain::PersonaId::parse(id).expect("an id"));
        assert!(
            logged.contains(&format!("\"persona_tag\":\"{tag}\"")),
            "the tag of a saved id names it in the logs"
        );
    }
    // One JSON object per line, and one request line per request with what an operator needs.
    let lines: Vec<serde_json::Value> = logged
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is JSON"))
        .collect();
    let processed = lines
        .iter()
        .find(|l| {
            l["fields"]["message"] == "request"
                && l["fields"]["route"] == "process-persona"
                && l["fields"]["status"] == 200
                && l["fields"]["adapter"] == "openai"
        })
        .expect("a request line for a successful process with the OpenAI adapter");
    for field in [
        "request_id",
        "duration_ms",
        "adapter",
        "attempts",
        "prompt_tokens",
        "completion_tokens",
    ] {
        assert!(
            !processed["fields"][field].is_null(),
            "{field} in {processed}"
        );
    }
    assert_eq!(processed["fields"]["prompt_tokens"], 300);
    assert_eq!(processed["fields"]["attempts"], 1);
}
