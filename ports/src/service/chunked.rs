//! The extraction step of processing: one call when the material fits the extractor, else one
//! call per chunk ([`persona_domain::chunk`]), a few at a time, merged in the domain
//! ([`persona_domain::merge`]).
//!
//! Material that fits (and any material for an extractor with no [`PersonaExtractor::chunk_budget`])
//! goes to the extractor whole, exactly as before chunking existed. It is measured exactly only
//! when the extractor's cheap [`PersonaExtractor::measure_bound`] does not already show it fits:
//! a model's adapter counts the prompt with its tokenizer before each call anyway, so material
//! within the bound is counted once, there. A chunk that fails after the
//! extractor's own retries fails the whole extraction: a persona is never made of some chunks
//! silently. `usage` adds up every call of every chunk, the failed one's included.

use std::sync::atomic::{AtomicU32, Ordering};

use futures_util::StreamExt;
use futures_util::stream;
use persona_domain::chunk::{ChunkError, ChunkSettings, fits_whole, split};
use persona_domain::merge::merge;
use persona_domain::{PersonaDraft, SourceBundle, Warning};
use tracing::info;

use super::{PersonaService, Progress};
use crate::extractor::{ExtractError, ExtractFailure, MeasureUnit, Usage};
use crate::offload::offloaded;

/// Chunks extracted at once by one processing when the service is not told otherwise
/// ([`PersonaService::with_chunk_parallelism`]); the extractor's own limit (wiring's
/// `LimitedExtractor`) still bounds the calls at the model across every request.
pub(super) const DEFAULT_CHUNK_PARALLELISM: usize = 2;

/// A draft of the whole material, what its calls cost, what the merge found, and how many chunks
/// were read.
#[derive(Debug)]
pub(super) struct Drafted {
    pub draft: PersonaDraft,
    pub usage: Usage,
    pub warnings: Vec<Warning>,
    pub chunks: u32,
}

impl PersonaService {
    /// How this service's extractor would cut `bundle`: `None` when it never cuts. Its
    /// [`std::fmt::Display`] is a stable fingerprint, with the extractor's name, for a cache key.
    pub fn chunk_settings(&self, bundle: &SourceBundle) -> Option<ChunkSettings> {
        let budget = self.extractor.chunk_budget(bundle)?;
        Some(ChunkSettings::new(budget as usize))
    }

    /// Extracts a draft of `bundle`, in chunks under `settings` (this service's
    /// [`PersonaService::chunk_settings`] for it) when it does not fit one call, telling
    /// `on_progress` after each chunk and as the model streams its answers (the completion
    /// tokens so far: the ended chunks' counted ones and the running chunks' streamed ones).
    pub(super) async fn draft(
        &self,
        bundle: &SourceBundle,
        settings: Option<ChunkSettings>,
        on_progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Drafted, ExtractFailure> {
        let chunks = match settings {
            None => vec![bundle.clone()],
            Some(settings) => {
                let (extractor, material) = (self.extractor.clone(), bundle.clone());
                offloaded(self.offload.as_ref(), move || {
                    // Material that fits even by the bound is what `split` would send whole:
                    // it goes unmeasured, and a model's adapter counts its prompt once, itself.
                    let bound = |text: &str| {
                        extractor
                            .measure_bound(text)
                            .map_or(usize::MAX, |n| n as usize)
                    };
                    if fits_whole(&material, settings, &bound) {
                        return Ok(vec![material]);
                    }
                    split(&material, settings, &|text| {
                        extractor.measure(text) as usize
                    })
                })
                .await
                .map_err(|error| {
                    ExtractFailure::from(refusal(error, self.extractor.measure_unit()))
                })?
            }
        };
        let total = u32::try_from(chunks.len()).unwrap_or(u32::MAX);
        on_progress(Progress {
            chunks_done: 0,
            chunks_total: total,
            completion_tokens: 0,
        });
        if let [whole] = chunks.as_slice() {
            let streamed = |tokens| {
                on_progress(Progress {
                    chunks_done: 0,
                    chunks_total: 1,
                    completion_tokens: tokens,
                });
            };
            let extraction = self.extractor.extract_observed(whole, &streamed).await?;
            on_progress(Progress {
                chunks_done: 1,
                chunks_total: 1,
                completion_tokens: extraction.usage.completion_tokens,
            });
            return Ok(Drafted {
                draft: extraction.draft,
                usage: extraction.usage,
                warnings: Vec::new(),
                chunks: 1,
            });
        }

        info!(chunks = total, "material split into chunks");
        let count = chunks.len();
        // Each chunk's completion tokens: streamed so far while it runs, counted once it ended.
        let tokens: Vec<AtomicU32> = (0..count).map(|_| AtomicU32::new(0)).collect();
        let ended = AtomicU32::new(0);
        let tell = |index: usize, chunk_tokens: u32| {
            tokens[index].store(chunk_tokens, Ordering::Relaxed);
            on_progress(Progress {
                chunks_done: ended.load(Ordering::Relaxed),
                chunks_total: total,
                completion_tokens: tokens
                    .iter()
                    .map(|t| t.load(Ordering::Relaxed))
                    .fold(0, u32::saturating_add),
            });
        };
        // Each call owns its chunk and a handle on the extractor: a stream of futures that
        // borrowed them would not be `Send` for every lifetime, as a spawned task needs.
        let extractor = self.extractor.clone();
        let tell = &tell;
        let mut calls = stream::iter(chunks.into_iter().enumerate())
            .map(move |(index, chunk)| {
                let extractor = extractor.clone();
                async move {
                    let streamed = |chunk_tokens| tell(index, chunk_tokens);
                    (index, extractor.extract_observed(&chunk, &streamed).await)
                }
            })
            .buffer_unordered(self.chunk_parallelism.max(1));
        let mut drafts: Vec<Option<PersonaDraft>> = vec![None; count];
        let mut usage: Option<Usage> = None;
        while let Some((index, outcome)) = calls.next().await {
            match outcome {
                Ok(extraction) => {
                    add(&mut usage, &extraction.usage);
                    ended.fetch_add(1, Ordering::Relaxed);
                    tell(index, extraction.usage.completion_tokens);
                    drafts[index] = Some(extraction.draft);
                }
                Err(failure) => {
                    // The calls still running are dropped with the stream: their cost is unknown.
                    if let Some(spent) = &failure.usage {
                        add(&mut usage, spent);
                    }
                    tracing::warn!(
                        chunk = index,
                        chunks = total,
                        "a chunk of the material failed; the extraction fails"
                    );
                    return Err(ExtractFailure {
                        error: failure.error,
                        usage,
                    });
                }
            }
        }
        let usage = usage.expect("every chunk answered, so at least one did");
        let drafts: Vec<PersonaDraft> = drafts.into_iter().flatten().collect();
        let material = bundle.clone();
        let merged = offloaded(self.offload.as_ref(), move || merge(drafts, &material)).await;
        Ok(Drafted {
            draft: merged.draft,
            usage,
            warnings: merged.warnings,
            chunks: total,
        })
    }
}

/// Why material cannot be chunked, as the port says it, sizes in `unit`.
fn refusal(error: ChunkError, unit: MeasureUnit) -> ExtractError {
    let small = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    match error {
        ChunkError::Unsplittable {
            block,
            size,
            budget,
        } => ExtractError::Unsplittable {
            block,
            size: small(size),
            limit: small(budget),
            unit,
        },
        ChunkError::TooManyChunks { needed, max } => ExtractError::TooManyChunks {
            chunks: small(needed),
            max: small(max),
        },
    }
}

/// Adds `more` to `sum`; the model is the first call's.
fn add(sum: &mut Option<Usage>, more: &Usage) {
    match sum {
        None => *sum = Some(more.clone()),
        Some(sum) => {
            sum.prompt_tokens = sum.prompt_tokens.saturating_add(more.prompt_tokens);
            sum.completion_tokens = sum.completion_tokens.saturating_add(more.completion_tokens);
            sum.attempts = sum.attempts.saturating_add(more.attempts);
            if sum.model.is_empty() {
                sum.model.clone_from(&more.model);
            }
        }
    }
}

#[cfg(test)]
mod tests;
