//! File-system specifics; the store contract itself runs in the `tests` crate.

use std::sync::Arc;

use chrono::Utc;
use persona_domain::{Persona, PersonaDraft, SourceCounts};

use super::*;

fn document(id: &str, name: &str) -> StoredPersona {
    let persona = Persona::from_draft(PersonaDraft {
        name: Some(name.into()),
        ..PersonaDraft::default()
    })
    .persona;
    StoredPersona::new(
        PersonaId::parse(id).expect("id"),
        persona,
        SourceCounts::default(),
        Utc::now(),
    )
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_create_leaves_exactly_one_file_named_after_the_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsStore::open(dir.path()).expect("open");
    let doc = document("V1StGXR8_Z5jdHi6B-myT", "Ada");
    store.create(&doc).await.expect("created");
    assert_eq!(file_names(dir.path()), ["V1StGXR8_Z5jdHi6B-myT.json"]);
    assert_eq!(
        std::fs::read(dir.path().join("V1StGXR8_Z5jdHi6B-myT.json")).expect("read"),
        doc.to_json()
    );
}

#[cfg(unix)]
#[tokio::test]
async fn documents_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsStore::open(dir.path()).expect("open");
    store
        .create(&document("V1StGXR8_Z5jdHi6B-myT", "Ada"))
        .await
        .expect("created");
    let mode = std::fs::metadata(dir.path().join("V1StGXR8_Z5jdHi6B-myT.json"))
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn open_creates_a_missing_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let nested = dir.path().join("a/b/personas");
    FsStore::open(&nested).expect("open");
    assert!(nested.is_dir());
}

#[tokio::test]
async fn racing_creates_of_one_id_leave_exactly_one_whole_winner() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(FsStore::open(dir.path()).expect("open"));
    let id = "raceraceraceraceracer";
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let store = Arc::clone(&store);
            let doc = document(id, &format!("Contender {i}"));
            tokio::spawn(async move { store.create(&doc).await.map(|()| doc) })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(doc) => winners.push(doc),
            Err(StoreError::AlreadyExists) => {}
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1);
    let stored = store
        .get(&PersonaId::parse(id).expect("id"))
        .await
        .expect("readable");
    assert_eq!(stored, winners[0]);
    assert_eq!(
        file_names(dir.path()),
        [format!("{id}.json")],
        "no temporary file is left behind"
    );
}

#[tokio::test]
async fn a_crash_before_the_link_leaves_nothing_under_the_id() {
    // What a crash mid-write leaves: a partial temporary file and no document.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".tmpA1b2C3"), b"{\"id\":\"V1StGXR8_Z5jdH").expect("write");
    let store = FsStore::open(dir.path()).expect("open");
    let id = PersonaId::parse("V1StGXR8_Z5jdHi6B-myT").expect("id");
    assert_eq!(store.get(&id).await, Err(StoreError::NotFound));
    store
        .create(&document(id.as_str(), "Ada"))
        .await
        .expect("the id is still free");
}

#[tokio::test]
async fn open_removes_stale_temporary_files_but_keeps_fresh_ones_and_documents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stale = dir.path().join(".tmpstale");
    std::fs::write(&stale, b"partial").expect("write");
    let old = SystemTime::now() - STALE_TEMP_AGE - Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .expect("open")
        .set_modified(old)
        .expect("set mtime");
    std::fs::write(dir.path().join(".tmpfresh"), b"in progress").expect("write");
    std::fs::write(dir.path().join("V1StGXR8_Z5jdHi6B-myT.json"), b"{}").expect("write");
    FsStore::open(dir.path()).expect("open");
    assert_eq!(
        file_names(dir.path()),
        [".tmpfresh", "V1StGXR8_Z5jdHi6B-myT.json"]
    );
}

#[test]
fn a_folder_the_process_may_not_write_is_not_retryable_and_other_trouble_is() {
    for kind in [
        io::ErrorKind::PermissionDenied,
        io::ErrorKind::ReadOnlyFilesystem,
    ] {
        assert!(
            matches!(
                io_error(&io::Error::from(kind)),
                StoreError::Unavailable {
                    retryable: false,
                    ..
                }
            ),
            "{kind:?}"
        );
    }
    for kind in [io::ErrorKind::StorageFull, io::ErrorKind::Interrupted] {
        assert!(
            matches!(
                io_error(&io::Error::from(kind)),
                StoreError::Unavailable {
                    retryable: true,
                    ..
                }
            ),
            "{kind:?}"
        );
    }
}
