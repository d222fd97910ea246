//! Running the real pipeline over the corpus: the configuration, the API built through the
//! composition root, and one process-persona request per case.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use persona_api::{Api, Request};
use persona_wiring::config::ConfigError;
use persona_wiring::{Config, WiringError, build_api_in_memory};
use serde_json::json;
use tokio::sync::Mutex;

use crate::answer::Answer;
use crate::corpus::Case;
use crate::figures::CaseResult;
use crate::score::score;
use crate::table::Report;

/// Which extractor the pipeline runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The deterministic mock extractor.
    Mock,
    /// An OpenAI-compatible server. The key comes from `OPENAI_API_KEY` only; the model, when
    /// `None`, from `OPENAI_MODEL` or the service's default.
    Endpoint {
        base_url: String,
        model: Option<String>,
    },
}

/// How to run an evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub target: Target,
    /// `flag` or `strict`, passed to the service as `GROUNDING`; `None` leaves the service's
    /// default (or the environment's `GROUNDING`).
    pub grounding: Option<String>,
    /// Cases in flight at once (at least 1).
    pub concurrency: usize,
}

/// Why the pipeline could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),
    #[error("cannot build the pipeline: {0}")]
    Wiring(#[from] WiringError),
}

/// Settings the evaluation decides itself: the store is always in memory, so store, server and
/// CORS settings are ignored whatever the environment holds.
const IGNORED: &[&str] = &[
    "NEXT_PUBLIC_USE_MOCK_DATA",
    "SUPABASE_URL",
    "SUPABASE_SERVICE_ROLE_KEY",
    "SUPABASE_BUCKET",
    "PERSONA_DATA_DIR",
    "HOST",
    "PORT",
    "ALLOWED_ORIGINS",
];

/// The service's configuration for `settings` (see [`lookup`]).
///
/// # Errors
///
/// When a setting read through `env` cannot be understood.
pub fn config(
    settings: &Settings,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    Config::from_lookup(lookup(settings, env))
}

/// The settings the service reads: the target and grounding from `settings`, every other model
/// setting (`OPENAI_API_KEY`, `MAX_TOKENS`, `PROCESS_DEADLINE_MS`, …) through `env`, and no
/// store, server or CORS setting.
pub fn lookup(
    settings: &Settings,
    env: impl Fn(&str) -> Option<String>,
) -> impl Fn(&str) -> Option<String> {
    let mock = settings.target == Target::Mock;
    move |name| match (name, &settings.target) {
        (name, _) if IGNORED.contains(&name) => None,
        ("USE_MOCK_DATA", _) => Some(mock.to_string()),
        // One client sending a whole corpus is not abuse: no per-client budget.
        ("RATE_LIMIT_PER_MINUTE", _) => Some("0".to_owned()),
        ("OPENAI_API_KEY" | "OPENAI_BASE_URL", Target::Mock) => None,
        ("OPENAI_BASE_URL", Target::Endpoint { base_url, .. }) => Some(base_url.clone()),
        ("OPENAI_MODEL", Target::Endpoint { model: Some(m), .. }) => Some(m.clone()),
        ("GROUNDING", _) => settings.grounding.clone().or_else(|| env(name)),
        (name, _) => env(name),
    }
}

/// Runs every case through the pipeline `settings` select (over an in-memory store) and reports
/// the figures.
///
/// # Errors
///
/// When the configuration or the extractor cannot be built.
pub async fn evaluate(
    settings: &Settings,
    cases: &[Case],
    env: impl Fn(&str) -> Option<String>,
) -> Result<Report, BuildError> {
    let config = config(settings, env)?;
    let api = build_api_in_memory(&config)?;
    let target = if config.mock_mode {
        "mock extractor".to_owned()
    } else {
        format!("model {}", config.openai.model)
    };
    let results = run(&api, cases, settings.concurrency).await;
    Ok(Report::new(target, settings.grounding.clone(), &results))
}

/// Sends each case through `api` as a process-persona request, `concurrency` at a time, and
/// scores the answers. Results come back in corpus order.
pub async fn run(api: &Api, cases: &[Case], concurrency: usize) -> Vec<CaseResult> {
    let cases: Arc<[Case]> = cases.into();
    let next = Arc::new(AtomicUsize::new(0));
    let results = Arc::new(Mutex::new(Vec::with_capacity(cases.len())));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (api, cases, next, results) = (
            api.clone(),
            Arc::clone(&cases),
            Arc::clone(&next),
            Arc::clone(&results),
        );
        workers.spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(index) else { break };
                let result = run_case(&api, case).await;
                results.lock().await.push((index, result));
            }
        });
    }
    while let Some(joined) = workers.join_next().await {
        if let Err(e) = joined
            && e.is_panic()
        {
            // A worker panicked: a bug, not an outcome to score.
            std::panic::resume_unwind(e.into_panic());
        }
    }
    let mut results = std::mem::take(&mut *results.lock().await);
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// One case: the request, the answer, its scores and how long it took.
pub async fn run_case(api: &Api, case: &Case) -> CaseResult {
    let body = json!({"textBlocks": case.text_blocks, "links": case.links});
    let request = Request::new("POST", "/api/process-persona")
        .with_header("content-type", "application/json")
        .with_body(body.to_string());
    let started = Instant::now();
    let response = api.handle(request).await;
    let latency = started.elapsed();
    let answer = Answer::read(response.status, &response.body);
    let persona = match &answer {
        Answer::Persona { persona, .. } => Some(persona),
        Answer::Error { .. } => None,
    };
    CaseResult {
        case: case.name.clone(),
        tallies: score(&case.labels, persona),
        answer,
        latency,
    }
}

#[cfg(test)]
mod tests;
