//! The record store contract against the Supabase adapter: over the fake in every run, and over
//! a real project when one is configured (as the store contract, `contract.rs`).

use std::sync::Arc;

use persona_adapters_supabase::SupabaseStore;
use persona_tests::fake_supabase::FakeSupabase;

use super::settings;
use crate::records::{MadeRecords, records_contract};

pub(crate) async fn over_fake() -> MadeRecords {
    let fake = FakeSupabase::start().await;
    let store = SupabaseStore::connect(settings(&fake))
        .await
        .expect("connect to the fake");
    Ok((Arc::new(store), Box::new(fake)))
}

async fn over_real_project() -> MadeRecords {
    let settings = super::contract::real_settings()?;
    let store = SupabaseStore::connect(settings)
        .await
        .expect("connect to the project named by SUPABASE_TEST_URL");
    Ok((Arc::new(store), Box::new(())))
}

records_contract!(supabase_records_over_fake, over_fake, required = true);
records_contract!(
    supabase_records_over_real_project,
    over_real_project,
    required = false
);

/// Records live under their kind's prefix in the personas' bucket, as `{key}.json`.
#[tokio::test]
async fn records_are_objects_under_the_kind_prefix() {
    let fake = FakeSupabase::start().await;
    let settings = settings(&fake);
    let bucket = settings.bucket.clone();
    let store = SupabaseStore::connect(settings).await.expect("connect");
    let key = persona_ports::RecordKey::parse("abc").expect("key");
    persona_ports::RecordStore::put(
        &store,
        persona_ports::RecordKind::ProcessCache,
        &key,
        b"{}".to_vec(),
    )
    .await
    .expect("stored");
    assert_eq!(fake.object_keys(&bucket), ["process-cache/abc.json"]);
}
