//! The record store contract: the macro every record store adapter runs through, and the memory
//! and file stores here. Supabase runs the macro in `supabase/records.rs`.

use std::any::Any;
use std::sync::Arc;

use persona_adapters_fs::FsStore;
use persona_adapters_mock::MemoryRecords;
use persona_ports::RecordStore;

/// A record store for one case and what must outlive it, or why this adapter cannot run here.
pub type MadeRecords = Result<(Arc<dyn RecordStore>, Box<dyn Any + Send>), String>;

/// Runs each record case as its own test against one adapter; `$make` is an async function
/// returning a fresh [`MadeRecords`]. With `required = true` a store that cannot be made fails
/// the case; otherwise the case is reported as skipped.
macro_rules! records_contract {
    ($adapter:ident, $make:path, required = $required:expr) => {
        mod $adapter {
            use super::*;
            use persona_tests::records_contract as contract;
            use persona_tests::store_contract::cannot_run;

            async fn subject() -> Option<(
                Arc<dyn persona_ports::RecordStore>,
                Box<dyn std::any::Any + Send>,
            )> {
                match $make().await {
                    Ok(made) => Some(made),
                    Err(why) => {
                        cannot_run($required, &why);
                        None
                    }
                }
            }

            #[tokio::test]
            async fn put_then_get_round_trips() {
                let Some((s, _keep)) = subject().await else {
                    return;
                };
                contract::put_then_get_round_trips(s.as_ref()).await;
            }

            #[tokio::test]
            async fn put_replaces_what_is_there() {
                let Some((s, _keep)) = subject().await else {
                    return;
                };
                contract::put_replaces_what_is_there(s.as_ref()).await;
            }

            #[tokio::test]
            async fn missing_key_is_none() {
                let Some((s, _keep)) = subject().await else {
                    return;
                };
                contract::missing_key_is_none(s.as_ref()).await;
            }

            #[tokio::test]
            async fn delete_removes_and_repeats_quietly() {
                let Some((s, _keep)) = subject().await else {
                    return;
                };
                contract::delete_removes_and_repeats_quietly(s.as_ref()).await;
            }

            #[tokio::test]
            async fn list_pages_in_key_order() {
                let Some((s, _keep)) = subject().await else {
                    return;
                };
                contract::list_pages_in_key_order(s.as_ref()).await;
            }

            #[tokio::test]
            async fn kinds_are_kept_apart() {
                let Some((s, _keep)) = subject().await else {
                    return;
                };
                contract::kinds_are_kept_apart(s.as_ref()).await;
            }

            #[tokio::test]
            async fn too_large_is_refused_and_leaves_nothing() {
                let Some((s, _keep)) = subject().await else {
                    return;
                };
                contract::too_large_is_refused_and_leaves_nothing(s.as_ref()).await;
            }
        }
    };
}
pub(crate) use records_contract;

pub(crate) async fn memory() -> MadeRecords {
    Ok((Arc::new(MemoryRecords::new()), Box::new(())))
}

pub(crate) async fn files() -> MadeRecords {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsStore::open(dir.path()).expect("open");
    Ok((Arc::new(store), Box::new(dir)))
}

records_contract!(memory_records, memory, required = true);
records_contract!(fs_records, files, required = true);

/// The file store keeps each kind in its own folder, one `{key}.json` each, owner-only, with no
/// temporary file left behind.
#[tokio::test]
async fn fs_records_are_one_file_each_in_the_kind_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsStore::open(dir.path()).expect("open");
    let key = persona_ports::RecordKey::parse("job_1").expect("key");
    store
        .put(persona_ports::RecordKind::Job, &key, b"{}".to_vec())
        .await
        .expect("stored");
    let names: Vec<String> = std::fs::read_dir(dir.path().join("jobs"))
        .expect("the jobs folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["job_1.json"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("jobs/job_1.json"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
