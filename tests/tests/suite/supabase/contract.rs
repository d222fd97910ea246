//! The store contract against the adapter: over the fake in every run, and over a real project
//! when one is configured.

use std::sync::Arc;

use persona_adapters_supabase::{SupabaseSettings, SupabaseStore};
use persona_tests::fake_supabase::FakeSupabase;
use persona_tests::store_contract::Subject;
use secrecy::SecretString;

use super::settings;
use crate::contracts::{Made, store_contract};

/// A store over a fresh fake; with a limit, the fake's bucket has it as its `file_size_limit`
/// (which the store adopts when it connects).
async fn over_fake(limit: Option<u64>) -> Made {
    let fake = Arc::new(FakeSupabase::start().await);
    let settings = settings(&fake);
    if limit.is_some() {
        fake.add_bucket(&settings.bucket, false, limit);
    }
    let bucket = settings.bucket.clone();
    let store = SupabaseStore::connect(settings)
        .await
        .expect("connect to the fake");
    let planted = Arc::clone(&fake);
    Ok(Subject {
        store: Arc::new(store),
        plant: Some(Box::new(move |id, bytes| {
            planted.put_object(&bucket, &format!("{id}.json"), bytes);
        })),
        keep: Box::new(fake),
    })
}

/// A real project, when `SUPABASE_TEST_URL` and `SUPABASE_TEST_SERVICE_ROLE_KEY` name one. The
/// bucket is `SUPABASE_TEST_BUCKET` (default `personas-contract-test`): a throwaway bucket,
/// created private when missing, never the production one. Nothing is written past the adapter
/// and the bucket keeps its 5 MiB limit, so the damaged, foreign and too-large cases are reported
/// as skipped there; the fake runs them.
///
/// Note: the recorded server let 2 of 20 racing creates of one key succeed (transcript part E),
/// so `racing_creates_of_one_id_have_one_winner` may fail against a real project; ids are fresh
/// nanoids in production, so two saves never race for one id.
async fn over_real_project(limit: Option<u64>) -> Made {
    let settings = real_settings()?;
    if limit.is_some() {
        // The throwaway bucket keeps the production limit (5 MiB), which no valid persona reaches.
        return Err("a real project's bucket is not opened with a small size limit".into());
    }
    let store = SupabaseStore::connect(settings)
        .await
        .expect("connect to the project named by SUPABASE_TEST_URL");
    Ok(Subject {
        store: Arc::new(store),
        plant: None,
        keep: Box::new(()),
    })
}

pub(super) fn real_settings() -> Result<SupabaseSettings, String> {
    let (Ok(url), Ok(key)) = (
        std::env::var("SUPABASE_TEST_URL"),
        std::env::var("SUPABASE_TEST_SERVICE_ROLE_KEY"),
    ) else {
        return Err("the real Supabase contract needs SUPABASE_TEST_URL and \
             SUPABASE_TEST_SERVICE_ROLE_KEY (README: Development)"
            .into());
    };
    let bucket = std::env::var("SUPABASE_TEST_BUCKET")
        .unwrap_or_else(|_| "personas-contract-test".to_owned());
    Ok(SupabaseSettings {
        bucket,
        ..SupabaseSettings::new(url, SecretString::from(key))
    })
}

store_contract!(supabase_over_fake, over_fake, required = true);
store_contract!(
    supabase_over_real_project,
    over_real_project,
    required = false
);
