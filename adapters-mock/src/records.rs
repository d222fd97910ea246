//! [`MemoryRecords`]: jobs and process-cache records kept in memory, for mock mode and tests.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{PoisonError, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use persona_ports::{
    MAX_DOCUMENT_BYTES, RecordEntry, RecordKey, RecordKind, RecordStore, StoreError,
    check_record_size,
};

/// A record's bytes and when they were written.
type Record = (Vec<u8>, DateTime<Utc>);

/// A [`RecordStore`] in memory: each record's bytes and when they were written. Nothing survives a
/// restart; safe to share between tasks.
#[derive(Default)]
pub struct MemoryRecords {
    records: RwLock<BTreeMap<(RecordKind, RecordKey), Record>>,
}

/// Shows how many records are held, never their content.
impl fmt::Debug for MemoryRecords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let records = self
            .records
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("MemoryRecords")
            .field("records", &records)
            .finish()
    }
}

impl MemoryRecords {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl RecordStore for MemoryRecords {
    fn name(&self) -> &'static str {
        "memory"
    }

    async fn put(
        &self,
        kind: RecordKind,
        key: &RecordKey,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
        check_record_size(&bytes, MAX_DOCUMENT_BYTES)?;
        // A poisoned lock still holds whole records: every write is a single insert.
        self.records
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((kind, key.clone()), (bytes, Utc::now()));
        Ok(())
    }

    async fn get(&self, kind: RecordKind, key: &RecordKey) -> Result<Option<Vec<u8>>, StoreError> {
        let records = self.records.read().unwrap_or_else(PoisonError::into_inner);
        Ok(records
            .get(&(kind, key.clone()))
            .map(|(bytes, _)| bytes.clone()))
    }

    async fn delete(&self, kind: RecordKind, key: &RecordKey) -> Result<(), StoreError> {
        self.records
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(kind, key.clone()));
        Ok(())
    }

    async fn list(
        &self,
        kind: RecordKind,
        after: Option<&RecordKey>,
        limit: usize,
    ) -> Result<Vec<RecordEntry>, StoreError> {
        let records = self.records.read().unwrap_or_else(PoisonError::into_inner);
        Ok(records
            .iter()
            .filter(|((k, key), _)| *k == kind && after.is_none_or(|after| key > after))
            .take(limit)
            .map(|((_, key), (_, written_at))| RecordEntry {
                key: key.clone(),
                written_at: *written_at,
            })
            .collect())
    }
}
