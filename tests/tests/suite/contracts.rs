//! The port contracts: the store contract macro every store adapter runs through, the memory and
//! file stores here, and the mock extractor. Supabase runs the macro in `supabase/contract.rs`,
//! the OpenAI extractor its cases in `openai.rs`.

use std::sync::Arc;

use persona_adapters_fs::FsStore;
use persona_adapters_mock::{MemoryStore, MockExtractor};
use persona_tests::extractor_contract as extractor;
use persona_tests::store_contract::Subject;

/// A store for one case, opened with `Some(limit)` as its size limit when the case asks; `Err`
/// says why this adapter cannot run here (a real service that is not configured).
pub type Made = Result<Subject, String>;

/// Runs each store case as its own test against one adapter. `$make` is an async function taking
/// an optional size limit and returning a fresh [`Made`] store; `required` says whether every case
/// must run (`true` for every store that needs no outside service), or a case this adapter cannot
/// set up is reported as skipped.
macro_rules! store_contract {
    ($adapter:ident, $make:path, required = $required:expr) => {
        mod $adapter {
            use super::*;
            use persona_tests::store_contract::{self as contract, cannot_run};

            /// The store for one case, or `None` (reported) when it cannot run here.
            async fn subject(limit: Option<u64>) -> Option<contract::Subject> {
                match $make(limit).await {
                    Ok(subject) => Some(subject),
                    Err(why) => {
                        cannot_run($required, &why);
                        None
                    }
                }
            }

            /// As [`subject`], with the adapter's way to write past it.
            async fn planted() -> Option<(contract::Subject, contract::Plant)> {
                let mut subject = subject(None).await?;
                match subject.plant.take() {
                    Some(plant) => Some((subject, plant)),
                    None => {
                        cannot_run($required, "nothing can be written past this store");
                        None
                    }
                }
            }

            #[tokio::test]
            async fn create_then_get_round_trips() {
                let Some(s) = subject(None).await else { return };
                contract::create_then_get_round_trips(s.store.as_ref()).await;
            }

            #[tokio::test]
            async fn unicode_round_trips() {
                let Some(s) = subject(None).await else { return };
                contract::unicode_round_trips(s.store.as_ref()).await;
            }

            #[tokio::test]
            async fn missing_id_is_not_found() {
                let Some(s) = subject(None).await else { return };
                contract::missing_id_is_not_found(s.store.as_ref()).await;
            }

            #[tokio::test]
            async fn create_never_overwrites() {
                let Some(s) = subject(None).await else { return };
                contract::create_never_overwrites(s.store.as_ref()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_creates_of_distinct_ids_all_land() {
                let Some(s) = subject(None).await else { return };
                contract::concurrent_creates_of_distinct_ids_all_land(s.store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn racing_creates_of_one_id_have_one_winner() {
                let Some(s) = subject(None).await else { return };
                contract::racing_creates_of_one_id_have_one_winner(s.store).await;
            }

            #[tokio::test]
            async fn too_large_is_refused_and_leaves_nothing() {
                let Some(s) = subject(Some(contract::SMALL_LIMIT)).await else {
                    return;
                };
                contract::too_large_is_refused_and_leaves_nothing(s.store.as_ref()).await;
            }

            #[tokio::test]
            async fn damaged_document_reads_as_unexpected() {
                let Some((s, plant)) = planted().await else {
                    return;
                };
                contract::damaged_document_reads_as_unexpected(s.store.as_ref(), &plant).await;
            }

            #[tokio::test]
            async fn foreign_document_reads_as_unexpected() {
                let Some((s, plant)) = planted().await else {
                    return;
                };
                contract::foreign_document_reads_as_unexpected(s.store.as_ref(), &plant).await;
            }
        }
    };
}
pub(crate) use store_contract;

async fn memory(limit: Option<u64>) -> Made {
    let store = match limit {
        Some(max) => MemoryStore::new().with_max_document_bytes(max),
        None => MemoryStore::new(),
    };
    let store = Arc::new(store);
    let planted = Arc::clone(&store);
    Ok(Subject {
        store,
        plant: Some(Box::new(move |id, bytes| {
            planted.insert_unchecked(id, bytes);
        })),
        keep: Box::new(()),
    })
}

async fn files(limit: Option<u64>) -> Made {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = FsStore::open(dir.path()).expect("open");
    if let Some(max) = limit {
        store = store.with_max_document_bytes(max);
    }
    let folder = dir.path().to_owned();
    Ok(Subject {
        store: Arc::new(store),
        plant: Some(Box::new(move |id, bytes| {
            std::fs::write(folder.join(format!("{id}.json")), bytes).expect("planted");
        })),
        keep: Box::new(dir),
    })
}

store_contract!(memory_store, memory, required = true);
store_contract!(fs_store, files, required = true);

mod mock_extractor {
    use super::*;

    #[tokio::test]
    async fn extraction_reports_usage_and_yields_a_valid_persona() {
        extractor::extraction_reports_usage_and_yields_a_valid_persona(&MockExtractor::new()).await;
    }

    #[tokio::test]
    async fn equal_bundles_give_equal_drafts() {
        extractor::equal_bundles_give_equal_drafts(&MockExtractor::new()).await;
    }

    #[tokio::test]
    async fn evidence_quotes_are_verbatim_in_their_block() {
        extractor::evidence_quotes_are_verbatim_in_their_block(&MockExtractor::new()).await;
    }

    #[tokio::test]
    async fn a_chunk_names_the_blocks_of_the_whole_material() {
        for mock in [
            MockExtractor::new(),
            MockExtractor::new().with_chunk_chars(200),
        ] {
            extractor::a_chunk_names_the_blocks_of_the_whole_material(&mock).await;
        }
    }
}

/// Every case of each contract is called by every runner of it: a case added to a suite but to no
/// runner would pass by never running. (The store runner is one macro, so each store adapter runs
/// the set it calls.)
#[test]
fn every_contract_case_is_called_by_every_runner() {
    let read = |path: &str| {
        std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
            .unwrap_or_else(|e| panic!("read {path}: {e}"))
    };
    let case = regex::Regex::new(r"(?m)^pub async fn (\w+)").expect("a valid pattern");
    let suites = [
        ("src/store_contract.rs", &["tests/suite/contracts.rs"][..]),
        (
            "src/extractor_contract.rs",
            &["tests/suite/contracts.rs", "tests/suite/openai.rs"][..],
        ),
    ];
    for (suite, runners) in suites {
        let suite_text = read(suite);
        let cases: Vec<&str> = case
            .captures_iter(&suite_text)
            .map(|c| c.get(1).expect("a name").as_str())
            .collect();
        assert!(cases.len() >= 3, "{suite} has cases: {cases:?}");
        for runner in runners {
            let runner_text = read(runner);
            for case in &cases {
                assert!(
                    runner_text.contains(&format!("::{case}(")),
                    "{runner} never runs {case} of {suite}"
                );
            }
        }
    }
}
