//! The little of llmock's control API these tests need: whether it answers, queueing a
//! behaviour for one test's model, and what is still queued.
//!
//! The workspace's own client (`tests/tests/suite/llmock/control.rs`) lives in the suite's test
//! binary, which this one cannot import; the conventions are the same: llmock at `LLMOCK_URL`
//! (default `http://127.0.0.1:18087`, where `.ci/start-llmock` starts it), a model name of the
//! test's own so tests can share one simulator, and a `SKIPPED` line when it is absent, unless
//! `REQUIRE_LLMOCK=1` (as in CI), where an absent simulator fails the test.

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

const DEFAULT_URL: &str = "http://127.0.0.1:18087";

/// The simulator, and the model name that isolates one test.
pub struct Llmock {
    url: String,
    pub model: String,
    http: reqwest::Client,
}

impl Llmock {
    /// The simulator for `test`, or `None` (after saying why on standard error) when it is
    /// absent and not required.
    pub async fn for_test(test: &str) -> Option<Self> {
        let url = std::env::var("LLMOCK_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
        let url = url.trim_end_matches('/').to_owned();
        let http = reqwest::Client::new();
        let health = format!("{url}/health");
        let reason = match http.get(&health).send().await {
            Ok(r) if r.status().is_success() => {
                // Unique enough to keep two runs of the same test apart on one simulator.
                let nanos = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos());
                let model = format!("persona-{test}-{}-{nanos}", std::process::id());
                return Some(Self { url, model, http });
            }
            Ok(r) => format!("{health} answered {}", r.status()),
            Err(e) => format!("{health} is unreachable: {e}"),
        };
        assert!(
            std::env::var("REQUIRE_LLMOCK").as_deref() != Ok("1"),
            "REQUIRE_LLMOCK=1 but llmock is not available: {reason}"
        );
        // The harness captures print!, not a direct write: a passing run still shows the skip,
        // under the test's name (the harness names each test's thread after it).
        let thread = std::thread::current();
        let name = thread.name().unwrap_or(test);
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {name}: {reason} (start it with .ci/start-llmock)"
        );
        None
    }

    /// The base URL `OPENAI_BASE_URL` is set to.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.url)
    }

    /// Queues `behavior` for this test's model.
    pub async fn script(&self, behavior: Value) {
        let mut behavior = behavior;
        behavior["match"] = json!({ "model": self.model });
        let answer = self
            .http
            .post(format!("{}/_llmock/scenario", self.url))
            .json(&json!({ "behaviors": [behavior] }))
            .send()
            .await
            .expect("llmock accepts scenarios");
        assert_eq!(answer.status().as_u16(), 201, "{:?}", answer.text().await);
    }

    /// How many behaviours queued for this test's model no request has met yet.
    pub async fn pending(&self) -> usize {
        let queue: Value = self
            .http
            .get(format!("{}/_llmock/scenario", self.url))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("llmock answers its control API")
            .json()
            .await
            .expect("JSON");
        queue["pending"]
            .as_array()
            .expect("a behaviour list")
            .iter()
            .filter(|b| b["match"]["model"] == self.model.as_str())
            .count()
    }
}
