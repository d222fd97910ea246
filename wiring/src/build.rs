//! Chooses and builds the adapters from a [`Config`], and the [`Api`] over them.
//!
//! Free of any web framework: both front doors build their adapters here, the same way.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;

use persona_adapters_fs::FsStore;
use persona_adapters_mock::{MemoryRecords, MemoryStore, MockExtractor};
use persona_adapters_openai::{OpenAiConfigError, OpenAiExtractor};
use persona_adapters_supabase::{ConnectError, SupabaseStore};
use persona_api::{Api, ApiSettings};
use persona_ports::{
    CachedStore, Offload, PersonaExtractor, PersonaService, PersonaStore, RecordStore,
};
use thiserror::Error;
use tokio::sync::Semaphore;
use tracing::{info, warn};

use crate::config::{BucketCheck, Config, MockStore, PersonaCache};
use crate::jobs::job_pool;
use crate::limit::LimitedExtractor;

/// Why the adapters could not be built.
#[derive(Debug, Error)]
pub enum WiringError {
    #[error("cannot open the persona data folder {path} (PERSONA_DATA_DIR): {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the OpenAI settings are wrong: {0}")]
    OpenAi(#[from] OpenAiConfigError),
    #[error("cannot use Supabase Storage: {0}")]
    Supabase(#[from] ConnectError),
}

/// Builds the API over the adapters `config` selects, and logs which ones run.
///
/// - `USE_MOCK_DATA=true`: the mock extractor and the in-memory store with two samples (or the
///   file store, when [`Config::mock_store`] says so: a function's memory dies with each call).
/// - otherwise the extractor is OpenAI when `OPENAI_API_KEY` or `OPENAI_BASE_URL` is set, else
///   the mock with a loud warning; the store is Supabase when `SUPABASE_URL` and
///   `SUPABASE_SERVICE_ROLE_KEY` are set (its private bucket is checked or created here, or on
///   the first bucket error under [`BucketCheck::OnBucketError`]), else the file store in
///   `PERSONA_DATA_DIR`.
///
/// # Errors
///
/// When an adapter cannot be built: a bad OpenAI setting, a Supabase server that cannot be used
/// (unreachable, wrong key, public bucket), or a data folder that cannot be opened.
pub async fn build_api(config: &Config) -> Result<Api, WiringError> {
    let offload = offload();
    let (extractor, model) = extractor(config, &offload)?;
    let (store, records, bucket) = store(config).await?;
    let store = cached(store, config);
    let api = assemble(config, offload, extractor, model, store, records, bucket);
    Ok(if config.jobs.pool {
        api.with_jobs(
            config.jobs.policy,
            job_pool(config.jobs.workers, config.jobs.queue),
        )
    } else {
        api
    })
}

/// Builds the API over the extractor `config` selects (as [`build_api`] does) and an empty
/// in-memory store, whatever the store settings say, with no process cache: for tools that only
/// process and never keep a persona, such as the evaluation command.
///
/// # Errors
///
/// When the extractor cannot be built (a bad OpenAI setting).
pub fn build_api_in_memory(config: &Config) -> Result<Api, WiringError> {
    let offload = offload();
    let (extractor, model) = extractor(config, &offload)?;
    let store = Arc::new(MemoryStore::new());
    let records = Arc::new(MemoryRecords::new());
    // An evaluation measures the model: a repeat must ask it again, never read a cached answer.
    let mut config = config.clone();
    config.process_cache.enabled = false;
    Ok(assemble(
        &config, offload, extractor, model, store, records, None,
    ))
}

/// The API over the chosen adapters; logs which ones run.
fn assemble(
    config: &Config,
    offload: Offload,
    extractor: Arc<dyn PersonaExtractor>,
    model: Option<String>,
    store: Arc<dyn PersonaStore>,
    records: Arc<dyn RecordStore>,
    bucket: Option<String>,
) -> Api {
    info!(
        mode = if config.mock_mode { "mock" } else { "real" },
        grounding = %config.grounding,
        extractor = extractor.name(),
        model,
        store = store.name(),
        records = records.name(),
        process_cache = config.process_cache.enabled,
        bucket,
        data_dir = (store.name() == "fs").then(|| config.data_dir.display().to_string()),
        "adapters selected"
    );
    let mut service = PersonaService::new(extractor, store).with_records(records);
    if let Some(cache) = config.process_cache.cache(config.signing.key.as_ref()) {
        service = service.with_process_cache(cache);
    }
    let service = service
        .with_grounding(config.grounding)
        .with_offload(offload.clone())
        .with_chunk_parallelism(chunk_parallelism(config));
    let api = Api::new(
        service,
        ApiSettings {
            cors: config.cors.clone(),
            mock_mode: config.mock_mode,
            model,
            bucket,
            rate_limits: config.rate_limits.clone(),
            deadline: config.request_deadline,
        },
    );
    api.with_timer(Arc::new(|deadline| Box::pin(tokio::time::sleep(deadline))))
        .with_signatures(config.signing.key(), config.signing.policy)
        .with_offload(offload)
        .with_mock_faults(config.mock_faults, Arc::new(rand::random::<f64>))
}

/// The most chunks of one long material extracted at once, whatever `LLM_MAX_CONCURRENCY`
/// allows: one long request leaves turns at the model for the others.
const MAX_CHUNK_PARALLELISM: u32 = 4;

/// Chunks of one material at once: within the extractor's own limit, so that they do not queue
/// behind each other for turns (and time out waiting), and at most [`MAX_CHUNK_PARALLELISM`].
fn chunk_parallelism(config: &Config) -> usize {
    config.llm_limit.max_concurrency.min(MAX_CHUNK_PARALLELISM) as usize
}

/// The CPU-heavy steps (reading bodies, the mock's reading, rules, grounding) on tokio's blocking
/// threads, at most one per core at a time: the async workers stay free for other requests
/// (health answers while large bodies are read), and a request waiting for its turn still meets
/// its deadline. A job whose request gave up keeps its turn until it ends: CPU work cannot be
/// interrupted, but every step is bounded, so it ends soon.
fn offload() -> Offload {
    let cores = std::thread::available_parallelism().map_or(2, NonZeroUsize::get);
    let turns = Arc::new(Semaphore::new(cores));
    Offload::new(move |job| {
        let turns = Arc::clone(&turns);
        Box::pin(async move {
            let turn = turns
                .acquire_owned()
                .await
                .expect("the offload's semaphore is never closed");
            let ran = tokio::task::spawn_blocking(move || {
                let _turn = turn;
                job();
            })
            .await;
            // A job that panicked panics here, on the request's task, as it would have inline.
            if let Err(error) = ran
                && error.is_panic()
            {
                std::panic::resume_unwind(error.into_panic());
            }
        })
    })
}

/// The extractor, and the model it asks (`None` for the mock).
fn extractor(
    config: &Config,
    offload: &Offload,
) -> Result<(Arc<dyn PersonaExtractor>, Option<String>), WiringError> {
    let mock = || {
        let mock = MockExtractor::new().with_offload(offload.clone());
        match config.mock_chunk_chars {
            Some(chars) => mock.with_chunk_chars(chars),
            None => mock,
        }
    };
    if config.mock_mode {
        return Ok((Arc::new(mock()), None));
    }
    if !config.openai_configured {
        warn!(
            "neither OPENAI_API_KEY nor OPENAI_BASE_URL is set: process-persona uses the MOCK extractor, which reads simple phrases and calls no model"
        );
        return Ok((Arc::new(mock()), None));
    }
    let extractor = OpenAiExtractor::new(config.openai.clone())?;
    let limited = LimitedExtractor::new(Arc::new(extractor), config.llm_limit);
    Ok((Arc::new(limited), Some(config.openai.model.clone())))
}

/// `store` behind the in-process cache of saved personas, unless `PERSONA_CACHE_BYTES` is 0.
fn cached(store: Arc<dyn PersonaStore>, config: &Config) -> Arc<dyn PersonaStore> {
    let PersonaCache {
        max_bytes,
        fresh_for,
    } = config.persona_cache;
    info!(
        max_bytes,
        fresh_for_ms = fresh_for.as_millis(),
        "persona cache"
    );
    if max_bytes == 0 {
        return store;
    }
    Arc::new(CachedStore::new(store, max_bytes, fresh_for))
}

/// The store, where jobs and the process cache are kept (beside the personas: the same memory,
/// folder or bucket, so every instance and every function shares them), and the bucket it
/// writes to (`None` unless Supabase).
async fn store(config: &Config) -> Result<Stores, WiringError> {
    if config.mock_mode && config.mock_store == MockStore::Memory {
        return Ok((
            Arc::new(MemoryStore::with_samples()),
            Arc::new(MemoryRecords::new()),
            None,
        ));
    }
    if let (false, Some(supabase)) = (config.mock_mode, &config.supabase) {
        let store = Arc::new(match config.bucket_check {
            BucketCheck::AtStart => SupabaseStore::connect(supabase.clone()).await?,
            BucketCheck::OnBucketError => SupabaseStore::open(supabase.clone())?,
        });
        let bucket = store.bucket().to_owned();
        return Ok((store.clone(), store, Some(bucket)));
    }
    let store = FsStore::open(&config.data_dir).map_err(|source| WiringError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let store = Arc::new(store);
    Ok((store.clone(), store, None))
}

/// The persona store, the record store beside it, and the bucket (`None` unless Supabase).
type Stores = (Arc<dyn PersonaStore>, Arc<dyn RecordStore>, Option<String>);

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use persona_api::Request;
    use serde_json::Value;

    use super::*;

    /// The adapters `vars` select, as health reports them.
    async fn selected(vars: &[(&str, &str)]) -> Value {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        map.insert("PERSONA_DATA_DIR".into(), dir.path().display().to_string());
        let config = Config::from_lookup(|name| map.get(name).cloned()).expect("config");
        let api = build_api(&config).await.expect("adapters build");
        let answer = api.handle(Request::new("GET", "/api/health")).await;
        let body: Value = serde_json::from_slice(&answer.body).expect("json");
        body["data"].clone()
    }

    #[tokio::test]
    async fn nothing_configured_is_the_mock_extractor_over_files() {
        let health = selected(&[]).await;
        assert_eq!(
            (&health["mode"], &health["extractor"], &health["store"]),
            (&"real".into(), &"mock".into(), &"fs".into())
        );
        assert!(health.get("model").is_none() && health.get("bucket").is_none());
    }

    #[tokio::test]
    async fn a_base_url_alone_selects_the_openai_extractor() {
        let health = selected(&[
            ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"),
            ("OPENAI_MODEL", "llama3.1"),
        ])
        .await;
        assert_eq!(
            (&health["extractor"], &health["model"]),
            (&"openai".into(), &"llama3.1".into())
        );
    }

    #[tokio::test]
    async fn mock_mode_wins_over_every_real_adapter_and_calls_nothing() {
        // The Supabase URL points nowhere: connecting would fail, so mock mode must not try.
        let health = selected(&[
            ("USE_MOCK_DATA", "true"),
            ("OPENAI_API_KEY", "sk-unused"),
            ("SUPABASE_URL", "http://127.0.0.1:9"),
            ("SUPABASE_SERVICE_ROLE_KEY", "unused"),
        ])
        .await;
        assert_eq!(
            (&health["mode"], &health["extractor"], &health["store"]),
            (&"mock".into(), &"mock".into(), &"memory".into())
        );
    }

    #[tokio::test]
    async fn the_in_memory_build_keeps_the_extractor_and_ignores_every_store_setting() {
        // The Supabase URL points nowhere and the data folder cannot exist: neither is touched.
        let vars: HashMap<&str, &str> = HashMap::from([
            ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"),
            ("OPENAI_MODEL", "llama3.1"),
            ("SUPABASE_URL", "http://127.0.0.1:9"),
            ("SUPABASE_SERVICE_ROLE_KEY", "unused"),
            ("PERSONA_DATA_DIR", "/dev/null/not-a-folder"),
        ]);
        let config =
            Config::from_lookup(|name| vars.get(name).map(|v| (*v).to_owned())).expect("config");
        let api = build_api_in_memory(&config).expect("adapters build");
        let answer = api.handle(Request::new("GET", "/api/health")).await;
        let body: Value = serde_json::from_slice(&answer.body).expect("json");
        assert_eq!(
            (
                &body["data"]["mode"],
                &body["data"]["extractor"],
                &body["data"]["model"],
                &body["data"]["store"]
            ),
            (
                &"real".into(),
                &"openai".into(),
                &"llama3.1".into(),
                &"memory".into()
            )
        );
        assert!(body["data"].get("bucket").is_none());
    }

    #[tokio::test]
    async fn the_grounding_mode_reaches_the_answers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data_dir = dir.path().display().to_string();
        let config = Config::from_lookup(|name| match name {
            "GROUNDING" => Some("strict".to_owned()),
            "PERSONA_DATA_DIR" => Some(data_dir.clone()),
            _ => None,
        })
        .expect("config");
        let api = build_api(&config).await.expect("adapters build");
        let answer = api
            .handle(
                Request::new("POST", "/api/process-persona")
                    .with_header("content-type", "application/json")
                    .with_body(r#"{"textBlocks":["My name is Ada."]}"#),
            )
            .await;
        let body: Value = serde_json::from_slice(&answer.body).expect("json");
        assert_eq!(body["data"]["grounding"]["mode"], "strict", "{body}");
    }

    #[tokio::test]
    async fn the_mock_fault_rate_reaches_the_answers() {
        let answer = |rate: &'static str| async move {
            let config = Config::from_lookup(|name| match name {
                "USE_MOCK_DATA" => Some("true".to_owned()),
                "MOCK_FAULT_RATE" => Some(rate.to_owned()),
                _ => None,
            })
            .expect("config");
            let api = build_api(&config).await.expect("adapters build");
            let get =
                Request::new("GET", "/api/get-persona").with_query("id=AAAAAAAAAAAAAAAAAAAAA");
            api.handle(get).await.status
        };
        // Every fault of get-persona is a 5xx or a 429; a persona never saved is a 404.
        for _ in 0..5 {
            assert!(matches!(answer("1").await, 429 | 500 | 503 | 504));
            assert_eq!(answer("0").await, 404);
        }
    }

    #[tokio::test]
    async fn a_bad_base_url_is_refused_at_start() {
        let config =
            Config::from_lookup(|name| (name == "OPENAI_BASE_URL").then(|| "not a url".to_owned()))
                .expect("config");
        let error = build_api(&config).await.expect_err("refused");
        assert!(matches!(error, WiringError::OpenAi(_)), "{error}");
    }
}
