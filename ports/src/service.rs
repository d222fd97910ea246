//! [`PersonaService`]: the three use cases, written once against the ports.

use std::sync::Arc;

use chrono::Utc;
use persona_domain::chunk::ChunkSettings;
use persona_domain::{
    Grounding, GroundingMode, Persona, PersonaId, SourceBundle, SourceCounts, StoredPersona,
    Warning, ground,
};
use tracing::{info, warn};

use crate::IdTag;
use crate::extractor::{ExtractFailure, PersonaExtractor, Usage};
use crate::offload::{Offload, offloaded};
use crate::records::{NoRecords, RecordStore};
use crate::store::{PersonaStore, StoreError};

pub mod cache;

pub use cache::ProcessCache;

/// How many fresh ids a save tries when the store says an id is taken. With 126-bit ids a single
/// collision is already astronomically unlikely; more than one means the store is misbehaving.
const MAX_ID_ATTEMPTS: u32 = 3;

/// The use cases: process material into a persona, save an approved one, get a saved one.
#[derive(Debug, Clone)]
pub struct PersonaService {
    extractor: Arc<dyn PersonaExtractor>,
    store: Arc<dyn PersonaStore>,
    /// Where jobs and the process cache are kept, beside the personas.
    records: Arc<dyn RecordStore>,
    grounding: GroundingMode,
    /// Where the rules and the grounding run; `None`: on the caller's task.
    offload: Option<Offload>,
    /// Chunks of one long material extracted at once.
    chunk_parallelism: usize,
    /// Where process results are kept for a repeat; `None`: every processing is fresh.
    cache: Option<ProcessCache>,
}

/// The outcome of processing: a checked persona, what the source supports in it, what the rules
/// changed, and what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    pub persona: Persona,
    /// What the source supports in the persona, field by field.
    pub grounding: Grounding,
    /// What the merge of a chunked extraction, the rules and the grounding changed, in that
    /// order.
    pub warnings: Vec<Warning>,
    /// Every call's cost, over every chunk.
    pub usage: Usage,
    /// The chunks of the material read, each in its own call (1 when it fitted one call).
    pub chunks: u32,
    /// Whether the answer came from a cache rather than the extractor.
    pub cached: bool,
    /// From the cache: what the original extraction cost (`usage` is then 0 tokens).
    pub original_usage: Option<Usage>,
}

/// What a client asked of one processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcessOptions {
    /// Extract afresh: no cached result may answer (`Cache-Control: no-cache`).
    pub fresh: bool,
}

/// How far a processing has got: the chunks of the material extracted so far, of how many, and
/// the completion tokens they cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub chunks_done: u32,
    pub chunks_total: u32,
    pub completion_tokens: u32,
}

impl PersonaService {
    /// The service over these ports, grounding in [`GroundingMode::Flag`], keeping no records
    /// (no jobs, no cache) until it is given a store for them ([`PersonaService::with_records`]).
    pub fn new(extractor: Arc<dyn PersonaExtractor>, store: Arc<dyn PersonaStore>) -> Self {
        Self {
            extractor,
            store,
            records: Arc::new(NoRecords),
            grounding: GroundingMode::default(),
            offload: None,
            chunk_parallelism: chunked::DEFAULT_CHUNK_PARALLELISM,
            cache: None,
        }
    }

    /// The same service, extracting at most `parallelism` chunks of one long material at once
    /// (at least one). Wiring gives it the extractor's own limit, `LLM_MAX_CONCURRENCY`, so the
    /// chunks of one request do not queue behind each other at the model.
    #[must_use]
    pub fn with_chunk_parallelism(mut self, parallelism: usize) -> Self {
        self.chunk_parallelism = parallelism.max(1);
        self
    }

    /// The same service, running the rules and the grounding of a processed persona through
    /// `offload` (they take CPU time that grows with the source).
    #[must_use]
    pub fn with_offload(mut self, offload: Offload) -> Self {
        self.offload = Some(offload);
        self
    }

    /// The same service, keeping jobs and cached results in `records`.
    #[must_use]
    pub fn with_records(mut self, records: Arc<dyn RecordStore>) -> Self {
        self.records = records;
        self
    }

    /// The same service, keeping process results in its records with `cache` and answering a
    /// repeat of the same material from there.
    #[must_use]
    pub fn with_process_cache(mut self, cache: ProcessCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// The process cache, when there is one.
    pub fn process_cache(&self) -> Option<&ProcessCache> {
        self.cache.as_ref()
    }

    /// Where jobs and cached results are kept.
    pub fn records(&self) -> &Arc<dyn RecordStore> {
        &self.records
    }

    /// The same service, grounding processed personas in `mode`.
    #[must_use]
    pub fn with_grounding(mut self, mode: GroundingMode) -> Self {
        self.grounding = mode;
        self
    }

    /// The grounding mode processed personas get.
    pub fn grounding_mode(&self) -> GroundingMode {
        self.grounding
    }

    /// The extractor's name, for health and logs.
    pub fn extractor_name(&self) -> &'static str {
        self.extractor.name()
    }

    /// The store's name, for health and logs.
    pub fn store_name(&self) -> &'static str {
        self.store.name()
    }

    /// Extracts a draft from `bundle`, applies the domain's rules to it, then grounds it in
    /// `bundle` (in strict mode, removing what the source does not support).
    ///
    /// # Errors
    ///
    /// The extractor's failure, unchanged: why, and what the failed attempts cost (also logged
    /// here), so the caller's request log can report it too.
    pub async fn process(&self, bundle: &SourceBundle) -> Result<Processed, ExtractFailure> {
        self.process_observed(bundle, ProcessOptions::default(), &|_| {})
            .await
    }

    /// [`PersonaService::process`] with the client's `options`, telling `on_progress` how far it
    /// has got as it goes (a background job keeps the latest report for its pollers).
    ///
    /// # Errors
    ///
    /// As [`PersonaService::process`].
    #[tracing::instrument(name = "process", skip_all, fields(extractor = self.extractor.name(), blocks = bundle.text_blocks().len(), links = bundle.links().len()))]
    pub async fn process_observed(
        &self,
        bundle: &SourceBundle,
        options: ProcessOptions,
        on_progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Processed, ExtractFailure> {
        // Asked once: the cache key and the extraction both need it, and a model's budget costs
        // a count of the instructions and the links with its tokenizer.
        let settings = self.chunk_settings(bundle);
        let Some(cache) = &self.cache else {
            return self.extract_fresh(bundle, settings, on_progress).await;
        };
        // How the material would be cut decides the result too (`none`: it is read whole).
        let chunking = settings.map_or_else(|| "none".to_owned(), |settings| settings.to_string());
        let key = cache.key(
            bundle,
            &self.extractor.fingerprint(),
            &chunking,
            self.grounding,
        );
        if !options.fresh
            && let Some(hit) = cache.lookup(self.records.as_ref(), &key).await
        {
            on_progress(Progress {
                chunks_done: 1,
                chunks_total: 1,
                completion_tokens: 0,
            });
            return Ok(hit);
        }
        // Failures are returned before anything is kept: they are never cached.
        let processed = self.extract_fresh(bundle, settings, on_progress).await?;
        cache.keep(self.records.as_ref(), &key, &processed).await;
        Ok(processed)
    }

    /// Extracts, normalises and grounds `bundle` (cut by `settings`, as
    /// [`PersonaService::chunk_settings`] gave them), with no cache.
    async fn extract_fresh(
        &self,
        bundle: &SourceBundle,
        settings: Option<ChunkSettings>,
        on_progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Processed, ExtractFailure> {
        let extraction = match self.draft(bundle, settings, on_progress).await {
            Ok(extraction) => extraction,
            Err(failure) => {
                let none = Usage {
                    model: String::new(),
                    prompt_tokens: 0,
                    completion_tokens: 0,
                    attempts: 0,
                };
                let usage = failure.usage.as_ref().unwrap_or(&none);
                warn!(
                    error = %failure.error,
                    model = %usage.model,
                    attempts = usage.attempts,
                    prompt_tokens = usage.prompt_tokens,
                    completion_tokens = usage.completion_tokens,
                    "persona extraction failed"
                );
                return Err(failure);
            }
        };
        let (draft, mode, source) = (extraction.draft, self.grounding, bundle.clone());
        let (normalised_warnings, grounded) = offloaded(self.offload.as_ref(), move || {
            let normalised = Persona::from_draft(draft);
            (
                normalised.warnings,
                ground(normalised.persona, &source, mode),
            )
        })
        .await;
        let mut warnings = extraction.warnings;
        warnings.extend(normalised_warnings);
        warnings.extend(grounded.warnings);
        let counts = grounded.grounding.counts;
        info!(
            model = %extraction.usage.model,
            attempts = extraction.usage.attempts,
            prompt_tokens = extraction.usage.prompt_tokens,
            completion_tokens = extraction.usage.completion_tokens,
            chunks = extraction.chunks,
            warnings = warnings.len(),
            grounding = %self.grounding,
            quoted = counts.quoted,
            stated = counts.stated,
            inferred = counts.inferred,
            fabricated_quotes = counts.fabricated_quotes,
            "persona extracted"
        );
        Ok(Processed {
            persona: grounded.persona,
            grounding: grounded.grounding,
            warnings,
            usage: extraction.usage,
            chunks: extraction.chunks,
            cached: false,
            original_usage: None,
        })
    }

    /// Saves an approved persona under a fresh id, with the grounding the client kept for it
    /// (already checked against the persona). A taken id is never overwritten: the save draws a
    /// new id and tries again.
    ///
    /// # Errors
    ///
    /// The store's error; [`StoreError::Unexpected`] if the store reports every fresh id as taken.
    #[tracing::instrument(name = "save", skip_all, fields(store = self.store.name()))]
    pub async fn save(
        &self,
        persona: Persona,
        source: SourceCounts,
        grounding: Option<Grounding>,
    ) -> Result<StoredPersona, StoreError> {
        for _ in 0..MAX_ID_ATTEMPTS {
            let document = StoredPersona::new(fresh_id(), persona.clone(), source, Utc::now())
                .with_grounding(grounding.clone());
            match self.store.create(&document).await {
                Ok(()) => {
                    info!(persona_tag = %IdTag::of(document.id()), bytes = document.metadata().file_size, "persona saved");
                    return Ok(document);
                }
                Err(StoreError::AlreadyExists) => {
                    warn!("fresh persona id already taken; drawing another")
                }
                Err(error) => return Err(error),
            }
        }
        Err(StoreError::Unexpected(format!(
            "the store reported {MAX_ID_ATTEMPTS} fresh ids as taken"
        )))
    }

    /// Reads a saved persona.
    ///
    /// # Errors
    ///
    /// The store's error, unchanged.
    #[tracing::instrument(name = "get", skip_all, fields(store = self.store.name(), persona_tag = %IdTag::of(id)))]
    pub async fn get(&self, id: &PersonaId) -> Result<StoredPersona, StoreError> {
        self.store.get(id).await
    }
}

fn fresh_id() -> PersonaId {
    let id = nanoid::format(nanoid::rngs::default, &PersonaId::ALPHABET, PersonaId::LEN);
    PersonaId::parse(&id).expect("nanoid draws from the persona id alphabet")
}

mod chunked;
#[cfg(test)]
mod tests;
