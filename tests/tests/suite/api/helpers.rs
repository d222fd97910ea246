//! `spawn_app()`: the real application on a free port, and typed request helpers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use persona_app_http::config::logging_from_env;
use persona_app_http::startup::ServerHandle;
use persona_app_http::{Application, Config, Transport, telemetry};
use persona_domain::PersonaDraft;
use serde_json::{Value, json};
use tempfile::TempDir;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
    handle: ServerHandle,
    _dir: Option<TempDir>,
}

/// Starts the application with `vars` on top of a free port and a fresh data folder.
pub async fn spawn_app(vars: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_owned();
    let mut app = spawn_app_in(&path, vars).await;
    app._dir = Some(dir);
    app
}

/// Starts the application with `vars` and the given transport limits (short read timeouts).
pub async fn spawn_app_with(vars: &[(&str, &str)], transport: Transport) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_owned();
    let mut app = spawn(&path, vars, transport).await;
    app._dir = Some(dir);
    app
}

/// Starts the application over an existing data folder (for restarts).
pub async fn spawn_app_in(data_dir: &Path, vars: &[(&str, &str)]) -> TestApp {
    spawn(data_dir, vars, Transport::for_this_process()).await
}

async fn spawn(data_dir: &Path, vars: &[(&str, &str)], transport: Transport) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        telemetry::init(&logging_from_env());
    }
    let mut map: HashMap<String, String> = HashMap::from([
        ("HOST".into(), "127.0.0.1".into()),
        ("PORT".into(), "0".into()),
        ("PERSONA_DATA_DIR".into(), data_dir.display().to_string()),
        // Tests call faster than any client should; the limits have tests of their own.
        ("RATE_LIMIT_PER_MINUTE".into(), "0".into()),
    ]);
    map.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let config = Config::from_lookup(|name| map.get(name).cloned()).expect("config");
    let app = Application::build_with(&config, transport)
        .await
        .expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        data_dir: data_dir.to_owned(),
        handle,
        _dir: None,
    }
}

/// A response read whole: status, headers, and the body as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `field` of each of an error envelope's details, in order.
    pub fn detail_fields(&self) -> Vec<&str> {
        self.body["error"]["details"]
            .as_array()
            .expect("details")
            .iter()
            .filter_map(|d| d["field"].as_str())
            .collect()
    }

    /// The error code of an error envelope.
    pub fn code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or("<no error code>")
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body read");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("a JSON body")
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Answer {
        self.send(self.client.post(self.url(path)).json(body)).await
    }

    pub async fn process(&self, blocks: &[&str], links: &[&str]) -> Answer {
        self.post_json(
            "/api/process-persona",
            &json!({ "textBlocks": blocks, "links": links }),
        )
        .await
    }

    /// A save of `persona` with the grounding process-persona gave it.
    pub async fn save_grounded(&self, persona: &Value, grounding: &Value) -> Answer {
        self.post_json(
            "/api/save-persona",
            &json!({ "persona": persona, "source": { "blocks": 1, "links": 0 }, "grounding": grounding }),
        )
        .await
    }

    pub async fn save(&self, persona: &Value) -> Answer {
        self.post_json(
            "/api/save-persona",
            &json!({ "persona": persona, "source": { "blocks": 1, "links": 0 } }),
        )
        .await
    }

    pub async fn get_persona(&self, id: &str) -> Answer {
        self.send(
            self.client
                .get(self.url("/api/get-persona"))
                .query(&[("id", id)]),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.get_with(path, &[]).await
    }

    /// A GET with extra headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let request = headers
            .iter()
            .fold(self.client.get(self.url(path)), |r, (name, value)| {
                r.header(*name, *value)
            });
        self.send(request).await
    }

    /// A CORS preflight for a POST to `path` from `origin`.
    pub async fn preflight(&self, path: &str, origin: &str) -> Answer {
        let request = self
            .client
            .request(reqwest::Method::OPTIONS, self.url(path))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type");
        self.send(request).await
    }

    /// Stops the server gracefully and waits until it has.
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

pub const MAYA: &str = "Hi, my name is Maya Patel. I'm 34 years old and I work as a product designer. \
I live in Berlin. I love climbing, jazz and Korean cooking. I speak English and German.";

/// A fake OpenAI whose every chat completion is `draft`; point `OPENAI_BASE_URL` at its
/// `{uri}/v1`. It serves as long as the returned server lives.
pub async fn fake_openai(draft: &PersonaDraft) -> MockServer {
    fake_openai_answering(&serde_json::to_string(draft).expect("json")).await
}

/// A fake OpenAI whose every chat completion has `content` (costing 300 + 60 tokens); point
/// `OPENAI_BASE_URL` at its `{uri}/v1`.
pub async fn fake_openai_answering(content: &str) -> MockServer {
    let server = MockServer::start().await;
    let completion = json!({
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_760_000_000,
        "model": "gpt-4o-mini",
        "choices": [{
            "index": 0, "logprobs": null, "finish_reason": "stop",
            "message": { "role": "assistant", "refusal": null, "content": content },
        }],
        "usage": { "prompt_tokens": 300, "completion_tokens": 60, "total_tokens": 360 },
    });
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion))
        .mount(&server)
        .await;
    server
}
