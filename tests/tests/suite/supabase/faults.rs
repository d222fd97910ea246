//! The adapter under injected faults: 503s, resets, and failures reported after the write landed.

use std::sync::Arc;
use std::time::Duration;

use persona_adapters_supabase::{SupabaseSettings, SupabaseStore};
use persona_ports::{PersonaStore, StoreError};
use persona_tests::document;
use persona_tests::fake_supabase::{FakeSupabase, Faults};
use tokio::sync::Semaphore;

use super::{connected, settings};

const SAVES: usize = 500;
const CONCURRENCY: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saves_under_faults_are_never_lost_overwritten_or_foreign() {
    let (fake, store) = connected().await;
    let store = Arc::new(store);
    fake.set_faults(Faults {
        seed: 7,
        fail_503_ratio: 0.1,
        drop_ratio: 0.1,
        after_write_ratio: 0.2,
        slow: None,
    });
    let docs: Vec<_> = (0..SAVES)
        .map(|i| document(&format!("Person {i}")))
        .collect();
    let gate = Arc::new(Semaphore::new(CONCURRENCY));
    let tasks: Vec<_> = docs
        .iter()
        .cloned()
        .map(|doc| {
            let (store, gate) = (Arc::clone(&store), Arc::clone(&gate));
            tokio::spawn(async move {
                let _permit = gate.acquire().await.expect("open");
                store.create(&doc).await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(SAVES);
    for task in tasks {
        results.push(task.await.expect("save task"));
    }
    fake.set_faults(Faults::default());
    let stats = fake.stats();

    // The faults really happened, including the dangerous kind, and retries met their own
    // landed writes (the conflicts).
    assert!(stats.injected_503 > 0 && stats.dropped > 0, "{stats:?}");
    assert!(
        stats.after_write_faults > 0 && stats.conflicts > 0,
        "{stats:?}"
    );

    // The honest invariant. Every id is fresh, so:
    // - a save that answered Ok is in the bucket, byte for byte, and reads back equal;
    // - a save that failed failed as retryable `Unavailable`, never `AlreadyExists` (that would
    //   be our own landed write misreported as a conflict). Its write may still have landed (the
    //   last attempt's answer was lost after the write): then the object is whole and its own;
    // - nothing else is in the bucket, and no object was written twice (`writes` counts every
    //   stored write): so objects = successful saves + failed saves whose write landed.
    let mut ok = 0;
    let mut landed_but_failed = 0;
    for (doc, result) in docs.iter().zip(&results) {
        let stored = fake.object("personas", &format!("{}.json", doc.id()));
        match result {
            Ok(()) => {
                ok += 1;
                assert_eq!(stored.expect("an Ok save is stored").body, doc.to_json());
                assert_eq!(store.get(doc.id()).await.as_ref(), Ok(doc));
            }
            Err(e) => {
                assert!(
                    matches!(
                        e,
                        StoreError::Unavailable {
                            retryable: true,
                            ..
                        }
                    ),
                    "{e:?}"
                );
                if let Some(object) = stored {
                    landed_but_failed += 1;
                    assert_eq!(object.body, doc.to_json());
                }
            }
        }
    }
    let count = fake.object_count("personas");
    assert_eq!(count, ok + landed_but_failed);
    assert_eq!(stats.writes as usize, count, "no object was written twice");
    assert!(
        ok > SAVES * 9 / 10,
        "retries carry most saves through: {ok}"
    );
}

#[tokio::test]
async fn a_server_slower_than_the_deadline_is_retryable_and_not_retried_past_it() {
    let fake = FakeSupabase::start().await;
    let store = SupabaseStore::connect(SupabaseSettings {
        deadline: Duration::from_millis(300),
        ..settings(&fake)
    })
    .await
    .expect("connect");
    fake.set_faults(Faults {
        slow: Some(Duration::from_secs(2)),
        ..Faults::default()
    });
    let before = fake.stats().requests;
    let err = store
        .get(document("Slow").id())
        .await
        .expect_err("timed out");
    assert!(
        matches!(
            err,
            StoreError::Unavailable {
                retryable: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        fake.stats().requests - before,
        1,
        "the deadline left no time for a retry"
    );
}

#[tokio::test]
async fn a_write_that_landed_before_a_reset_is_a_successful_save() {
    let (fake, store) = connected().await;
    // Every write is stored and then its answer lost; the retry meets its own document.
    fake.set_faults(Faults {
        seed: 1,
        after_write_ratio: 1.0,
        ..Faults::default()
    });
    let doc = document("Landed");
    assert_eq!(store.create(&doc).await, Ok(()));
    fake.set_faults(Faults::default());
    assert_eq!(store.get(doc.id()).await, Ok(doc));
    assert_eq!(fake.stats().writes, 1);
    assert_eq!(fake.stats().conflicts, 1);
}
