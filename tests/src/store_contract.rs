//! The [`PersonaStore`] contract, case by case, as its doc comments state it.

use std::sync::Arc;

use persona_ports::{PersonaStore, StoreError};

use persona_domain::{PersonaId, SourceCounts, StoredPersona};

use crate::{document, random_id};

/// A document for `name` under a given `id`.
fn document_under(id: &PersonaId, name: &str) -> StoredPersona {
    StoredPersona::new(
        id.clone(),
        document(name).persona().clone(),
        SourceCounts::default(),
        chrono::Utc::now(),
    )
}

/// Creates every document at once, one task each; the results in the documents' order.
async fn create_all(
    store: &Arc<dyn PersonaStore>,
    docs: &[StoredPersona],
) -> Vec<Result<(), StoreError>> {
    let tasks: Vec<_> = docs
        .iter()
        .cloned()
        .map(|doc| {
            let store = Arc::clone(store);
            tokio::spawn(async move { store.create(&doc).await })
        })
        .collect();
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.expect("create task"));
    }
    results
}

/// A created document reads back equal, metadata included.
pub async fn create_then_get_round_trips(store: &dyn PersonaStore) {
    let doc = document("Ada Lovelace");
    store.create(&doc).await.expect("created");
    assert_eq!(store.get(doc.id()).await.expect("read back"), doc);
}

/// Text outside ASCII survives the trip byte for byte.
pub async fn unicode_round_trips(store: &dyn PersonaStore) {
    let doc = document("Zoë Ñúñez 李小龍 🧪 \"quoted\" \\ back");
    store.create(&doc).await.expect("created");
    assert_eq!(
        store
            .get(doc.id())
            .await
            .expect("read back")
            .persona()
            .name(),
        "Zoë Ñúñez 李小龍 🧪 \"quoted\" \\ back"
    );
}

/// `get` of an id nothing was stored under is `NotFound`.
pub async fn missing_id_is_not_found(store: &dyn PersonaStore) {
    assert_eq!(store.get(&random_id()).await, Err(StoreError::NotFound));
}

/// `create` of a taken id is `AlreadyExists`, and the first document stays as it was.
pub async fn create_never_overwrites(store: &dyn PersonaStore) {
    let first = document("First");
    store.create(&first).await.expect("created");
    let second = document_under(first.id(), "Second");
    assert_eq!(store.create(&second).await, Err(StoreError::AlreadyExists));
    assert_eq!(store.get(first.id()).await.expect("still there"), first);
}

/// Concurrent creates of different ids all land, each readable as itself.
pub async fn concurrent_creates_of_distinct_ids_all_land(store: Arc<dyn PersonaStore>) {
    let docs: Vec<_> = (0..24).map(|i| document(&format!("Person {i}"))).collect();
    for result in create_all(&store, &docs).await {
        result.expect("created");
    }
    for doc in &docs {
        assert_eq!(&store.get(doc.id()).await.expect("read back"), doc);
    }
}

/// Racing creates of one id: exactly one wins, and the id holds the winner's document.
pub async fn racing_creates_of_one_id_have_one_winner(store: Arc<dyn PersonaStore>) {
    let id = random_id();
    let contenders: Vec<_> = (0..8)
        .map(|i| document_under(&id, &format!("Contender {i}")))
        .collect();
    let mut winners = Vec::new();
    for (result, doc) in create_all(&store, &contenders)
        .await
        .into_iter()
        .zip(&contenders)
    {
        match result {
            Ok(()) => winners.push(doc.clone()),
            Err(e) => assert_eq!(e, StoreError::AlreadyExists),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one create wins");
    assert_eq!(store.get(&id).await.expect("read back"), winners[0]);
}
