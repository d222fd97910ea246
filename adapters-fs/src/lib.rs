//! [`FsStore`]: the embedded default [`PersonaStore`], one JSON file per persona on local disk.
//!
//! Layout: `{dir}/{id}.json`, compact JSON as [`StoredPersona::to_json`] writes it, mode 0600.
//!
//! A create writes the whole document to a temporary file in the same folder, syncs it to disk,
//! then links it under its real name with no-clobber semantics (`link`/`renameat2`), so:
//! - a crash mid-write leaves at most a stray `.tmp*` file, never a half document under an id;
//! - an existing id is never overwritten, even by two processes racing for it;
//! - saves of different ids never touch each other's files.
//!
//! The folder is synced after the link, so a create that returned `Ok` survives a power cut.
//!
//! The same store keeps jobs and the process cache (`records`), each kind in its own folder.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use persona_ports::{IdTag, PersonaId, PersonaStore, StoreError, StoredPersona, document_bytes};
use tracing::{error, warn};

/// Documents larger than this are refused (the same limit as the Supabase bucket).
pub use persona_ports::MAX_DOCUMENT_BYTES;

/// Temporary files older than this, found when the store opens, are left over from a crash.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

/// A persona store in one local folder.
#[derive(Debug, Clone)]
pub struct FsStore {
    dir: PathBuf,
    /// The largest document `create` accepts, in bytes.
    max_document_bytes: u64,
}

impl FsStore {
    /// Opens the store in `dir`, creating the folder when missing and removing temporary files
    /// that a crash left behind more than an hour ago (in the record kinds' folders too).
    ///
    /// # Errors
    ///
    /// When the folder cannot be created or read.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        remove_stale_temp_files(&dir)?;
        // The record kinds' folders too: a put leaves its temporary file there.
        for kind in persona_ports::RecordKind::ALL {
            let folder = dir.join(kind.prefix());
            if folder.is_dir() {
                remove_stale_temp_files(&folder)?;
            }
        }
        Ok(Self {
            dir,
            max_document_bytes: MAX_DOCUMENT_BYTES,
        })
    }

    /// The same store refusing documents over `max` bytes instead of [`MAX_DOCUMENT_BYTES`]: the
    /// store contract needs a limit a valid persona can exceed.
    #[must_use]
    pub fn with_max_document_bytes(mut self, max: u64) -> Self {
        self.max_document_bytes = max;
        self
    }

    /// The folder the documents live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, id: &PersonaId) -> PathBuf {
        // A PersonaId is 21 characters of [A-Za-z0-9_-]: it cannot name anything outside `dir`.
        self.dir.join(format!("{id}.json"))
    }
}

#[async_trait]
impl PersonaStore for FsStore {
    fn name(&self) -> &'static str {
        "fs"
    }

    #[tracing::instrument(name = "fs.create", skip_all, fields(persona_tag = %IdTag::of(document.id())))]
    async fn create(&self, document: &StoredPersona) -> Result<(), StoreError> {
        let bytes = document_bytes(document, self.max_document_bytes)?;
        let dir = self.dir.clone();
        let path = self.path_of(document.id());
        blocking(move || write_new(&dir, &path, &bytes)).await
    }

    #[tracing::instrument(name = "fs.get", skip_all, fields(persona_tag = %IdTag::of(id)))]
    async fn get(&self, id: &PersonaId) -> Result<StoredPersona, StoreError> {
        let bytes = match tokio::fs::read(self.path_of(id)).await {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(StoreError::NotFound),
            Err(e) => return Err(io_error(&e)),
        };
        StoredPersona::from_json(&bytes, id).map_err(|e| {
            error!(error = %e, "stored persona document is damaged");
            StoreError::Unexpected(e.to_string())
        })
    }
}

/// Writes `bytes` to a new file at `path`, atomically and without overwriting.
fn write_new(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut temp = tempfile::Builder::new()
        .prefix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io_error(&e))?;
    temp.write_all(bytes).map_err(|e| io_error(&e))?;
    temp.as_file().sync_all().map_err(|e| io_error(&e))?;
    match temp.persist_noclobber(path) {
        Ok(_) => {}
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => {
            return Err(StoreError::AlreadyExists);
        }
        Err(e) => return Err(io_error(&e.error)),
    }
    sync_dir(dir).map_err(|e| io_error(&e))
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

fn remove_stale_temp_files(dir: &Path) -> io::Result<()> {
    let now = SystemTime::now();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if !entry.file_name().to_string_lossy().starts_with(".tmp") {
            continue;
        }
        let modified = entry.metadata().and_then(|m| m.modified());
        let stale =
            modified.is_ok_and(|m| now.duration_since(m).unwrap_or_default() > STALE_TEMP_AGE);
        if stale && let Err(e) = std::fs::remove_file(entry.path()) {
            warn!(error = %e, "could not remove a stale temporary file");
        }
    }
    Ok(())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Unexpected(format!("file task failed: {e}")))?
}

/// Disk trouble. A folder the process may not write (permissions, a read-only mount) stays so
/// until an operator changes it, so it is not retryable; anything else (a full disk, an
/// interrupted call, a flaky device) may clear up and is.
fn io_error(e: &io::Error) -> StoreError {
    let retryable = !matches!(
        e.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
    );
    if retryable {
        error!(error = %e, kind = ?e.kind(), "file store I/O failed");
    } else {
        error!(error = %e, kind = ?e.kind(), "the file store may not write its folder: check PERSONA_DATA_DIR's owner, mode and mount");
    }
    StoreError::Unavailable {
        retryable,
        reason: format!("file store I/O failed ({:?})", e.kind()),
    }
}

mod records;

#[cfg(test)]
mod tests;
