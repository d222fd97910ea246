//! The cache over a store double that counts its reads: hits, the freshness bound, forgets, the
//! byte bound, and what is never cached.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{TimeZone, Utc};
use persona_domain::{Persona, PersonaDraft, SourceCounts};
use tokio::sync::Notify;

use super::*;

/// A store of documents that counts its reads, can fail on purpose, and can hold a read until
/// released.
#[derive(Debug, Default)]
struct Counting {
    documents: Mutex<HashMap<PersonaId, StoredPersona>>,
    reads: AtomicU32,
    failure: Mutex<Option<StoreError>>,
    gate: Option<Arc<Notify>>,
}

impl Counting {
    fn with(documents: &[StoredPersona]) -> Self {
        let documents = documents.iter().map(|d| (d.id().clone(), d.clone()));
        Self {
            documents: Mutex::new(documents.collect()),
            ..Self::default()
        }
    }

    fn reads(&self) -> u32 {
        self.reads.load(Ordering::SeqCst)
    }

    fn fail_with(&self, error: Option<StoreError>) {
        *self.failure.lock().expect("lock") = error;
    }

    fn delete(&self, id: &PersonaId) {
        self.documents.lock().expect("lock").remove(id);
    }
}

#[async_trait]
impl PersonaStore for Counting {
    fn name(&self) -> &'static str {
        "counting"
    }
    async fn create(&self, document: &StoredPersona) -> Result<(), StoreError> {
        self.documents
            .lock()
            .expect("lock")
            .insert(document.id().clone(), document.clone());
        Ok(())
    }
    async fn get(&self, id: &PersonaId) -> Result<StoredPersona, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if let Some(gate) = &self.gate {
            gate.notified().await;
        }
        if let Some(error) = self.failure.lock().expect("lock").clone() {
            return Err(error);
        }
        let document = self.documents.lock().expect("lock").get(id).cloned();
        document.ok_or(StoreError::NotFound)
    }
}

/// A persona document under an id made from `n`, with a background of `background` characters.
fn document(n: usize, background: usize) -> StoredPersona {
    let id = PersonaId::parse(&format!("{n:0>21}")).expect("valid id");
    let persona = Persona::from_draft(PersonaDraft {
        name: Some(format!("Person {n}")),
        background: "x".repeat(background),
        ..PersonaDraft::default()
    })
    .persona;
    let at = Utc
        .with_ymd_and_hms(2026, 12, 3, 0, 0, 0)
        .single()
        .expect("time");
    StoredPersona::new(id, persona, SourceCounts::default(), at)
}

/// A clock the test moves by hand.
fn clock() -> (Clock, Arc<Mutex<Instant>>) {
    let now = Arc::new(Mutex::new(Instant::now()));
    let read = Arc::clone(&now);
    (Arc::new(move || *read.lock().expect("lock")), now)
}

fn advance(now: &Mutex<Instant>, by: Duration) {
    let mut now = now.lock().expect("lock");
    *now += by;
}

const FRESH: Duration = Duration::from_secs(30);

fn cached(store: &Arc<Counting>, max_bytes: u64) -> (CachedStore, Arc<Mutex<Instant>>) {
    let (clock, now) = clock();
    let inner: Arc<dyn PersonaStore> = store.clone();
    (
        CachedStore::new(inner, max_bytes, FRESH).with_clock(clock),
        now,
    )
}

#[tokio::test]
async fn a_repeated_get_is_answered_without_reading_the_store() {
    let doc = document(1, 100);
    let store = Arc::new(Counting::with(std::slice::from_ref(&doc)));
    let (cache, _) = cached(&store, 1 << 20);
    for _ in 0..5 {
        assert_eq!(cache.get(doc.id()).await, Ok(doc.clone()));
    }
    assert_eq!(store.reads(), 1);
    assert_eq!(cache.name(), "counting");
}

#[tokio::test]
async fn a_copy_older_than_its_freshness_is_read_again_and_dropped_when_gone() {
    let doc = document(1, 100);
    let store = Arc::new(Counting::with(std::slice::from_ref(&doc)));
    let (cache, now) = cached(&store, 1 << 20);
    cache.get(doc.id()).await.expect("found");
    // Deleted behind this instance's back: the copy answers until it is no longer fresh.
    store.delete(doc.id());
    advance(&now, FRESH - Duration::from_millis(1));
    assert_eq!(cache.get(doc.id()).await, Ok(doc.clone()));
    assert_eq!(store.reads(), 1);
    advance(&now, Duration::from_millis(1));
    assert_eq!(cache.get(doc.id()).await, Err(StoreError::NotFound));
    assert_eq!(cache.get(doc.id()).await, Err(StoreError::NotFound));
    assert_eq!((store.reads(), cache.bytes()), (3, 0));
}

#[tokio::test]
async fn a_copy_read_again_is_fresh_again() {
    let doc = document(1, 100);
    let store = Arc::new(Counting::with(std::slice::from_ref(&doc)));
    let (cache, now) = cached(&store, 1 << 20);
    cache.get(doc.id()).await.expect("found");
    advance(&now, FRESH);
    cache.get(doc.id()).await.expect("read again");
    advance(&now, FRESH - Duration::from_millis(1));
    cache.get(doc.id()).await.expect("from the copy");
    assert_eq!(store.reads(), 2);
}

#[tokio::test]
async fn errors_are_not_kept_and_a_stale_copy_is_not_served_when_the_store_fails() {
    let doc = document(1, 100);
    let store = Arc::new(Counting::with(std::slice::from_ref(&doc)));
    let (cache, now) = cached(&store, 1 << 20);
    let outage = StoreError::Unavailable {
        retryable: true,
        reason: "down".into(),
    };
    store.fail_with(Some(outage.clone()));
    assert_eq!(cache.get(doc.id()).await, Err(outage.clone()));
    store.fail_with(None);
    assert_eq!(cache.get(doc.id()).await, Ok(doc.clone()));
    assert_eq!(store.reads(), 2);
    advance(&now, FRESH);
    store.fail_with(Some(outage.clone()));
    assert_eq!(cache.get(doc.id()).await, Err(outage));
    assert!(cache.get(doc.id()).await.is_err());
    assert_eq!(store.reads(), 4);
}

#[tokio::test]
async fn a_missing_persona_is_asked_for_every_time() {
    let store = Arc::new(Counting::default());
    let (cache, _) = cached(&store, 1 << 20);
    let id = document(7, 10).id().clone();
    for _ in 0..3 {
        assert_eq!(cache.get(&id).await, Err(StoreError::NotFound));
    }
    assert_eq!(store.reads(), 3);
}

#[tokio::test]
async fn the_copies_never_weigh_more_than_the_bound() {
    let docs: Vec<StoredPersona> = (0..40).map(|n| document(n, 1_000)).collect();
    let one = docs[0].to_json().len() as u64 + 21;
    let max_bytes = one * 8;
    let store = Arc::new(Counting::with(&docs));
    let (cache, _) = cached(&store, max_bytes);
    for doc in &docs {
        assert_eq!(cache.get(doc.id()).await.as_ref(), Ok(doc));
        assert!(
            cache.bytes() <= max_bytes,
            "{} > {max_bytes}",
            cache.bytes()
        );
    }
    assert!(cache.bytes() > 0);
    // Forty documents did not all fit: some are read from the store again.
    let before = store.reads();
    for doc in &docs {
        assert_eq!(cache.get(doc.id()).await.as_ref(), Ok(doc));
    }
    assert!(store.reads() > before, "every document was still kept");
    assert!(cache.bytes() <= max_bytes);
}

#[tokio::test]
async fn a_document_larger_than_the_bound_is_never_kept() {
    let doc = document(1, 2_000);
    let store = Arc::new(Counting::with(std::slice::from_ref(&doc)));
    let (cache, _) = cached(&store, 1_000);
    for _ in 0..3 {
        assert_eq!(cache.get(doc.id()).await, Ok(doc.clone()));
    }
    assert_eq!((store.reads(), cache.bytes()), (3, 0));
}

#[tokio::test]
async fn a_forgotten_copy_is_read_again() {
    let doc = document(1, 100);
    let store = Arc::new(Counting::with(std::slice::from_ref(&doc)));
    let (cache, _) = cached(&store, 1 << 20);
    cache.get(doc.id()).await.expect("found");
    cache.forget(doc.id());
    assert_eq!(cache.bytes(), 0);
    store.delete(doc.id());
    assert_eq!(cache.get(doc.id()).await, Err(StoreError::NotFound));
    assert_eq!(store.reads(), 2);
}

#[tokio::test]
async fn a_read_in_flight_when_a_forget_runs_does_not_put_its_copy_back() {
    let doc = document(1, 100);
    let gate = Arc::new(Notify::new());
    let store = Arc::new(Counting {
        gate: Some(Arc::clone(&gate)),
        ..Counting::with(std::slice::from_ref(&doc))
    });
    let (cache, _) = cached(&store, 1 << 20);
    let cache = Arc::new(cache);
    let reading = tokio::spawn({
        let (cache, id) = (Arc::clone(&cache), doc.id().clone());
        async move { cache.get(&id).await }
    });
    // The read has reached the store and waits there.
    while store.reads() == 0 {
        tokio::task::yield_now().await;
    }
    cache.forget(doc.id());
    gate.notify_one();
    assert_eq!(reading.await.expect("joined"), Ok(doc.clone()));
    assert_eq!(cache.bytes(), 0, "the forgotten persona was kept");
    gate.notify_one();
    cache.get(doc.id()).await.expect("found");
    assert_eq!(store.reads(), 2);
}
