//! A client for llmock's control API (`/_llmock/...`): queue scripted behaviours, read the
//! journal of requests served, and read the resilience verdict.
//!
//! Isolation: every test talks to the simulator under a model name of its own, every behaviour it
//! queues matches only that model, and it reads only the journal records of that model. Tests
//! can therefore share one simulator and run concurrently; nothing here clears shared state.

use serde_json::{Value, json};

/// The simulator, and the model name that isolates one test.
#[derive(Debug, Clone)]
pub struct Llmock {
    pub url: String,
    pub model: String,
    http: reqwest::Client,
}

/// One request the simulator served for this test's model.
#[derive(Debug, Clone)]
pub struct Served {
    pub seq: u64,
    pub status: u16,
    /// The fault llmock injected, by its label: `scenario:429`, `chaos:503`, `stream:…`.
    pub fault: Option<String>,
    /// Seconds from the request's arrival to its answer, as llmock measured them.
    pub seconds: f64,
    pub body: Value,
}

impl Llmock {
    /// The simulator at `url`, if it answers; otherwise why not.
    pub async fn connect(url: &str, test: &str) -> Result<Self, String> {
        let http = reqwest::Client::new();
        let health = format!("{url}/health");
        match http.get(&health).send().await {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => return Err(format!("{health} answered {}", r.status())),
            Err(e) => return Err(format!("{health} is unreachable: {e}")),
        }
        let id = nanoid::nanoid!(10, &nanoid::alphabet::SAFE);
        Ok(Self {
            url: url.to_owned(),
            model: format!("persona-{test}-{id}"),
            http,
        })
    }

    /// The base URL the adapter is configured with.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.url)
    }

    /// Queues `behaviors`, each scoped to this test's model.
    pub async fn script(&self, behaviors: &[Value]) {
        let scoped: Vec<Value> = behaviors
            .iter()
            .map(|b| {
                let mut b = b.clone();
                b["match"] = json!({ "model": self.model });
                b
            })
            .collect();
        let response = self
            .http
            .post(format!("{}/_llmock/scenario", self.url))
            .json(&json!({ "behaviors": scoped }))
            .send()
            .await
            .expect("llmock accepts scenarios");
        assert_eq!(
            response.status().as_u16(),
            201,
            "{:?}",
            response.text().await
        );
    }

    /// The behaviours queued for this test's model that no request has met yet.
    pub async fn pending(&self) -> Vec<Value> {
        let queue: Value = self.get("/_llmock/scenario").await;
        queue["pending"]
            .as_array()
            .expect("a behaviour list")
            .iter()
            .filter(|b| b["match"]["model"] == self.model.as_str())
            .cloned()
            .collect()
    }

    /// Every request served for this test's model, oldest first.
    pub async fn served(&self) -> Vec<Served> {
        self.served_for(std::slice::from_ref(&self.model)).await
    }

    /// Every request served for any of `models` (the models of one test's workers), oldest
    /// first, from a single read of the journal.
    pub async fn served_for(&self, models: &[String]) -> Vec<Served> {
        let journal: Value = self.get("/_llmock/requests").await;
        journal["requests"]
            .as_array()
            .expect("a request list")
            .iter()
            .filter(|r| models.iter().any(|m| r["model"] == m.as_str()))
            .map(|r| Served {
                seq: r["seq"].as_u64().expect("seq"),
                status: r["status"]
                    .as_u64()
                    .and_then(|s| u16::try_from(s).ok())
                    .expect("status"),
                fault: r["fault"].as_str().map(str::to_owned),
                seconds: r["duration"].as_f64().expect("duration"),
                body: r["body"].clone(),
            })
            .collect()
    }

    /// The verdict's errors (not warnings) about this test's requests: a client that retried
    /// too early, retried what cannot succeed, or stormed.
    pub async fn verdict_errors(&self, served: &[Served]) -> Vec<Value> {
        let verdict: Value = self.get("/_llmock/verdict").await;
        verdict["findings"]
            .as_array()
            .expect("a finding list")
            .iter()
            .filter(|f| f["severity"] == "error")
            .filter(|f| {
                f["requests"].as_array().is_some_and(|seqs| {
                    seqs.iter()
                        .any(|s| served.iter().any(|r| s.as_u64() == Some(r.seq)))
                })
            })
            .cloned()
            .collect()
    }

    async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("llmock answers its control API")
            .json()
            .await
            .expect("JSON")
    }
}
