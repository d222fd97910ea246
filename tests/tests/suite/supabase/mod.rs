//! The Supabase adapter over the fake Storage server: the store contract, the adapter's
//! behaviour against a server that keeps state, faults, and the replay that keeps the fake honest
//! against the recorded transcript. The contract also runs against a real project when
//! `SUPABASE_TEST_URL` and `SUPABASE_TEST_SERVICE_ROLE_KEY` are set.

mod contract;
mod faults;
pub(crate) mod records;
mod replay;
mod server;
mod store;

use std::time::Duration;

use persona_adapters_supabase::{SupabaseSettings, SupabaseStore};
use persona_tests::fake_supabase::FakeSupabase;
use secrecy::SecretString;

/// Settings for the fake with the service key, fast retries and a short deadline.
fn settings(fake: &FakeSupabase) -> SupabaseSettings {
    SupabaseSettings {
        deadline: Duration::from_secs(5),
        backoff_base: Duration::from_millis(1),
        ..SupabaseSettings::new(fake.url(), SecretString::from(fake.keys().service.clone()))
    }
}

/// A fake and a store connected to it.
async fn connected() -> (FakeSupabase, SupabaseStore) {
    let fake = FakeSupabase::start().await;
    let store = SupabaseStore::connect(settings(&fake))
        .await
        .expect("connect to the fake");
    (fake, store)
}
