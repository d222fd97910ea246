//! Chooses and builds the adapters from a [`Config`], and the [`Api`] over them.
//!
//! Free of actix on purpose: the Netlify front door will build its adapters the same way.

use std::path::PathBuf;
use std::sync::Arc;

use persona_adapters_fs::FsStore;
use persona_adapters_mock::{MemoryStore, MockExtractor};
use persona_api::{Api, ApiSettings};
use persona_ports::{PersonaExtractor, PersonaService, PersonaStore};
use thiserror::Error;
use tracing::{info, warn};

use crate::config::Config;

/// Why the adapters could not be built.
#[derive(Debug, Error)]
pub enum WiringError {
    #[error("cannot open the persona data folder {path} (PERSONA_DATA_DIR): {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Builds the API over the adapters `config` selects, and logs which ones run.
///
/// - `USE_MOCK_DATA=true`: the mock extractor and the in-memory store with two samples.
/// - otherwise: the file store in `PERSONA_DATA_DIR`, and the mock extractor with a loud warning
///   (no LLM adapter is built into this version yet).
///
/// # Errors
///
/// When the data folder cannot be created or read.
pub fn build_api(config: &Config) -> Result<Api, WiringError> {
    let extractor: Arc<dyn PersonaExtractor> = Arc::new(MockExtractor::new());
    let store: Arc<dyn PersonaStore> = if config.mock_mode {
        Arc::new(MemoryStore::with_samples())
    } else {
        if config.supabase_url.is_some() || config.supabase_service_role_key.is_some() {
            warn!(
                "SUPABASE_URL/SUPABASE_SERVICE_ROLE_KEY are set, but this build has no Supabase store yet; using the file store"
            );
        }
        let store = FsStore::open(&config.data_dir).map_err(|source| WiringError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        Arc::new(store)
    };
    if !config.mock_mode {
        if config.openai_api_key.is_some() {
            warn!(
                "OPENAI_API_KEY is set, but this build has no OpenAI extractor yet; using the mock extractor"
            );
        } else {
            warn!(
                "no OPENAI_API_KEY: process-persona uses the MOCK extractor, which reads simple phrases and calls no model"
            );
        }
    }
    info!(
        mode = if config.mock_mode { "mock" } else { "real" },
        extractor = extractor.name(),
        store = store.name(),
        data_dir = (store.name() == "fs").then(|| config.data_dir.display().to_string()),
        "adapters selected"
    );
    let service = PersonaService::new(extractor, store);
    Ok(Api::new(
        service,
        ApiSettings {
            cors: config.cors.clone(),
            mock_mode: config.mock_mode,
        },
    ))
}
