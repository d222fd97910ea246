//! Nothing a person sends, no persona field and no key ever reaches a log line.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;

use super::helpers::spawn_app;

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

#[tokio::test]
async fn no_user_text_persona_field_or_key_is_logged_on_any_route() {
    let logs = captured();
    const MARK: &str = "Zebulon";
    const KEY: &str = "sk-marker-key-0451";
    let app = spawn_app(&[("OPENAI_API_KEY", KEY), ("SUPABASE_SERVICE_ROLE_KEY", KEY)]).await;

    let block = format!(
        "My name is {MARK} Quux. I am 40 years old. I love {MARK}ball. I live in {MARK}ville."
    );
    let link = format!("https://{MARK}.example/{MARK}");
    let processed = app.process(&[&block], &[&link]).await;
    assert_eq!(processed.status, 200);
    let saved = app.save(&processed.body["data"]["persona"]).await;
    let id = saved.body["data"]["id"].as_str().expect("id").to_owned();
    assert_eq!(app.get_persona(&id).await.status, 200);
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
