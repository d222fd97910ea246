//! The process cache: a process-persona result kept in the [`RecordStore`] under a keyed hash of
//! everything that determines it, so a repeat costs no model call.
//!
//! - The key is HMAC-SHA256, under the cache's secret, of the normalised material (the
//!   [`SourceBundle`]'s blocks and links), the extractor's [`fingerprint`] (model, endpoint,
//!   dialect, sampling), [`PROMPT_VERSION`], the draft schema (hashed, so any change to it is a
//!   miss), [`SCHEMA_VERSION`], the grounding mode and the chunk settings. The record is named
//!   by the hash, never by the material; without the secret nobody can test a guess at the
//!   material against the names.
//! - The entry holds the persona, its grounding, the warnings, the original usage, and when it
//!   was made and expires. Reading it back puts the persona through the domain's rules again
//!   (a [`Persona`] is only ever made by them) and checks the grounding against it, so a hit is
//!   exactly as valid as a fresh answer; anything that fails is a miss, never an error. The
//!   entry is sealed with an HMAC under the same secret and its key, so damage, or an edit by
//!   anyone who can write the store but lacks the secret, is a miss too.
//! - An expired entry never answers: it is removed when read, and every
//!   [`SWEEP_EVERY`]th write sweeps a page of the kind's listing for entries past the TTL.
//! - A store failure never fails a processing: it is logged and the processing goes on.
//!
//! [`fingerprint`]: crate::PersonaExtractor::fingerprint

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use persona_domain::hex::lower_hex;
use persona_domain::prompt::PROMPT_VERSION;
use persona_domain::{Grounding, GroundingMode, Persona, SCHEMA_VERSION, SourceBundle, Warning};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tracing::{debug, info, warn};

use crate::extractor::Usage;
use crate::records::{RecordKey, RecordKind, RecordStore};
use crate::service::Processed;

/// One write in this many sweeps a page of expired entries.
pub const SWEEP_EVERY: u64 = 64;

/// How many entries one sweep looks at.
const SWEEP_PAGE: usize = 200;

/// The entry format; a change makes every older entry a miss.
const FORMAT: u32 = 1;

/// Where process-persona results are kept, under which secret, and for how long.
#[derive(Clone)]
pub struct ProcessCache {
    secret: Arc<[u8]>,
    ttl: chrono::Duration,
    /// Writes so far, for the periodic sweep.
    writes: Arc<AtomicU64>,
}

/// Shows the TTL, never the secret.
impl std::fmt::Debug for ProcessCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessCache")
            .field("ttl", &self.ttl)
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

/// What an entry holds, as stored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    format: u32,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    persona: Persona,
    grounding: Grounding,
    warnings: Vec<Warning>,
    usage: StoredUsage,
    /// The chunks the original extraction read.
    chunks: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredUsage {
    model: String,
    prompt_tokens: u32,
    completion_tokens: u32,
    attempts: u32,
}

impl ProcessCache {
    /// The TTL when none is configured: a week.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

    /// A cache keyed under `secret` (any length; 32 random bytes is plenty), keeping entries for
    /// `ttl`.
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        Self {
            secret: secret.into(),
            ttl: chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX),
            writes: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The record key for `bundle` processed by an extractor with `fingerprint` in `mode`.
    pub fn key(
        &self,
        bundle: &SourceBundle,
        fingerprint: &str,
        chunking: &str,
        mode: GroundingMode,
    ) -> RecordKey {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes a key of any length");
        // Every part is length-prefixed, so no two different lists of parts encode alike.
        let mut part = |bytes: &[u8]| {
            mac.update(&(bytes.len() as u64).to_be_bytes());
            mac.update(bytes);
        };
        part(b"persona-process-cache");
        part(&FORMAT.to_be_bytes());
        part(fingerprint.as_bytes());
        part(PROMPT_VERSION.as_bytes());
        part(draft_schema_hash());
        part(&SCHEMA_VERSION.to_be_bytes());
        part(mode.to_string().as_bytes());
        part(chunking.as_bytes());
        part(&(bundle.text_blocks().len() as u64).to_be_bytes());
        for block in bundle.text_blocks() {
            part(block.as_bytes());
        }
        part(&(bundle.links().len() as u64).to_be_bytes());
        for link in bundle.links() {
            part(link.as_bytes());
        }
        let hex = lower_hex(&mac.finalize().into_bytes());
        RecordKey::parse(&hex).expect("64 hex digits are a record key")
    }

    /// The result kept under `key`, if there is one that is whole, valid and not expired, as a
    /// cached answer: 0 tokens now, the original usage apart. Anything else is a miss (logged);
    /// an expired or damaged entry is removed.
    pub async fn lookup(&self, records: &dyn RecordStore, key: &RecordKey) -> Option<Processed> {
        let bytes = match records.get(RecordKind::ProcessCache, key).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return None,
            Err(error) => {
                warn!(%error, "the process cache could not be read; extracting afresh");
                return None;
            }
        };
        let now = Utc::now();
        let entry = match self.open(key, &bytes).and_then(read_entry) {
            Ok(entry) if entry.expires_at > now => entry,
            Ok(_) => {
                debug!("process cache entry expired");
                self.remove(records, key).await;
                return None;
            }
            Err(why) => {
                warn!(why, "damaged process cache entry; extracting afresh");
                self.remove(records, key).await;
                return None;
            }
        };
        info!(
            model = %entry.usage.model,
            original_completion_tokens = entry.usage.completion_tokens,
            age_s = (now - entry.created_at).num_seconds(),
            "process cache hit"
        );
        Some(Processed {
            persona: entry.persona,
            grounding: entry.grounding,
            warnings: entry.warnings,
            usage: Usage {
                model: entry.usage.model.clone(),
                prompt_tokens: 0,
                completion_tokens: 0,
                attempts: 0,
            },
            chunks: entry.chunks,
            cached: true,
            original_usage: Some(Usage {
                model: entry.usage.model,
                prompt_tokens: entry.usage.prompt_tokens,
                completion_tokens: entry.usage.completion_tokens,
                attempts: entry.usage.attempts,
            }),
        })
    }

    /// Keeps `processed` under `key` for the TTL, replacing what is there; a failure is logged,
    /// never returned. Every [`SWEEP_EVERY`]th write also sweeps expired entries.
    pub async fn keep(&self, records: &dyn RecordStore, key: &RecordKey, processed: &Processed) {
        let created_at = Utc::now();
        let entry = Entry {
            format: FORMAT,
            created_at,
            expires_at: created_at + self.ttl,
            persona: processed.persona.clone(),
            grounding: processed.grounding.clone(),
            warnings: processed.warnings.clone(),
            usage: StoredUsage {
                model: processed.usage.model.clone(),
                prompt_tokens: processed.usage.prompt_tokens,
                completion_tokens: processed.usage.completion_tokens,
                attempts: processed.usage.attempts,
            },
            chunks: processed.chunks,
        };
        let bytes = match serde_json::to_vec(&entry) {
            Ok(json) => self.seal(key, &json),
            Err(error) => {
                warn!(%error, "a process result did not serialise; not cached");
                return;
            }
        };
        match records.put(RecordKind::ProcessCache, key, bytes).await {
            Ok(()) => debug!("process result cached"),
            Err(error) => warn!(%error, "the process cache could not be written; answering anyway"),
        }
        if self.writes.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep(records).await;
        }
    }

    /// Removes entries written longer than the TTL ago, from one page of the listing; how many
    /// it removed. A failure is logged and ends the sweep.
    pub async fn sweep(&self, records: &dyn RecordStore) -> usize {
        let cutoff = Utc::now() - self.ttl;
        let page = match records
            .list(RecordKind::ProcessCache, None, SWEEP_PAGE)
            .await
        {
            Ok(page) => page,
            Err(error) => {
                warn!(%error, "the process cache could not be listed for a sweep");
                return 0;
            }
        };
        let mut removed = 0;
        for entry in page.iter().filter(|e| e.written_at <= cutoff) {
            match records.delete(RecordKind::ProcessCache, &entry.key).await {
                Ok(()) => removed += 1,
                Err(error) => {
                    warn!(%error, "an expired process cache entry could not be removed");
                    break;
                }
            }
        }
        if removed > 0 {
            info!(removed, "expired process cache entries removed");
        }
        removed
    }

    /// The stored form of an entry's JSON under `key`: an HMAC of both (64 hex digits), a
    /// newline, the JSON. Damage, and a change by anyone without the secret (another key's
    /// entry copied here included), then fails [`ProcessCache::open`].
    fn seal(&self, key: &RecordKey, json: &[u8]) -> Vec<u8> {
        let tag = lower_hex(&self.entry_mac(key, json).finalize().into_bytes());
        let mut sealed = tag.into_bytes();
        sealed.push(b'\n');
        sealed.extend_from_slice(json);
        sealed
    }

    /// The JSON of a sealed entry whose HMAC holds for `key`.
    fn open<'a>(&self, key: &RecordKey, sealed: &'a [u8]) -> Result<&'a [u8], &'static str> {
        let (tag, json) = sealed
            .split_at_checked(64)
            .and_then(|(tag, rest)| Some((tag, rest.strip_prefix(b"\n")?)))
            .ok_or("not a sealed entry")?;
        let tag = std::str::from_utf8(tag)
            .ok()
            .and_then(|t| {
                (0..32)
                    .map(|i| u8::from_str_radix(t.get(2 * i..2 * i + 2)?, 16).ok())
                    .collect::<Option<Vec<u8>>>()
            })
            .ok_or("not a sealed entry")?;
        self.entry_mac(key, json)
            .verify_slice(&tag)
            .map_err(|_| "the seal does not hold")?;
        Ok(json)
    }

    fn entry_mac(&self, key: &RecordKey, json: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes a key of any length");
        mac.update(b"persona-process-cache-entry\n");
        mac.update(key.as_str().as_bytes());
        mac.update(b"\n");
        mac.update(json);
        mac
    }

    async fn remove(&self, records: &dyn RecordStore, key: &RecordKey) {
        if let Err(error) = records.delete(RecordKind::ProcessCache, key).await {
            warn!(%error, "a stale process cache entry could not be removed");
        }
    }
}

/// An entry's JSON read back and checked: whole JSON of this format, the persona through the
/// domain's rules (its deserialisation), the grounding fitting it. The reason for a refusal names
/// no content.
fn read_entry(bytes: &[u8]) -> Result<Entry, &'static str> {
    let entry: Entry = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => "not a valid entry (or a persona the rules refuse)",
        _ => "not whole JSON",
    })?;
    if entry.format != FORMAT {
        return Err("another entry format");
    }
    entry
        .grounding
        .check(&entry.persona)
        .map_err(|_| "the grounding does not fit the persona")?;
    Ok(entry)
}

/// SHA-256 of the strict draft schema, once: a change to the schema changes every key.
fn draft_schema_hash() -> &'static [u8] {
    static HASH: OnceLock<[u8; 32]> = OnceLock::new();
    HASH.get_or_init(|| {
        Sha256::digest(
            persona_domain::schema::draft_schema()
                .to_string()
                .as_bytes(),
        )
        .into()
    })
}

#[cfg(test)]
mod tests;
