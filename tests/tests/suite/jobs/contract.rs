//! The job contract (`persona_tests::jobs_contract`) run against each record store. A new
//! record store adds one line to `job_contract!`.

use std::sync::Arc;

use persona_adapters_mock::MemoryRecords;
use persona_ports::RecordStore;

/// Runs each job case as its own test over the records `$make()` returns.
macro_rules! job_contract {
    ($adapter:ident, $make:expr) => {
        mod $adapter {
            use super::*;
            use persona_tests::jobs_contract as contract;

            fn records() -> Arc<dyn RecordStore> {
                $make
            }

            #[tokio::test]
            async fn a_created_job_is_queued_and_reads_back() {
                contract::a_created_job_is_queued_and_reads_back(records()).await;
            }

            #[tokio::test]
            async fn a_claimed_job_runs_to_its_end_once() {
                contract::a_claimed_job_runs_to_its_end_once(records()).await;
            }

            #[tokio::test]
            async fn a_failed_job_keeps_its_error() {
                contract::a_failed_job_keeps_its_error(records()).await;
            }

            #[tokio::test]
            async fn an_expired_job_is_not_found_and_removed() {
                contract::an_expired_job_is_not_found_and_removed(records()).await;
            }

            #[tokio::test]
            async fn a_job_whose_worker_died_is_taken_over_then_failed() {
                contract::a_job_whose_worker_died_is_taken_over_then_failed(records()).await;
            }

            #[tokio::test]
            async fn a_sweep_finds_open_jobs_and_removes_expired_ones() {
                contract::a_sweep_finds_open_jobs_and_removes_expired_ones(records()).await;
            }
        }
    };
}

job_contract!(memory, Arc::new(MemoryRecords::new()));
