//! The [`PersonaStore`] contract, case by case, as its doc comments state it.
//!
//! Every store runs every case with the same expectations. Two cases need more than the port: a
//! store opened with [`SMALL_LIMIT`] (`TooLarge`), and a way to write bytes past the adapter (a
//! damaged or foreign document). A runner whose adapter cannot offer one says so with
//! [`cannot_run`]: the case is then reported as not run, or fails when the runner requires every
//! case to run (every store that runs without outside services).

use std::any::Any;
use std::sync::Arc;

use persona_ports::{PersonaStore, StoreError};

use persona_domain::{Persona, PersonaDraft, PersonaId, SourceCounts, StoredPersona};

use crate::{document, random_id, skip};

/// The size limit, in bytes, of the store [`too_large_is_refused_and_leaves_nothing`] runs on:
/// small enough for a valid persona to exceed (the real limits are megabytes), large enough for
/// an ordinary one.
pub const SMALL_LIMIT: u64 = 2048;

/// Writes bytes under an id past the adapter, as a crash, a bug or another tool might.
pub type Plant = Box<dyn Fn(&PersonaId, &[u8]) + Send + Sync>;

/// One store under test, with what must outlive it (a temporary folder, a fake server).
pub struct Subject {
    pub store: Arc<dyn PersonaStore>,
    /// `None` when nothing can be written past this adapter.
    pub plant: Option<Plant>,
    pub keep: Box<dyn Any + Send>,
}

impl std::fmt::Debug for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subject")
            .field("store", &self.store)
            .field("plant", &self.plant.is_some())
            .finish_non_exhaustive()
    }
}

/// What a runner does with a case its adapter cannot set up (`why`): fails when `required`,
/// otherwise reports the case as skipped.
pub fn cannot_run(required: bool, why: &str) {
    assert!(
        !required,
        "this store must run every contract case, but {why}"
    );
    skip(why);
}

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

/// A document over the store's limit ([`SMALL_LIMIT`]) is `TooLarge`, naming its size and the
/// limit, and leaves nothing under its id; a document within the limit lands.
pub async fn too_large_is_refused_and_leaves_nothing(store: &dyn PersonaStore) {
    let large = StoredPersona::new(
        random_id(),
        Persona::from_draft(PersonaDraft {
            name: Some("Large".into()),
            background: "A long story, told once more. ".repeat(60),
            ..PersonaDraft::default()
        })
        .persona,
        SourceCounts::default(),
        chrono::Utc::now(),
    );
    let size = large.to_json().len() as u64;
    assert!(size > SMALL_LIMIT, "the large document is {size} bytes");
    assert_eq!(
        store.create(&large).await,
        Err(StoreError::TooLarge {
            size,
            max: SMALL_LIMIT
        })
    );
    assert_eq!(store.get(large.id()).await, Err(StoreError::NotFound));

    let small = document("Small");
    assert!(small.to_json().len() as u64 <= SMALL_LIMIT);
    store.create(&small).await.expect("within the limit");
    assert_eq!(store.get(small.id()).await.expect("read back"), small);
}

/// What is stored under an id but is not a whole document (cut short, not JSON, JSON of another
/// shape) reads as `Unexpected`, never as a persona, and the error quotes none of it.
pub async fn damaged_document_reads_as_unexpected(store: &dyn PersonaStore, plant: &Plant) {
    let whole = document("Damaged Dora").to_json();
    let damaged: [&[u8]; 4] = [
        &whole[..whole.len() / 2],
        &whole[..whole.len() - 1],
        b"\x00\xffDamaged Dora",
        br#"{"name":"Damaged Dora"}"#,
    ];
    for bytes in damaged {
        let id = random_id();
        plant(&id, bytes);
        assert_unexpected(store, &id, "Damaged Dora").await;
    }
}

/// A whole, valid document for another id, stored under this one, reads as `Unexpected`: a get
/// never returns a foreign document.
pub async fn foreign_document_reads_as_unexpected(store: &dyn PersonaStore, plant: &Plant) {
    let foreign = document("Foreign Fiona");
    let id = random_id();
    plant(&id, &foreign.to_json());
    assert_unexpected(store, &id, "Foreign Fiona").await;
}

async fn assert_unexpected(store: &dyn PersonaStore, id: &PersonaId, name: &str) {
    match store.get(id).await {
        Err(StoreError::Unexpected(message)) => assert!(
            !message.contains(name),
            "the error quotes the document: {message}"
        ),
        other => panic!("expected Unexpected, got {other:?}"),
    }
}
