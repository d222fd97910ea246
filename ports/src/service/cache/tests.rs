//! The process cache over an in-memory record store and a mocked extractor.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use persona_domain::PersonaDraft;

use super::*;
use crate::extractor::{ExtractError, ExtractFailure, Extraction, MockPersonaExtractor};
use crate::records::RecordEntry;
use crate::service::{PersonaService, ProcessOptions};
use crate::store::{MockPersonaStore, StoreError};

/// A record's bytes and when they were written, by kind and key.
type Map = BTreeMap<(RecordKind, RecordKey), (Vec<u8>, DateTime<Utc>)>;

/// Records in a map; `broken` refuses every call, as a store that is down.
#[derive(Debug, Default)]
struct Records {
    map: Mutex<Map>,
    broken: bool,
}

impl Records {
    fn only_key(&self) -> RecordKey {
        let map = self.map.lock().unwrap();
        assert_eq!(map.len(), 1, "one entry");
        map.keys().next().unwrap().1.clone()
    }

    fn set(&self, key: &RecordKey, bytes: &[u8]) {
        self.map.lock().unwrap().insert(
            (RecordKind::ProcessCache, key.clone()),
            (bytes.to_vec(), Utc::now()),
        );
    }

    fn len(&self) -> usize {
        self.map.lock().unwrap().len()
    }

    fn down<T>(&self) -> Result<T, StoreError> {
        Err(StoreError::Unavailable {
            retryable: true,
            reason: "down".into(),
        })
    }
}

#[async_trait]
impl RecordStore for Records {
    fn name(&self) -> &'static str {
        "test"
    }
    async fn put(
        &self,
        kind: RecordKind,
        key: &RecordKey,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
        if self.broken {
            return self.down();
        }
        self.map
            .lock()
            .unwrap()
            .insert((kind, key.clone()), (bytes, Utc::now()));
        Ok(())
    }
    async fn get(&self, kind: RecordKind, key: &RecordKey) -> Result<Option<Vec<u8>>, StoreError> {
        if self.broken {
            return self.down();
        }
        Ok(self
            .map
            .lock()
            .unwrap()
            .get(&(kind, key.clone()))
            .map(|(b, _)| b.clone()))
    }
    async fn delete(&self, kind: RecordKind, key: &RecordKey) -> Result<(), StoreError> {
        if self.broken {
            return self.down();
        }
        self.map.lock().unwrap().remove(&(kind, key.clone()));
        Ok(())
    }
    async fn list(
        &self,
        kind: RecordKind,
        after: Option<&RecordKey>,
        limit: usize,
    ) -> Result<Vec<RecordEntry>, StoreError> {
        if self.broken {
            return self.down();
        }
        Ok(self
            .map
            .lock()
            .unwrap()
            .iter()
            .filter(|((k, key), _)| *k == kind && after.is_none_or(|a| key > a))
            .take(limit)
            .map(|((_, key), (_, at))| RecordEntry {
                key: key.clone(),
                written_at: *at,
            })
            .collect())
    }
}

fn bundle(text: &str) -> SourceBundle {
    SourceBundle::parse(&[text.to_owned()], &[]).expect("valid")
}

fn usage() -> Usage {
    Usage {
        model: "test-model".into(),
        prompt_tokens: 120,
        completion_tokens: 80,
        attempts: 2,
    }
}

/// An extractor that must be called exactly `calls` times; the first call fails when `fail_first`.
fn extractor(calls: usize, fail_first: bool) -> MockPersonaExtractor {
    let mut extractor = MockPersonaExtractor::new();
    extractor.expect_name().return_const("mock-extractor");
    // Any material in one call: nothing is ever split.
    extractor.expect_chunk_budget().return_const(None);
    extractor
        .expect_fingerprint()
        .returning(|| "mock-extractor|v1".to_owned());
    let mut seq = 0;
    extractor.expect_extract().times(calls).returning(move |_| {
        seq += 1;
        if fail_first && seq == 1 {
            return Err(ExtractFailure::with_usage(ExtractError::Timeout, usage()));
        }
        Ok(Extraction {
            draft: PersonaDraft {
                name: Some("Ada".into()),
                age: Some(36),
                interests: vec!["chess".into(), "Chess".into()],
                ..PersonaDraft::default()
            },
            usage: usage(),
        })
    });
    extractor
}

fn service(
    extractor: MockPersonaExtractor,
    records: Arc<Records>,
    ttl: Duration,
) -> PersonaService {
    let mut store = MockPersonaStore::new();
    store.expect_name().return_const("mock-store");
    PersonaService::new(Arc::new(extractor), Arc::new(store))
        .with_records(records)
        .with_process_cache(ProcessCache::new(b"a test secret", ttl))
}

const WEEK: Duration = ProcessCache::DEFAULT_TTL;

async fn process(
    service: &PersonaService,
    text: &str,
    fresh: bool,
) -> Result<Processed, ExtractFailure> {
    service
        .process_observed(&bundle(text), ProcessOptions { fresh }, &|_| {})
        .await
}

#[tokio::test]
async fn the_extractors_budget_is_asked_once_per_processing_for_the_key_and_the_extraction() {
    // A model's budget is a count with its tokenizer: the cache key and the extraction share
    // one. A budget the material fits, so the key says how it would be cut (not `none`).
    let mut extractor = MockPersonaExtractor::new();
    extractor.expect_name().return_const("mock-extractor");
    extractor
        .expect_fingerprint()
        .returning(|| "mock-extractor|v1".to_owned());
    extractor
        .expect_chunk_budget()
        .times(1)
        .return_const(Some(10_000));
    // No bound: the material is measured, as a model's long material is.
    extractor.expect_measure_bound().returning(|_| None);
    extractor
        .expect_measure()
        .returning(|text| u32::try_from(text.len()).unwrap_or(u32::MAX));
    extractor.expect_extract().times(1).returning(|_| {
        Ok(Extraction {
            draft: PersonaDraft {
                name: Some("Ada".into()),
                ..PersonaDraft::default()
            },
            usage: usage(),
        })
    });
    let service = service(extractor, Arc::new(Records::default()), WEEK);
    let processed = process(&service, "I am Ada, 36.", false).await.unwrap();
    assert_eq!((processed.persona.name(), processed.cached), ("Ada", false));
}

#[test]
fn a_change_of_any_key_part_changes_the_key() {
    let cache = ProcessCache::new(b"secret", WEEK);
    let base = bundle("I am Ada.");
    let key = |b: &SourceBundle, fp: &str, mode| cache.key(b, fp, "none", mode);
    let first = key(&base, "mock", GroundingMode::Flag);
    assert_eq!(first, key(&base, "mock", GroundingMode::Flag), "stable");
    let others = [
        key(&bundle("I am Ada!"), "mock", GroundingMode::Flag),
        key(
            &SourceBundle::parse(&["I am Ada.".into()], &["https://example.com/ada".into()])
                .unwrap(),
            "mock",
            GroundingMode::Flag,
        ),
        key(
            &SourceBundle::parse(&["I am".into(), "Ada.".into()], &[]).unwrap(),
            "mock",
            GroundingMode::Flag,
        ),
        key(&base, "openai|model-b", GroundingMode::Flag),
        key(&base, "mock", GroundingMode::Strict),
        cache.key(&base, "mock", "c1:budget=400", GroundingMode::Flag),
        ProcessCache::new(b"another secret", WEEK).key(&base, "mock", "none", GroundingMode::Flag),
    ];
    for (i, other) in others.iter().enumerate() {
        assert_ne!(&first, other, "part {i} changed the key");
    }
    assert_eq!(first.as_str().len(), 64);
    assert!(!first.as_str().contains("Ada"));
}

#[tokio::test]
async fn a_repeat_is_answered_from_the_cache_for_no_tokens() {
    let records = Arc::new(Records::default());
    let service = service(extractor(1, false), Arc::clone(&records), WEEK);
    let first = process(&service, "I am Ada, 36.", false).await.unwrap();
    assert!(!first.cached);
    assert_eq!(first.original_usage, None);
    let again = process(&service, "I am Ada, 36.", false).await.unwrap();
    assert!(again.cached);
    assert_eq!(
        (
            again.usage.prompt_tokens,
            again.usage.completion_tokens,
            again.usage.attempts
        ),
        (0, 0, 0)
    );
    assert_eq!(again.usage.model, "test-model");
    assert_eq!(again.original_usage, Some(usage()));
    assert_eq!(again.persona, first.persona);
    assert_eq!(again.grounding, first.grounding);
    assert_eq!(again.warnings, first.warnings);
    assert!(!first.warnings.is_empty(), "the warnings are kept too");
}

#[tokio::test]
async fn fresh_extracts_again_and_replaces_the_entry() {
    let records = Arc::new(Records::default());
    let service = service(extractor(2, false), Arc::clone(&records), WEEK);
    process(&service, "I am Ada.", false).await.unwrap();
    let fresh = process(&service, "I am Ada.", true).await.unwrap();
    assert!(!fresh.cached);
    assert!(process(&service, "I am Ada.", false).await.unwrap().cached);
    assert_eq!(records.len(), 1);
}

#[tokio::test]
async fn failures_are_never_cached() {
    let records = Arc::new(Records::default());
    let service = service(extractor(2, true), Arc::clone(&records), WEEK);
    assert!(process(&service, "I am Ada.", false).await.is_err());
    assert_eq!(records.len(), 0);
    assert!(!process(&service, "I am Ada.", false).await.unwrap().cached);
}

#[tokio::test]
async fn an_expired_entry_never_answers_and_is_removed() {
    let records = Arc::new(Records::default());
    let service = service(extractor(2, false), Arc::clone(&records), Duration::ZERO);
    process(&service, "I am Ada.", false).await.unwrap();
    let key = records.only_key();
    let cache = service.process_cache().unwrap();
    assert!(cache.lookup(records.as_ref(), &key).await.is_none());
    assert_eq!(records.len(), 0, "removed on reading");
    assert!(!process(&service, "I am Ada.", false).await.unwrap().cached);
}

#[tokio::test]
async fn a_sweep_removes_what_the_ttl_has_passed() {
    let records = Arc::new(Records::default());
    let service = service(extractor(1, false), Arc::clone(&records), Duration::ZERO);
    process(&service, "I am Ada.", false).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        service
            .process_cache()
            .unwrap()
            .sweep(records.as_ref())
            .await,
        1
    );
    assert_eq!(records.len(), 0);
    let keeping = ProcessCache::new(b"s", WEEK);
    records.set(&RecordKey::parse("young").unwrap(), b"{}");
    assert_eq!(keeping.sweep(records.as_ref()).await, 0, "within the TTL");
}

#[tokio::test]
async fn a_damaged_or_edited_entry_is_a_miss() {
    let records = Arc::new(Records::default());
    let service = service(extractor(1, false), Arc::clone(&records), WEEK);
    process(&service, "I am Ada.", false).await.unwrap();
    let key = records.only_key();
    let whole = records
        .map
        .lock()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .0
        .clone();
    let cache = service.process_cache().unwrap();
    let json = cache.open(&key, &whole).expect("a sealed entry").to_vec();
    let text = String::from_utf8(json.clone()).unwrap();
    let other_key = RecordKey::parse("another").unwrap();
    let damaged: Vec<Vec<u8>> = vec![
        whole[..whole.len() / 2].to_vec(),
        b"\x00\xff".to_vec(),
        json.clone(),
        // An edit without the secret: the seal no longer holds.
        whole
            .iter()
            .map(|&b| if b == b'A' { b'B' } else { b })
            .collect(),
        // Sealed for another key, copied here.
        cache.seal(&other_key, &json),
        // Sealed properly, yet a persona the rules refuse (an age out of range).
        cache.seal(&key, text.replace("\"age\":36", "\"age\":400").as_bytes()),
        // Sealed properly, yet a grounding naming a value the persona does not have.
        cache.seal(
            &key,
            text.replace("\"/interests/0\"", "\"/interests/7\"")
                .as_bytes(),
        ),
        cache.seal(
            &key,
            text.replace("\"format\":1", "\"format\":2").as_bytes(),
        ),
    ];
    for (i, bytes) in damaged.iter().enumerate() {
        assert_ne!(bytes, &whole, "case {i} changes the entry");
        records.set(&key, bytes);
        assert!(
            cache.lookup(records.as_ref(), &key).await.is_none(),
            "case {i}"
        );
        assert_eq!(records.len(), 0, "case {i}: removed");
    }
    records.set(&key, &whole);
    assert!(
        cache.lookup(records.as_ref(), &key).await.is_some(),
        "the whole entry still answers"
    );
}

#[tokio::test]
async fn a_store_that_is_down_never_fails_a_processing() {
    let records = Arc::new(Records {
        broken: true,
        ..Records::default()
    });
    let service = service(extractor(2, false), records, WEEK);
    assert!(!process(&service, "I am Ada.", false).await.unwrap().cached);
    assert!(!process(&service, "I am Ada.", false).await.unwrap().cached);
}
