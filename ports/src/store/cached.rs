//! [`CachedStore`]: a [`PersonaStore`] that keeps the documents it read in memory, bounded in
//! bytes, so a repeated get makes no storage round trip.
//!
//! # Why a cached persona cannot outlive its deletion for long
//!
//! A saved document never changes in place (a store never overwrites), so a copy is never
//! *wrong*; it can only be *gone* from the store (deletion, which a later issue adds, as it adds
//! versions). Each copy therefore carries when the store last confirmed it, and answers alone
//! only while that is younger than `fresh_for` (`PERSONA_CACHE_TTL_MS`); after that the next get
//! reads the store again, and a `NotFound` drops the copy. So on another instance a deleted
//! persona is served for at most `fresh_for` after its deletion. On the instance that deletes,
//! [`CachedStore::forget`] drops the copy before the deletion is answered, and a read that was
//! already in flight when it ran does not put its copy back (every insert is checked against
//! the forgets that happened since its read began), so there it is never served again.
//!
//! Errors are never cached, and a copy past `fresh_for` is never served when the store cannot
//! be reached: serving it then would stretch the bound above.
//!
//! Versions, when they come, fit the same shape: a version is immutable, so `(id, version)` may
//! be kept until evicted, and only "which version is the latest" needs the `fresh_for` bound.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use persona_domain::{PersonaId, StoredPersona};
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use tracing::debug;

use crate::IdTag;
use crate::store::{PersonaStore, StoreError};

/// Where the cache reads the time: `Instant::now`, or a test's own clock.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// A copy of a document, when the store last confirmed it, and what it weighs.
#[derive(Clone)]
struct Kept {
    document: Arc<StoredPersona>,
    confirmed: Instant,
    bytes: u64,
}

/// A copy weighs its document's JSON bytes, and the id that names it.
#[derive(Clone)]
struct ByBytes;

impl Weighter<PersonaId, Kept> for ByBytes {
    fn weight(&self, id: &PersonaId, copy: &Kept) -> u64 {
        copy.bytes + id.as_str().len() as u64
    }
}

/// A [`PersonaStore`] decorator: reads go through an in-process cache of at most `max_bytes` of
/// documents; writes go straight to the store it wraps.
pub struct CachedStore {
    inner: Arc<dyn PersonaStore>,
    copies: Cache<PersonaId, Kept, ByBytes>,
    max_bytes: u64,
    fresh_for: Duration,
    clock: Clock,
    /// How many times [`CachedStore::forget`] has run; held while a read's copy is put in, so a
    /// forget and an insert never interleave.
    forgets: Mutex<u64>,
}

impl fmt::Debug for CachedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedStore")
            .field("inner", &self.inner)
            .field("max_bytes", &self.max_bytes)
            .field("fresh_for", &self.fresh_for)
            .field("copies", &self.copies.len())
            .field("bytes", &self.copies.weight())
            .finish_non_exhaustive()
    }
}

impl CachedStore {
    /// `inner` behind a cache of at most `max_bytes` of documents (each weighed as its JSON),
    /// each answering alone for `fresh_for` after the store last confirmed it.
    pub fn new(inner: Arc<dyn PersonaStore>, max_bytes: u64, fresh_for: Duration) -> Self {
        // A persona document is a few kilobytes; the estimate only sizes the table up front.
        let items = usize::try_from(max_bytes / 4096)
            .unwrap_or(usize::MAX)
            .max(16);
        Self {
            inner,
            copies: Cache::with_weighter(items, max_bytes, ByBytes),
            max_bytes,
            fresh_for,
            clock: Arc::new(Instant::now),
            forgets: Mutex::new(0),
        }
    }

    /// The same cache reading the time from `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The bytes the copies held now weigh (never more than `max_bytes`).
    pub fn bytes(&self) -> u64 {
        self.copies.weight()
    }

    /// Drops the copy of `id`, and keeps any read already in flight from putting one back: what
    /// a deletion (or a new version) on this instance calls before it answers.
    pub fn forget(&self, id: &PersonaId) {
        let mut forgets = self.forgets.lock().unwrap_or_else(PoisonError::into_inner);
        *forgets += 1;
        self.copies.remove(id);
    }

    fn forgets(&self) -> u64 {
        *self.forgets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps `document` as confirmed at `confirmed`, unless a forget ran since `since`.
    fn keep(&self, document: &StoredPersona, confirmed: Instant, since: u64) {
        let copy = Kept {
            bytes: document.to_json().len() as u64,
            document: Arc::new(document.clone()),
            confirmed,
        };
        let forgets = self.forgets.lock().unwrap_or_else(PoisonError::into_inner);
        if *forgets == since {
            self.copies.insert(document.id().clone(), copy);
        }
    }

    /// Drops the copy of `id` the store no longer has, unless a forget ran since `since` (it
    /// dropped it already, and a newer copy may stand).
    fn drop_gone(&self, id: &PersonaId, since: u64) {
        let forgets = self.forgets.lock().unwrap_or_else(PoisonError::into_inner);
        if *forgets == since {
            self.copies.remove(id);
        }
    }
}

#[async_trait]
impl PersonaStore for CachedStore {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn create(&self, document: &StoredPersona) -> Result<(), StoreError> {
        // A fresh id has no copy; one kept under a taken id stays right, as the store keeps it.
        self.inner.create(document).await
    }

    async fn get(&self, id: &PersonaId) -> Result<StoredPersona, StoreError> {
        let now = (self.clock)();
        let copy = self.copies.get(id);
        if let Some(copy) = &copy
            && now.saturating_duration_since(copy.confirmed) < self.fresh_for
        {
            debug!(persona_tag = %IdTag::of(id), "persona cache hit");
            return Ok((*copy.document).clone());
        }
        let since = self.forgets();
        debug!(persona_tag = %IdTag::of(id), stale = copy.is_some(), "persona cache miss");
        match self.inner.get(id).await {
            Ok(document) => {
                self.keep(&document, now, since);
                Ok(document)
            }
            Err(StoreError::NotFound) => {
                if copy.is_some() {
                    self.drop_gone(id, since);
                }
                Err(StoreError::NotFound)
            }
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests;
