//! The store contract against the adapter: over the fake in every run, and over a real project
//! when one is configured.

use std::sync::Arc;

use persona_adapters_supabase::{SupabaseSettings, SupabaseStore};
use secrecy::SecretString;

use super::connected;
use crate::contracts::{Made, store_contract};

async fn over_fake() -> Made {
    let (fake, store) = connected().await;
    Some((Arc::new(store), Box::new(fake)))
}

/// A real project, when `SUPABASE_TEST_URL` and `SUPABASE_TEST_SERVICE_ROLE_KEY` name one. The
/// bucket is `SUPABASE_TEST_BUCKET` (default `personas-contract-test`): a throwaway bucket,
/// created private when missing, never the production one.
///
/// Note: the recorded server let 2 of 20 racing creates of one key succeed (transcript part E),
/// so `racing_creates_of_one_id_have_one_winner` may fail against a real project; ids are fresh
/// nanoids in production, so two saves never race for one id.
async fn over_real_project() -> Made {
    let settings = real_settings()?;
    let store = SupabaseStore::connect(settings)
        .await
        .expect("connect to the project named by SUPABASE_TEST_URL");
    Some((Arc::new(store), Box::new(())))
}

fn real_settings() -> Option<SupabaseSettings> {
    let (Ok(url), Ok(key)) = (
        std::env::var("SUPABASE_TEST_URL"),
        std::env::var("SUPABASE_TEST_SERVICE_ROLE_KEY"),
    ) else {
        persona_tests::skip(
            "the real Supabase contract needs SUPABASE_TEST_URL and \
             SUPABASE_TEST_SERVICE_ROLE_KEY (README: Development)",
        );
        return None;
    };
    let bucket = std::env::var("SUPABASE_TEST_BUCKET")
        .unwrap_or_else(|_| "personas-contract-test".to_owned());
    Some(SupabaseSettings {
        bucket,
        ..SupabaseSettings::new(url, SecretString::from(key))
    })
}

store_contract!(supabase_over_fake, over_fake);
store_contract!(supabase_over_real_project, over_real_project);
