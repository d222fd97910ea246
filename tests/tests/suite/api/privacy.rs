//! Nothing a person sends, no persona field and no key ever reaches a log line.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use persona_domain::PersonaDraft;
use persona_tests::fake_supabase::{FakeKeys, FakeSupabase};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use wiremock::MockServer;

use super::helpers::{fake_openai, spawn_app};

/// Everything any test in this binary logs, at every level.
fn captured() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
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
    // An upstream failure logs its cause: still no marker.
    supabase.set_faults(persona_tests::fake_supabase::Faults {
        fail_503_ratio: 1.0,
        ..Default::default()
    });
    assert_eq!(app.get_persona(&id).await.status, 503);
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

    let logged = String::from_utf8(logs.lock().expect("lock").clone()).expect("utf8");
    assert!(
        logged.contains("request") && logged.contains("persona saved"),
        "logs were captured"
    );
    assert!(!logged.contains(MARK), "user text reached a log line");
    assert!(!logged.contains(KEY), "a key reached a log line");
}
