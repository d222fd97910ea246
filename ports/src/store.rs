//! The store port: persona documents kept under their ids.

use std::fmt::Debug;

use async_trait::async_trait;
use persona_domain::{PersonaId, StoredPersona};
use thiserror::Error;

mod cached;

pub use cached::{CachedStore, Clock};

/// Keeps persona documents, one per id, and never overwrites one.
///
/// Implementations: Supabase Storage, the local file system, memory.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait PersonaStore: Send + Sync + Debug + 'static {
    /// A short, stable name for logs and health (`"memory"`, `"fs"`, `"supabase"`).
    fn name(&self) -> &'static str;

    /// Stores `document` under `document.id()`.
    ///
    /// When this returns `Ok`, a later [`PersonaStore::get`] of the id MUST return an equal
    /// document. A failed create MUST NOT leave a partial document readable under the id.
    ///
    /// # Errors
    ///
    /// - MUST return [`StoreError::AlreadyExists`] when a document is already stored under the id,
    ///   and MUST leave that document unchanged.
    /// - MUST return [`StoreError::TooLarge`] when the document exceeds the store's size limit.
    /// - MUST return [`StoreError::Unavailable`] when the backing service cannot be reached or
    ///   answers with a temporary failure.
    async fn create(&self, document: &StoredPersona) -> Result<(), StoreError>;

    /// Reads the document stored under `id`.
    ///
    /// # Errors
    ///
    /// - MUST return [`StoreError::NotFound`] when nothing is stored under `id`.
    /// - MUST return [`StoreError::Unexpected`] when what is stored is not a whole, valid document
    ///   for `id` (never a partial or foreign document).
    /// - MUST return [`StoreError::Unavailable`] when the backing service cannot be reached or
    ///   answers with a temporary failure.
    async fn get(&self, id: &PersonaId) -> Result<StoredPersona, StoreError>;
}

/// The largest persona document a store takes (the Supabase bucket's default limit too); every
/// valid persona is far smaller, so only a damaged or hostile document meets it.
pub const MAX_DOCUMENT_BYTES: u64 = 5 * 1024 * 1024;

/// `document`'s JSON, or [`StoreError::TooLarge`] when it is over `max` bytes: the one check
/// every store makes before it writes.
pub fn document_bytes(document: &StoredPersona, max: u64) -> Result<Vec<u8>, StoreError> {
    let bytes = document.to_json();
    let size = bytes.len() as u64;
    if size > max {
        return Err(StoreError::TooLarge { size, max });
    }
    Ok(bytes)
}

/// [`StoreError::TooLarge`] when `bytes` (a record's) are over `max`: the one check every
/// record store makes before it writes.
pub fn check_record_size(bytes: &[u8], max: u64) -> Result<(), StoreError> {
    let size = bytes.len() as u64;
    if size > max {
        return Err(StoreError::TooLarge { size, max });
    }
    Ok(())
}

/// Why a store call failed. Messages carry no persona content.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    #[error("no persona is stored under that id")]
    NotFound,
    #[error("a persona is already stored under that id")]
    AlreadyExists,
    #[error("the document is {size} bytes; the store takes at most {max}")]
    TooLarge { size: u64, max: u64 },
    #[error("the store is unavailable: {reason}")]
    Unavailable { retryable: bool, reason: String },
    #[error("unexpected store failure: {0}")]
    Unexpected(String),
}
