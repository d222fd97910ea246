//! Interaction tests of the use cases over mocked ports.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use persona_domain::{Evidence, GroundingStatus, PersonaDraft, WarningCode};

use super::*;
use crate::extractor::{ExtractError, ExtractFailure, Extraction, MockPersonaExtractor};
use crate::store::MockPersonaStore;

fn bundle() -> SourceBundle {
    SourceBundle::parse(&["I am Ada, 36 years old.".to_owned()], &[]).expect("valid")
}

fn usage() -> Usage {
    Usage {
        model: "test-model".into(),
        prompt_tokens: 120,
        completion_tokens: 80,
        attempts: 2,
    }
}

fn persona() -> Persona {
    Persona::from_draft(PersonaDraft {
        name: Some("Ada".into()),
        ..PersonaDraft::default()
    })
    .persona
}

fn service(extractor: MockPersonaExtractor, store: MockPersonaStore) -> PersonaService {
    PersonaService::new(Arc::new(extractor), Arc::new(store))
}

fn quiet_extractor() -> MockPersonaExtractor {
    let mut extractor = MockPersonaExtractor::new();
    extractor.expect_name().return_const("mock-extractor");
    // An extractor that takes any material in one call: nothing is ever split.
    extractor.expect_chunk_budget().return_const(None);
    extractor
}

fn quiet_store() -> MockPersonaStore {
    let mut store = MockPersonaStore::new();
    store.expect_name().return_const("mock-store");
    store
}

#[tokio::test]
async fn process_applies_the_rules_to_the_draft_and_keeps_the_usage() {
    let mut extractor = quiet_extractor();
    extractor.expect_extract().times(1).returning(|_| {
        Ok(Extraction {
            draft: PersonaDraft {
                name: None,
                age: Some(400),
                ..PersonaDraft::default()
            },
            usage: usage(),
        })
    });
    let processed = service(extractor, quiet_store())
        .process(&bundle())
        .await
        .expect("processed");
    assert_eq!(processed.persona.name(), Persona::UNNAMED);
    assert_eq!(processed.persona.age(), None);
    let codes: Vec<WarningCode> = processed.warnings.iter().map(|w| w.code).collect();
    assert_eq!(
        codes,
        [WarningCode::NameMissing, WarningCode::AgeOutOfRange]
    );
    assert_eq!(processed.usage, usage());
    assert!(!processed.cached);
}

fn extractor_of(draft: PersonaDraft) -> MockPersonaExtractor {
    let mut extractor = quiet_extractor();
    extractor.expect_extract().times(1).returning(move |_| {
        Ok(Extraction {
            draft: draft.clone(),
            usage: usage(),
        })
    });
    extractor
}

fn ada_in_paris() -> PersonaDraft {
    PersonaDraft {
        name: Some("Ada".into()),
        age: Some(36),
        location: Some("Paris".into()),
        evidence: vec![
            Evidence {
                field: "name".into(),
                quote: "I am Ada".into(),
                source: "block:0".into(),
            },
            Evidence {
                field: "location".into(),
                quote: "I live in Paris".into(),
                source: "block:0".into(),
            },
        ],
        ..PersonaDraft::default()
    }
}

#[tokio::test]
async fn process_grounds_the_persona_in_the_bundle_flagging_by_default() {
    let processed = service(extractor_of(ada_in_paris()), quiet_store())
        .process(&bundle())
        .await
        .expect("processed");
    let status = |p: &str| processed.grounding.fields.get(p).map(|f| f.status);
    assert_eq!(status("/name"), Some(GroundingStatus::Quoted));
    assert_eq!(status("/age"), Some(GroundingStatus::Stated));
    assert_eq!(status("/location"), Some(GroundingStatus::Inferred));
    assert_eq!(processed.persona.location(), Some("Paris"));
    assert_eq!(processed.grounding.counts.fabricated_quotes, 1);
    assert_eq!(processed.persona.evidence().len(), 1);
    let codes: Vec<WarningCode> = processed.warnings.iter().map(|w| w.code).collect();
    assert_eq!(codes, [WarningCode::FabricatedQuote]);
}

#[tokio::test]
async fn strict_grounding_nulls_an_unsupported_location() {
    let processed = service(extractor_of(ada_in_paris()), quiet_store())
        .with_grounding(GroundingMode::Strict)
        .process(&bundle())
        .await
        .expect("processed");
    assert_eq!(processed.persona.location(), None);
    assert_eq!(processed.grounding.mode, GroundingMode::Strict);
    assert_eq!(processed.grounding.counts.inferred, 0);
    assert_eq!(processed.grounding.fields.get("/location"), None);
    assert!(
        processed
            .warnings
            .iter()
            .any(|w| w.field == "/location" && w.code == WarningCode::UnsupportedRemoved),
        "{:?}",
        processed.warnings
    );
    assert_eq!(processed.persona.name(), "Ada");
}

#[tokio::test]
async fn save_keeps_the_grounding_in_the_document() {
    let bundle = bundle();
    let grounding = persona_domain::ground(persona(), &bundle, GroundingMode::Flag).grounding;
    let mut store = quiet_store();
    store.expect_create().times(1).returning(|_| Ok(()));
    let saved = service(quiet_extractor(), store)
        .save(persona(), SourceCounts::default(), Some(grounding.clone()))
        .await
        .expect("saved");
    // Nothing verified its signatures, so the document keeps it as the client's claim.
    let mut expected = grounding;
    expected.default_unverified();
    assert_eq!(saved.grounding(), Some(&expected));
}

#[tokio::test]
async fn process_passes_the_bundle_to_the_extractor() {
    let mut extractor = quiet_extractor();
    extractor
        .expect_extract()
        .withf(|b| b.text_blocks() == ["I am Ada, 36 years old."])
        .times(1)
        .returning(|_| {
            Ok(Extraction {
                draft: PersonaDraft::default(),
                usage: usage(),
            })
        });
    service(extractor, quiet_store())
        .process(&bundle())
        .await
        .expect("processed");
}

#[tokio::test]
async fn process_returns_the_extractor_failure_unchanged_with_its_usage() {
    let mut extractor = quiet_extractor();
    extractor
        .expect_extract()
        .returning(|_| Err(ExtractFailure::with_usage(ExtractError::Timeout, usage())));
    assert_eq!(
        service(extractor, quiet_store()).process(&bundle()).await,
        Err(ExtractFailure::with_usage(ExtractError::Timeout, usage()))
    );
}

#[tokio::test]
async fn save_stores_one_document_with_a_fresh_id_and_metadata() {
    let stored = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&stored);
    let mut store = quiet_store();
    store.expect_create().times(1).returning(move |doc| {
        seen.lock().expect("lock").push(doc.clone());
        Ok(())
    });
    let source = SourceCounts {
        blocks: 2,
        links: 1,
    };
    let saved = service(quiet_extractor(), store)
        .save(persona(), source, None)
        .await
        .expect("saved");
    assert_eq!(*stored.lock().expect("lock"), vec![saved.clone()]);
    assert_eq!(saved.persona(), &persona());
    assert_eq!(saved.metadata().persona_id, *saved.id());
    assert_eq!(
        (
            saved.metadata().source_blocks,
            saved.metadata().source_links
        ),
        (2, 1)
    );
}

#[tokio::test]
async fn a_taken_id_leads_to_a_fresh_id_never_an_overwrite() {
    let ids = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&ids);
    let mut store = quiet_store();
    store.expect_create().times(2).returning(move |doc| {
        let mut ids = seen.lock().expect("lock");
        ids.push(doc.id().clone());
        if ids.len() == 1 {
            Err(StoreError::AlreadyExists)
        } else {
            Ok(())
        }
    });
    let saved = service(quiet_extractor(), store)
        .save(persona(), SourceCounts::default(), None)
        .await
        .expect("saved");
    let ids = ids.lock().expect("lock");
    assert_ne!(ids[0], ids[1], "the retry uses a fresh id");
    assert_eq!(saved.id(), &ids[1]);
}

#[tokio::test]
async fn a_store_that_reports_every_id_taken_fails_after_a_bounded_number_of_tries() {
    let mut store = quiet_store();
    store
        .expect_create()
        .times(MAX_ID_ATTEMPTS as usize)
        .returning(|_| Err(StoreError::AlreadyExists));
    let result = service(quiet_extractor(), store)
        .save(persona(), SourceCounts::default(), None)
        .await;
    assert!(
        matches!(result, Err(StoreError::Unexpected(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn save_returns_other_store_errors_without_retrying() {
    let mut store = quiet_store();
    let unavailable = StoreError::Unavailable {
        retryable: true,
        reason: "down".into(),
    };
    let returned = unavailable.clone();
    store
        .expect_create()
        .times(1)
        .returning(move |_| Err(returned.clone()));
    let result = service(quiet_extractor(), store)
        .save(persona(), SourceCounts::default(), None)
        .await;
    assert_eq!(result, Err(unavailable));
}

#[tokio::test]
async fn get_asks_the_store_for_that_id() {
    let id = PersonaId::parse("V1StGXR8_Z5jdHi6B-myT").expect("id");
    let mut store = quiet_store();
    store
        .expect_get()
        .with(mockall::predicate::eq(id.clone()))
        .times(1)
        .returning(|_| Err(StoreError::NotFound));
    assert_eq!(
        service(quiet_extractor(), store).get(&id).await,
        Err(StoreError::NotFound)
    );
}

#[test]
fn fresh_ids_are_valid_and_distinct() {
    let ids: HashSet<PersonaId> = (0..1000).map(|_| fresh_id()).collect();
    assert_eq!(ids.len(), 1000);
}

#[tokio::test]
async fn the_rules_and_the_grounding_run_through_the_offload_with_the_same_result() {
    let jobs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Arc::clone(&jobs);
    let offload = crate::Offload::new(move |job| {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let thread = std::thread::spawn(job);
        Box::pin(async move { thread.join().expect("the job ends") })
    });
    let inline = service(extractor_of(ada_in_paris()), quiet_store())
        .process(&bundle())
        .await
        .expect("processed");
    let offloaded = service(extractor_of(ada_in_paris()), quiet_store())
        .with_offload(offload)
        .process(&bundle())
        .await
        .expect("processed");
    assert_eq!(offloaded, inline);
    assert_eq!(jobs.load(std::sync::atomic::Ordering::SeqCst), 1);
}
