//! [`MemoryStore`]: persona documents kept in memory, for `USE_MOCK_DATA=true` and for tests.
//!
//! Each document is kept as the bytes [`StoredPersona::to_json`] writes and read back with
//! [`StoredPersona::from_json`], so the memory store exercises the same encoding and checks as the
//! real stores. Nothing survives a restart. There is no size limit unless one is given
//! ([`MemoryStore::with_max_document_bytes`]): every valid persona document is far smaller than
//! the real stores' limits, so by default `create` never answers `TooLarge`.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::sync::{PoisonError, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use persona_domain::{Evidence, Persona, PersonaDraft, PersonaId, SourceCounts, StoredPersona};
use persona_ports::{PersonaStore, StoreError, document_bytes};

/// The ids of the sample personas in [`MemoryStore::with_samples`]: Ada Lovelace, then Grace
/// Hopper. A frontend can fetch them with `GET /api/get-persona?id=…` in mock mode.
pub const SAMPLE_IDS: [&str; 2] = ["sample-ada-lovelace01", "sample-grace-hopper01"];

/// A [`PersonaStore`] in memory. Never overwrites a document; safe to share between tasks.
#[derive(Default)]
pub struct MemoryStore {
    documents: RwLock<HashMap<PersonaId, Vec<u8>>>,
    /// The largest document `create` accepts, in bytes; `None`: any size.
    max_document_bytes: Option<u64>,
}

/// Shows how many documents are held, never their content: personas are the users' data.
impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let documents = self
            .documents
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("MemoryStore")
            .field("documents", &documents)
            .finish()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding the two sample personas under [`SAMPLE_IDS`], created 2026-01-01T00:00:00Z
    /// from one text block and one link each.
    pub fn with_samples() -> Self {
        let documents = samples()
            .into_iter()
            .map(|document| (document.id().clone(), document.to_json()));
        Self {
            documents: RwLock::new(documents.collect()),
            max_document_bytes: None,
        }
    }

    /// The same store refusing documents over `max` bytes with `TooLarge`, as the real stores
    /// refuse documents over their limits.
    #[must_use]
    pub fn with_max_document_bytes(mut self, max: u64) -> Self {
        self.max_document_bytes = Some(max);
        self
    }

    /// Keeps `bytes` under `id` as they are, past every check and over anything there: for tests
    /// that need what this store never writes itself (a damaged or foreign document).
    pub fn insert_unchecked(&self, id: &PersonaId, bytes: &[u8]) {
        self.documents
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), bytes.to_vec());
    }
}

#[async_trait]
impl PersonaStore for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    async fn create(&self, document: &StoredPersona) -> Result<(), StoreError> {
        let bytes = document_bytes(document, self.max_document_bytes.unwrap_or(u64::MAX))?;
        // A poisoned lock still holds whole documents: every write is a single insert.
        let mut documents = self
            .documents
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        match documents.entry(document.id().clone()) {
            Entry::Occupied(_) => Err(StoreError::AlreadyExists),
            Entry::Vacant(slot) => {
                slot.insert(bytes);
                Ok(())
            }
        }
    }

    async fn get(&self, id: &PersonaId) -> Result<StoredPersona, StoreError> {
        let bytes = {
            let documents = self
                .documents
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            documents.get(id).cloned().ok_or(StoreError::NotFound)?
        };
        StoredPersona::from_json(&bytes, id)
            .map_err(|error| StoreError::Unexpected(error.to_string()))
    }
}

/// The sample documents, in the order of [`SAMPLE_IDS`].
fn samples() -> Vec<StoredPersona> {
    let source = SourceCounts {
        blocks: 1,
        links: 1,
    };
    SAMPLE_IDS
        .iter()
        .zip(sample_drafts())
        .map(|(id, draft)| {
            let id = PersonaId::parse(id).expect("the sample ids are valid persona ids");
            StoredPersona::new(
                id,
                Persona::from_draft(draft).persona,
                source,
                sample_created_at(),
            )
        })
        .collect()
}

fn sample_created_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("a valid date")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Ada Lovelace and Grace Hopper, from public facts; ages are their ages at death.
fn sample_drafts() -> [PersonaDraft; 2] {
    let ada = PersonaDraft {
        name: Some("Ada Lovelace".into()),
        age: Some(36),
        occupation: Some("Mathematician and writer".into()),
        location: Some("London, England".into()),
        background: "English mathematician and writer (1815–1852), known for her work on Charles \
                     Babbage's proposed Analytical Engine. Her 1843 notes on the engine include an \
                     algorithm for computing Bernoulli numbers, often called the first published \
                     computer program."
            .into(),
        traits: strings(&["imaginative", "analytical", "persistent"]),
        interests: strings(&[
            "mathematics",
            "poetical science",
            "flying machines",
            "music",
        ]),
        skills: strings(&[
            "mathematical analysis",
            "technical writing",
            "translation from French",
        ]),
        values: strings(&["imagination in science", "rigour"]),
        goals: strings(&["show that the Analytical Engine can do more than arithmetic"]),
        languages: strings(&["English", "French"]),
        communication_style: Some(
            "Precise and imaginative, in long, carefully reasoned letters".into(),
        ),
        quotes: strings(&[
            "The Analytical Engine weaves algebraical patterns just as the Jacquard-loom weaves \
             flowers and leaves.",
            "The Analytical Engine has no pretensions whatever to originate anything.",
        ]),
        evidence: vec![
            Evidence {
                field: "occupation".into(),
                quote: "English mathematician and writer".into(),
                source: "block:0".into(),
            },
            Evidence {
                field: "skills".into(),
                quote: "an algorithm for computing Bernoulli numbers".into(),
                source: "https://en.wikipedia.org/wiki/Ada_Lovelace".into(),
            },
        ],
    };
    let grace = PersonaDraft {
        name: Some("Grace Hopper".into()),
        age: Some(85),
        occupation: Some("Computer scientist and United States Navy rear admiral".into()),
        location: Some("Arlington, Virginia".into()),
        background: "American computer scientist and US Navy rear admiral (1906–1992). One of the \
                     first programmers of the Harvard Mark I, she built the A-0 compiler in 1952, and \
                     her FLOW-MATIC language shaped COBOL."
            .into(),
        traits: strings(&["pragmatic", "witty", "persistent"]),
        interests: strings(&["programming languages", "teaching", "naval service"]),
        skills: strings(&["compiler design", "programming the Harvard Mark I", "public speaking"]),
        values: strings(&["making computers usable by everyone", "questioning how things have always been done"]),
        goals: strings(&["let people program computers in English-like languages"]),
        languages: strings(&["English"]),
        communication_style: Some(
            "Direct and witty; hands out foot-long wires to show how far light travels in a nanosecond".into(),
        ),
        quotes: strings(&[
            "It's easier to ask forgiveness than it is to get permission.",
            "The most dangerous phrase in the language is, 'We've always done it this way.'",
        ]),
        evidence: vec![
            Evidence {
                field: "occupation".into(),
                quote: "American computer scientist and US Navy rear admiral".into(),
                source: "block:0".into(),
            },
            Evidence {
                field: "skills".into(),
                quote: "she built the A-0 compiler in 1952".into(),
                source: "https://en.wikipedia.org/wiki/Grace_Hopper".into(),
            },
        ],
    };
    [ada, grace]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> PersonaId {
        PersonaId::parse(s).expect("a valid id")
    }

    fn document(id_text: &str, name: &str) -> StoredPersona {
        let draft = PersonaDraft {
            name: Some(name.into()),
            ..PersonaDraft::default()
        };
        StoredPersona::new(
            id(id_text),
            Persona::from_draft(draft).persona,
            SourceCounts::default(),
            Utc::now(),
        )
    }

    #[test]
    fn the_samples_need_no_repair() {
        for draft in sample_drafts() {
            assert_eq!(Persona::from_draft(draft).warnings, []);
        }
    }

    #[tokio::test]
    async fn both_samples_are_readable_under_their_ids() {
        let store = MemoryStore::with_samples();
        let names = ["Ada Lovelace", "Grace Hopper"];
        for (sample, name) in SAMPLE_IDS.iter().zip(names) {
            let document = store.get(&id(sample)).await.expect("a sample");
            assert_eq!(document.id().as_str(), *sample);
            assert_eq!(document.persona().name(), name);
            assert_eq!(
                document.metadata().created_at.to_rfc3339(),
                "2026-01-01T00:00:00+00:00"
            );
            assert_eq!(
                (
                    document.metadata().source_blocks,
                    document.metadata().source_links
                ),
                (1, 1)
            );
        }
    }

    #[tokio::test]
    async fn a_new_store_is_empty() {
        let store = MemoryStore::new();
        assert_eq!(
            store.get(&id(SAMPLE_IDS[0])).await,
            Err(StoreError::NotFound)
        );
    }

    #[tokio::test]
    async fn create_then_get_round_trips() {
        let store = MemoryStore::new();
        let saved = document("V1StGXR8_Z5jdHi6B-myT", "Maya Patel");
        store.create(&saved).await.expect("created");
        assert_eq!(store.get(saved.id()).await, Ok(saved));
    }

    #[tokio::test]
    async fn create_under_a_taken_id_fails_and_keeps_the_original() {
        let store = MemoryStore::new();
        let original = document("V1StGXR8_Z5jdHi6B-myT", "Maya Patel");
        store.create(&original).await.expect("created");
        let intruder = document("V1StGXR8_Z5jdHi6B-myT", "Someone Else");
        assert_eq!(
            store.create(&intruder).await,
            Err(StoreError::AlreadyExists)
        );
        assert_eq!(store.get(original.id()).await, Ok(original));
    }

    #[tokio::test]
    async fn a_sample_id_is_taken() {
        let store = MemoryStore::with_samples();
        let intruder = document(SAMPLE_IDS[1], "Someone Else");
        assert_eq!(
            store.create(&intruder).await,
            Err(StoreError::AlreadyExists)
        );
        let kept = store.get(&id(SAMPLE_IDS[1])).await.expect("the sample");
        assert_eq!(kept.persona().name(), "Grace Hopper");
    }

    #[tokio::test]
    async fn an_unknown_id_is_not_found() {
        let store = MemoryStore::with_samples();
        assert_eq!(
            store.get(&id("AAAAAAAAAAAAAAAAAAAAA")).await,
            Err(StoreError::NotFound)
        );
    }

    #[tokio::test]
    async fn debug_shows_no_persona_content() {
        let shown = format!("{:?}", MemoryStore::with_samples());
        assert_eq!(shown, "MemoryStore { documents: 2 }");
        assert_eq!(MemoryStore::new().name(), "memory");
    }
}
