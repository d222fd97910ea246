//! The port contracts: the store contract macro every store adapter runs through, the memory and
//! file stores here, and the mock extractor. Supabase runs the macro in `supabase/contract.rs`,
//! the OpenAI extractor its cases in `openai.rs`.

use std::any::Any;
use std::sync::Arc;

use persona_adapters_fs::FsStore;
use persona_adapters_mock::{MemoryStore, MockExtractor};
use persona_ports::PersonaStore;
use persona_tests::extractor_contract as extractor;

/// A store for one case, with what must outlive it (a temporary folder, a fake server); `None`
/// when the case cannot run here (a real service that is not configured).
pub type Made = Option<(Arc<dyn PersonaStore>, Box<dyn Any + Send>)>;

/// Runs each store case as its own test against one adapter. `$make` is an async function
/// returning a fresh [`Made`] store.
macro_rules! store_contract {
    ($adapter:ident, $make:path) => {
        mod $adapter {
            use super::*;

            #[tokio::test]
            async fn create_then_get_round_trips() {
                let Some((s, _keep)) = $make().await else {
                    return;
                };
                persona_tests::store_contract::create_then_get_round_trips(s.as_ref()).await;
            }

            #[tokio::test]
            async fn unicode_round_trips() {
                let Some((s, _keep)) = $make().await else {
                    return;
                };
                persona_tests::store_contract::unicode_round_trips(s.as_ref()).await;
            }

            #[tokio::test]
            async fn missing_id_is_not_found() {
                let Some((s, _keep)) = $make().await else {
                    return;
                };
                persona_tests::store_contract::missing_id_is_not_found(s.as_ref()).await;
            }

            #[tokio::test]
            async fn create_never_overwrites() {
                let Some((s, _keep)) = $make().await else {
                    return;
                };
                persona_tests::store_contract::create_never_overwrites(s.as_ref()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_creates_of_distinct_ids_all_land() {
                let Some((s, _keep)) = $make().await else {
                    return;
                };
                persona_tests::store_contract::concurrent_creates_of_distinct_ids_all_land(s).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn racing_creates_of_one_id_have_one_winner() {
                let Some((s, _keep)) = $make().await else {
                    return;
                };
                persona_tests::store_contract::racing_creates_of_one_id_have_one_winner(s).await;
            }
        }
    };
}
pub(crate) use store_contract;

async fn memory() -> Made {
    Some((Arc::new(MemoryStore::new()), Box::new(())))
}

async fn files() -> Made {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsStore::open(dir.path()).expect("open");
    Some((Arc::new(store), Box::new(dir)))
}

store_contract!(memory_store, memory);
store_contract!(fs_store, files);

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
}
