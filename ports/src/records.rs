//! The record port: short-lived records kept beside the personas (background jobs, the process
//! cache), each kind under its own prefix of the same store.

use std::fmt::{self, Debug};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::store::StoreError;

/// What a record is; each kind lives under its own prefix ([`RecordKind::prefix`]), apart from
/// the personas and from each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    /// A background job's state: status, progress, then its result or error.
    Job,
    /// A process-persona result kept under a keyed hash of everything that determines it.
    ProcessCache,
}

impl RecordKind {
    /// Every kind, for contract suites and sweeps.
    pub const ALL: [RecordKind; 2] = [RecordKind::Job, RecordKind::ProcessCache];

    /// The folder (object prefix) the kind's records live under, without a trailing slash.
    pub fn prefix(self) -> &'static str {
        match self {
            RecordKind::Job => "jobs",
            RecordKind::ProcessCache => "process-cache",
        }
    }
}

/// A record's name within its kind: 1 to [`RecordKey::MAX_LEN`] characters of `A-Z a-z 0-9 _ -`,
/// so it is safe as a file name and an object key everywhere and never carries user text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey(String);

impl RecordKey {
    /// The longest key: a SHA-256 in hex fits, with room for a short tag.
    pub const MAX_LEN: usize = 80;

    /// `key` as a record key.
    ///
    /// # Errors
    ///
    /// [`InvalidRecordKey`] when `key` is empty, longer than [`RecordKey::MAX_LEN`] or holds a
    /// character outside `A-Z a-z 0-9 _ -`.
    pub fn parse(key: &str) -> Result<Self, InvalidRecordKey> {
        let valid = !key.is_empty()
            && key.len() <= Self::MAX_LEN
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            Ok(Self(key.to_owned()))
        } else {
            Err(InvalidRecordKey)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Keys name jobs and hashes, never user text, but a job id is a bearer capability: keep it out
/// of logs by showing only its length.
impl Debug for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordKey({} chars)", self.0.len())
    }
}

/// A record key that is empty, too long, or holds a character a key may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error(
    "a record key is 1 to {max} characters of A-Z, a-z, 0-9, '_' and '-'",
    max = RecordKey::MAX_LEN
)]
pub struct InvalidRecordKey;

/// A record as a listing shows it: its key and when it was last written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    pub key: RecordKey,
    pub written_at: DateTime<Utc>,
}

/// Keeps records of each [`RecordKind`] under their keys; a write replaces what is there.
///
/// Implementations: the same stores as [`PersonaStore`](crate::PersonaStore) (Supabase Storage,
/// the file system, memory), each kind under its own prefix. A record's lifetime (a job's TTL,
/// the cache's) is the caller's: it is written inside the record and checked on reading, and
/// expired records are removed by a sweep over [`RecordStore::list`].
#[async_trait]
pub trait RecordStore: Send + Sync + Debug + 'static {
    /// A short, stable name for logs and health (`"memory"`, `"fs"`, `"supabase"`).
    fn name(&self) -> &'static str;

    /// Writes `bytes` under (`kind`, `key`), replacing any record there.
    ///
    /// When this returns `Ok`, a later [`RecordStore::get`] MUST return these bytes (or those of
    /// a later put); a reader MUST never see a partial record.
    ///
    /// # Errors
    ///
    /// - MUST return [`StoreError::TooLarge`] when `bytes` exceed the store's size limit.
    /// - MUST return [`StoreError::Unavailable`] when the backing service cannot be reached or
    ///   answers with a temporary failure.
    async fn put(
        &self,
        kind: RecordKind,
        key: &RecordKey,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError>;

    /// The bytes stored under (`kind`, `key`), or `None` when there are none.
    ///
    /// # Errors
    ///
    /// - MUST return [`StoreError::Unavailable`] when the backing service cannot be reached or
    ///   answers with a temporary failure.
    async fn get(&self, kind: RecordKind, key: &RecordKey) -> Result<Option<Vec<u8>>, StoreError>;

    /// Removes the record under (`kind`, `key`); removing a missing record is not an error.
    ///
    /// # Errors
    ///
    /// - MUST return [`StoreError::Unavailable`] when the backing service cannot be reached or
    ///   answers with a temporary failure.
    async fn delete(&self, kind: RecordKind, key: &RecordKey) -> Result<(), StoreError>;

    /// Up to `limit` records of `kind` whose keys sort after `after` (all when `None`), in key
    /// order, for sweeps: a caller pages with the last key it saw.
    ///
    /// # Errors
    ///
    /// - MUST return [`StoreError::Unavailable`] when the backing service cannot be reached or
    ///   answers with a temporary failure.
    async fn list(
        &self,
        kind: RecordKind,
        after: Option<&RecordKey>,
        limit: usize,
    ) -> Result<Vec<RecordEntry>, StoreError>;
}

/// A [`RecordStore`] that keeps nothing: every put is refused as unavailable and every get finds
/// nothing. The service's default until it is given a real one, so a job or a cache entry can
/// never seem kept when it was not.
#[derive(Debug)]
pub(crate) struct NoRecords;

#[async_trait]
impl RecordStore for NoRecords {
    fn name(&self) -> &'static str {
        "none"
    }

    async fn put(&self, _: RecordKind, _: &RecordKey, _: Vec<u8>) -> Result<(), StoreError> {
        Err(StoreError::Unavailable {
            retryable: false,
            reason: "this service keeps no records".into(),
        })
    }

    async fn get(&self, _: RecordKind, _: &RecordKey) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(None)
    }

    async fn delete(&self, _: RecordKind, _: &RecordKey) -> Result<(), StoreError> {
        Ok(())
    }

    async fn list(
        &self,
        _: RecordKind,
        _: Option<&RecordKey>,
        _: usize,
    ) -> Result<Vec<RecordEntry>, StoreError> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_take_only_safe_characters_within_the_length() {
        assert!(RecordKey::parse("job_Ab-09").is_ok());
        assert!(RecordKey::parse(&"a".repeat(RecordKey::MAX_LEN)).is_ok());
        for bad in ["", "a/b", "../x", "a.json", "é", " a"] {
            assert_eq!(RecordKey::parse(bad), Err(InvalidRecordKey), "{bad:?}");
        }
        assert!(RecordKey::parse(&"a".repeat(RecordKey::MAX_LEN + 1)).is_err());
    }

    #[test]
    fn a_key_is_never_shown_in_debug_output() {
        let key = RecordKey::parse("secretjobid").unwrap();
        assert_eq!(format!("{key:?}"), "RecordKey(11 chars)");
    }

    #[test]
    fn kinds_live_under_distinct_prefixes() {
        let prefixes: std::collections::HashSet<_> =
            RecordKind::ALL.iter().map(|k| k.prefix()).collect();
        assert_eq!(prefixes.len(), RecordKind::ALL.len());
    }
}
