//! Every port contract, run against every adapter that exists.

use std::sync::Arc;

use persona_adapters_fs::FsStore;
use persona_adapters_mock::{MemoryStore, MockExtractor};
use persona_ports::PersonaStore;
use persona_tests::extractor_contract::{self as extractor, Capabilities};
use persona_tests::store_contract as store;

/// Runs each store case as its own test against one adapter. `$make` builds a fresh store and
/// returns it with whatever must live as long as it (a temporary folder).
macro_rules! store_contract {
    ($adapter:ident, $make:expr) => {
        mod $adapter {
            use super::*;

            fn make() -> (Arc<dyn PersonaStore>, Box<dyn std::any::Any>) {
                $make
            }

            #[tokio::test]
            async fn create_then_get_round_trips() {
                let (s, _keep) = make();
                store::create_then_get_round_trips(s.as_ref()).await;
            }

            #[tokio::test]
            async fn unicode_round_trips() {
                let (s, _keep) = make();
                store::unicode_round_trips(s.as_ref()).await;
            }

            #[tokio::test]
            async fn missing_id_is_not_found() {
                let (s, _keep) = make();
                store::missing_id_is_not_found(s.as_ref()).await;
            }

            #[tokio::test]
            async fn create_never_overwrites() {
                let (s, _keep) = make();
                store::create_never_overwrites(s.as_ref()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_creates_of_distinct_ids_all_land() {
                let (s, _keep) = make();
                store::concurrent_creates_of_distinct_ids_all_land(s).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn racing_creates_of_one_id_have_one_winner() {
                let (s, _keep) = make();
                store::racing_creates_of_one_id_have_one_winner(s).await;
            }
        }
    };
}

store_contract!(memory_store, (Arc::new(MemoryStore::new()), Box::new(())));
store_contract!(fs_store, {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FsStore::open(dir.path()).expect("open");
    (Arc::new(store), Box::new(dir))
});

mod mock_extractor {
    use super::*;

    const CAPS: Capabilities = Capabilities {
        deterministic: true,
        verbatim_evidence: true,
    };

    #[tokio::test]
    async fn extraction_reports_usage_and_yields_a_valid_persona() {
        extractor::extraction_reports_usage_and_yields_a_valid_persona(&MockExtractor::new()).await;
    }

    #[tokio::test]
    async fn equal_bundles_give_equal_drafts() {
        extractor::equal_bundles_give_equal_drafts(&MockExtractor::new(), CAPS).await;
    }

    #[tokio::test]
    async fn evidence_quotes_are_verbatim_in_their_block() {
        extractor::evidence_quotes_are_verbatim_in_their_block(&MockExtractor::new(), CAPS).await;
    }
}
