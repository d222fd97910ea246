//! The chunked extraction step over a fake extractor that takes a few hundred characters a call
//! and reads "I am N years old" and "I like X" from what it is given.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use persona_domain::{Evidence, GroundingStatus, PersonaDraft, SourceBundle, WarningCode};

use crate::extractor::{
    ExtractError, ExtractFailure, Extraction, MeasureUnit, PersonaExtractor, Usage,
};
use crate::service::{PersonaService, Processed, Progress};
use crate::store::MockPersonaStore;

#[derive(Debug, Default)]
struct Reader {
    /// The most characters one call takes; `None`: any material.
    budget: Option<u32>,
    /// The call (counting from 0) that fails with a timeout.
    fail_call: Option<u32>,
    /// Whether a call streams its answer: 1, 2, 3 then 4 tokens told before it ends.
    streams: bool,
    calls: AtomicU32,
    running: AtomicU32,
    most_running: AtomicU32,
    /// Each call's blocks: (number in the whole material, text).
    seen: Mutex<Vec<Vec<(usize, String)>>>,
    /// Whether it knows a bound of its measure (bytes: at least the characters).
    bounded: bool,
    /// How many texts were measured exactly.
    measured: AtomicU32,
}

#[async_trait]
impl PersonaExtractor for Reader {
    fn name(&self) -> &'static str {
        "reader"
    }

    async fn extract(&self, bundle: &SourceBundle) -> Result<Extraction, ExtractFailure> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let running = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_running.fetch_max(running, Ordering::SeqCst);
        // Let every other call the service has started run up to here before this one ends.
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        self.running.fetch_sub(1, Ordering::SeqCst);
        let usage = Usage {
            model: "reader".into(),
            prompt_tokens: 100,
            completion_tokens: 10,
            attempts: 1,
        };
        if self.fail_call == Some(call) {
            return Err(ExtractFailure::with_usage(ExtractError::Timeout, usage));
        }
        let blocks: Vec<(usize, String)> = (0..bundle.text_blocks().len())
            .map(|i| (bundle.block_number(i), bundle.text_blocks()[i].clone()))
            .collect();
        self.seen.lock().expect("lock").push(blocks.clone());
        Ok(Extraction {
            draft: read(&blocks),
            usage,
        })
    }

    async fn extract_observed(
        &self,
        bundle: &SourceBundle,
        streamed: &(dyn Fn(u32) + Send + Sync),
    ) -> Result<Extraction, ExtractFailure> {
        if self.streams {
            for tokens in 1..=4 {
                streamed(tokens);
                tokio::task::yield_now().await;
            }
        }
        self.extract(bundle).await
    }

    fn chunk_budget(&self, _bundle: &SourceBundle) -> Option<u32> {
        self.budget
    }

    fn measure(&self, text: &str) -> u32 {
        self.measured.fetch_add(1, Ordering::SeqCst);
        u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
    }

    fn measure_bound(&self, text: &str) -> Option<u32> {
        self.bounded
            .then(|| u32::try_from(text.len()).unwrap_or(u32::MAX))
    }
}

/// Ages and likes, each sentence cited with its block.
fn read(blocks: &[(usize, String)]) -> PersonaDraft {
    let mut draft = PersonaDraft::default();
    for (number, text) in blocks {
        for sentence in text.split(". ").map(|s| s.trim_end_matches('.')) {
            let cite = |field: &str| Evidence {
                field: field.into(),
                quote: sentence.to_owned(),
                source: format!("block:{number}"),
            };
            if let Some(age) = sentence
                .strip_prefix("I am ")
                .and_then(|r| r.strip_suffix(" years old"))
            {
                draft.age = age.parse().ok();
                draft.evidence.push(cite("age"));
            }
            if let Some(liked) = sentence.strip_prefix("I like ") {
                draft.interests.push(liked.to_owned());
                draft.evidence.push(cite("interests"));
            }
        }
    }
    draft
}

fn quiet_store() -> MockPersonaStore {
    let mut store = MockPersonaStore::new();
    store.expect_name().return_const("mock-store");
    store
}

fn service(reader: &Arc<Reader>) -> PersonaService {
    PersonaService::new(reader.clone(), Arc::new(quiet_store()))
}

/// Six blocks: an age first, a different age last, and likes all through.
fn long_material() -> SourceBundle {
    let mut blocks = vec!["I am 34 years old. I like chess. Filler words follow here.".to_owned()];
    for i in 1..5 {
        blocks.push(format!(
            "Block {i} goes on about things. I like topic{i}. More filler words here."
        ));
    }
    blocks.push("I like chess. I am 35 years old. The end.".to_owned());
    SourceBundle::parse(&blocks, &[]).expect("valid")
}

#[tokio::test]
async fn material_that_fits_goes_whole_in_one_call() {
    for budget in [None, Some(10_000)] {
        let reader = Arc::new(Reader {
            budget,
            ..Reader::default()
        });
        let material = long_material();
        let processed = service(&reader)
            .process(&material)
            .await
            .expect("processed");
        assert_eq!(processed.chunks, 1);
        assert_eq!(reader.calls.load(Ordering::SeqCst), 1);
        let seen = reader.seen.lock().expect("lock");
        assert_eq!(seen[0].len(), material.text_blocks().len());
    }
}

#[tokio::test]
async fn long_material_is_read_in_chunks_merged_summed_and_reported() {
    let reader = Arc::new(Reader {
        budget: Some(160),
        ..Reader::default()
    });
    let material = long_material();
    let reports = Mutex::new(Vec::new());
    let processed = service(&reader)
        .process_observed(&material, Default::default(), &|p: Progress| {
            reports.lock().expect("lock").push(p)
        })
        .await
        .expect("processed");

    let calls = reader.calls.load(Ordering::SeqCst);
    assert!(calls >= 3, "{calls} calls");
    assert_eq!(processed.chunks, calls);
    assert_eq!(processed.usage.attempts, calls);
    assert_eq!(processed.usage.prompt_tokens, 100 * calls);
    // Every chunk named its blocks by their number in the whole material.
    for call in reader.seen.lock().expect("lock").iter() {
        for (number, text) in call {
            assert!(material.text_blocks()[*number].contains(text.as_str()));
        }
    }
    // Facts from the first to the last block, each quoted where the whole material holds it.
    let interests = processed.persona.interests();
    assert_eq!(interests[0], "chess", "the most supported item comes first");
    for i in 1..5 {
        assert!(interests.contains(&format!("topic{i}")), "{interests:?}");
    }
    assert_eq!(
        processed
            .grounding
            .fields
            .get("/interests/0")
            .map(|f| f.status),
        Some(GroundingStatus::Quoted)
    );
    // Two quoted ages, neither a clear statement of the present: null, the conflict reported.
    assert_eq!(processed.persona.age(), None);
    let conflict = processed
        .warnings
        .iter()
        .find(|w| w.code == WarningCode::ConflictingValues)
        .expect("a conflict");
    let values: Vec<(&str, Option<&str>)> = conflict
        .values
        .iter()
        .map(|v| (v.value.as_str(), v.source.as_deref()))
        .collect();
    assert_eq!(values, [("34", Some("block:0")), ("35", Some("block:5"))]);
    // Progress: the start, then once per chunk, with the tokens so far.
    let reports = reports.lock().expect("lock");
    assert_eq!(reports.len() as u32, calls + 1);
    assert_eq!(reports[0].chunks_done, 0);
    for (done, report) in reports.iter().enumerate() {
        assert_eq!(
            (
                report.chunks_done,
                report.chunks_total,
                report.completion_tokens
            ),
            (done as u32, calls, 10 * done as u32)
        );
    }
}

#[tokio::test]
async fn progress_tells_the_tokens_a_model_streams_while_a_chunk_runs() {
    for (budget, parallelism) in [(None, 1), (Some(160), 1)] {
        let reader = Arc::new(Reader {
            budget,
            streams: true,
            ..Reader::default()
        });
        let reports = Mutex::new(Vec::new());
        service(&reader)
            .with_chunk_parallelism(parallelism)
            .process_observed(&long_material(), Default::default(), &|p: Progress| {
                reports.lock().expect("lock").push(p)
            })
            .await
            .expect("processed");
        let calls = reader.calls.load(Ordering::SeqCst);
        // The start; then for each chunk in turn 1 to 4 streamed tokens on top of the ended
        // chunks' 10 each, and its end.
        let mut expected = vec![(0, calls, 0)];
        for done in 0..calls {
            expected.extend((1..=4).map(|streamed| (done, calls, 10 * done + streamed)));
            expected.push((done + 1, calls, 10 * (done + 1)));
        }
        let reports: Vec<(u32, u32, u32)> = reports
            .lock()
            .expect("lock")
            .iter()
            .map(|p| (p.chunks_done, p.chunks_total, p.completion_tokens))
            .collect();
        assert_eq!(reports, expected, "budget {budget:?}");
    }
}

#[tokio::test]
async fn chunks_run_a_few_at_a_time() {
    for parallelism in [1, 3] {
        let reader = Arc::new(Reader {
            budget: Some(160),
            ..Reader::default()
        });
        service(&reader)
            .with_chunk_parallelism(parallelism)
            .process(&long_material())
            .await
            .expect("processed");
        assert_eq!(
            reader.most_running.load(Ordering::SeqCst),
            parallelism as u32
        );
    }
}

#[tokio::test]
async fn a_failing_chunk_fails_the_whole_extraction_with_what_it_cost() {
    let reader = Arc::new(Reader {
        budget: Some(160),
        fail_call: Some(1),
        ..Reader::default()
    });
    let failure = service(&reader)
        .with_chunk_parallelism(1)
        .process(&long_material())
        .await
        .expect_err("no partial persona");
    assert_eq!(failure.error, ExtractError::Timeout);
    let usage = failure.usage.expect("usage");
    assert_eq!(
        usage.attempts, 2,
        "the chunk that answered and the one that failed"
    );
    assert_eq!(
        reader.calls.load(Ordering::SeqCst),
        2,
        "no chunk is read after a failure"
    );
}

#[tokio::test]
async fn a_sentence_longer_than_one_call_takes_is_refused_naming_its_block() {
    let reader = Arc::new(Reader {
        budget: Some(160),
        ..Reader::default()
    });
    let long = format!("Short. {}", "word ".repeat(60));
    let material =
        SourceBundle::parse(&["I am 30 years old.".to_owned(), long], &[]).expect("valid");
    let failure = service(&reader)
        .process(&material)
        .await
        .expect_err("unsplittable");
    assert!(
        matches!(
            failure.error,
            ExtractError::Unsplittable { block: 1, limit, size, unit: MeasureUnit::Characters }
                if size > limit
        ),
        "{:?}",
        failure.error
    );
    assert_eq!(
        reader.calls.load(Ordering::SeqCst),
        0,
        "no call is spent on it"
    );
}

/// The long material processed with a chunk budget of `budget`, the extractor giving a cheap
/// bound or not: the answer, how many times it measured, and what each call was given.
async fn with_bound(budget: u32, bounded: bool) -> (Processed, u32, Vec<Vec<(usize, String)>>) {
    let reader = Arc::new(Reader {
        budget: Some(budget),
        bounded,
        ..Reader::default()
    });
    let processed = service(&reader)
        .process(&long_material())
        .await
        .expect("processed");
    let measured = reader.measured.load(Ordering::SeqCst);
    let seen = reader.seen.lock().expect("lock").clone();
    (processed, measured, seen)
}

#[tokio::test]
async fn material_that_fits_by_the_bound_is_sent_whole_without_being_measured() {
    let (exact, measured_exactly, seen_exactly) = with_bound(10_000, false).await;
    let (bounded, measured_by_bound, seen_by_bound) = with_bound(10_000, true).await;
    assert!(
        measured_exactly > 0,
        "without a bound the material is measured"
    );
    assert_eq!(measured_by_bound, 0, "within the bound it is not measured");
    // The same call, with the same material, and the same answer.
    assert_eq!(seen_by_bound, seen_exactly);
    assert_eq!(
        (bounded.chunks, &bounded.persona, &bounded.warnings),
        (exact.chunks, &exact.persona, &exact.warnings)
    );
}

#[tokio::test]
async fn material_past_the_bound_is_measured_and_cut_as_without_one() {
    let cut = |bounded: bool| async move {
        let (processed, measured, mut seen) = with_bound(160, bounded).await;
        assert!(measured > 0);
        seen.sort();
        (processed.chunks, seen)
    };
    let (chunks, seen) = cut(true).await;
    assert!(chunks > 1, "{chunks}");
    assert_eq!((chunks, seen), cut(false).await);
}
