//! [`RecordStore`] for [`FsStore`]: each record kind in its own folder beside the personas,
//! `{dir}/jobs/{key}.json` and `{dir}/process-cache/{key}.json`, mode 0600.
//!
//! A put writes the whole record to a temporary file in the kind's folder, syncs it, then renames
//! it over the record's name, so a reader sees the old record or the new one, never a part of
//! either. A listing reads the folder and sorts by key: sweeps are rare and folders small enough
//! (a record per job or cached result within their TTLs) for that to be the simple right thing.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use persona_ports::{
    RecordEntry, RecordKey, RecordKind, RecordStore, StoreError, check_record_size,
};

use crate::{FsStore, blocking, io_error, sync_dir};

impl FsStore {
    /// The folder records of `kind` live in.
    fn kind_dir(&self, kind: RecordKind) -> PathBuf {
        self.dir.join(kind.prefix())
    }

    /// A record's file; a key is 1–80 characters of `A-Za-z0-9_-`, so it names nothing outside
    /// the kind's folder.
    fn record_path(&self, kind: RecordKind, key: &RecordKey) -> PathBuf {
        self.kind_dir(kind).join(format!("{}.json", key.as_str()))
    }
}

#[async_trait]
impl RecordStore for FsStore {
    fn name(&self) -> &'static str {
        "fs"
    }

    async fn put(
        &self,
        kind: RecordKind,
        key: &RecordKey,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
        check_record_size(&bytes, self.max_document_bytes)?;
        let dir = self.kind_dir(kind);
        let path = self.record_path(kind, key);
        blocking(move || write_replacing(&dir, &path, &bytes)).await
    }

    async fn get(&self, kind: RecordKind, key: &RecordKey) -> Result<Option<Vec<u8>>, StoreError> {
        match tokio::fs::read(self.record_path(kind, key)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&e)),
        }
    }

    async fn delete(&self, kind: RecordKind, key: &RecordKey) -> Result<(), StoreError> {
        match tokio::fs::remove_file(self.record_path(kind, key)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(&e)),
        }
    }

    async fn list(
        &self,
        kind: RecordKind,
        after: Option<&RecordKey>,
        limit: usize,
    ) -> Result<Vec<RecordEntry>, StoreError> {
        let dir = self.kind_dir(kind);
        let after = after.cloned();
        blocking(move || list_folder(&dir, after.as_ref(), limit)).await
    }
}

/// Writes `bytes` to `path` through a synced temporary file renamed over it.
fn write_replacing(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(&e))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io_error(&e))?;
    temp.write_all(bytes).map_err(|e| io_error(&e))?;
    temp.as_file().sync_all().map_err(|e| io_error(&e))?;
    temp.persist(path).map_err(|e| io_error(&e.error))?;
    sync_dir(dir).map_err(|e| io_error(&e))
}

/// The records in `dir` whose keys sort after `after`, in key order, at most `limit`; a file
/// that is not a record (a temporary file, a stray name) is passed over.
fn list_folder(
    dir: &Path,
    after: Option<&RecordKey>,
    limit: usize,
) -> Result<Vec<RecordEntry>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(&e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_error(&e))?;
        let name = entry.file_name();
        let Some(key) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".json"))
            .and_then(|n| RecordKey::parse(n).ok())
        else {
            continue;
        };
        if after.is_some_and(|after| &key <= after) {
            continue;
        }
        // A record removed between the listing and this read is simply no longer listed.
        let modified = match entry.metadata().and_then(|m| m.modified()) {
            Ok(modified) => modified,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_error(&e)),
        };
        found.push(RecordEntry {
            key,
            written_at: DateTime::<Utc>::from(modified),
        });
    }
    found.sort_by(|a, b| a.key.cmp(&b.key));
    found.truncate(limit);
    Ok(found)
}
