//! The job contract (`persona_tests::jobs_contract`) run against each record store. A new
//! record store adds one line to `job_contract!`.

use crate::records::{MadeRecords, files, memory};
use crate::supabase::records::over_fake;

/// Runs each job case as its own test over the records the async `$make` returns (every one of
/// them must be made: these adapters need nothing outside the test).
macro_rules! job_contract {
    ($adapter:ident, $make:path) => {
        mod $adapter {
            use super::*;
            use persona_tests::jobs_contract as contract;

            /// Fresh records and what must outlive them (a folder, a fake server).
            struct Made(
                std::sync::Arc<dyn persona_ports::RecordStore>,
                Box<dyn std::any::Any + Send>,
            );

            async fn made() -> Made {
                let made: MadeRecords = $make().await;
                let (records, keep) =
                    made.expect("these record stores need nothing outside the test");
                Made(records, keep)
            }

            #[tokio::test]
            async fn a_created_job_is_queued_and_reads_back() {
                let Made(records, _keep) = made().await;
                contract::a_created_job_is_queued_and_reads_back(records).await;
            }

            #[tokio::test]
            async fn a_claimed_job_runs_to_its_end_once() {
                let Made(records, _keep) = made().await;
                contract::a_claimed_job_runs_to_its_end_once(records).await;
            }

            #[tokio::test]
            async fn a_failed_job_keeps_its_error() {
                let Made(records, _keep) = made().await;
                contract::a_failed_job_keeps_its_error(records).await;
            }

            #[tokio::test]
            async fn an_expired_job_is_not_found_and_removed() {
                let Made(records, _keep) = made().await;
                contract::an_expired_job_is_not_found_and_removed(records).await;
            }

            #[tokio::test]
            async fn a_job_whose_worker_died_is_taken_over_then_failed() {
                let Made(records, _keep) = made().await;
                contract::a_job_whose_worker_died_is_taken_over_then_failed(records).await;
            }

            #[tokio::test]
            async fn a_sweep_finds_open_jobs_and_removes_expired_ones() {
                let Made(records, _keep) = made().await;
                contract::a_sweep_finds_open_jobs_and_removes_expired_ones(records).await;
            }
        }
    };
}

job_contract!(memory_jobs, memory);
job_contract!(fs_jobs, files);
job_contract!(supabase_jobs_over_fake, over_fake);
