//! The [`RecordStore`] contract, case by case, as its doc comments state it.
//!
//! Every case keys its records with a fresh random tag, so the suite runs against a shared,
//! long-lived store (a real bucket) as well as a fresh one, and a listing looks only at the
//! keys that carry its tag (they sort together).

use persona_ports::{MAX_DOCUMENT_BYTES, RecordKey, RecordKind, RecordStore, StoreError};
use rand::Rng;

/// A fresh tag: 12 random characters, so cases and runs never meet.
fn tag() -> String {
    let mut rng = rand::thread_rng();
    (0..12)
        .map(|_| {
            let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
            char::from(alphabet[rng.gen_range(0..alphabet.len())])
        })
        .collect()
}

fn key(text: &str) -> RecordKey {
    RecordKey::parse(text).expect("a valid key")
}

/// What a put stored, a get returns byte for byte (bytes that are not UTF-8 included).
pub async fn put_then_get_round_trips(store: &dyn RecordStore) {
    let key = key(&tag());
    let bytes = b"{\"status\":\"queued\"}\x00\xff\xfe Zo\xc3\xab".to_vec();
    store
        .put(RecordKind::Job, &key, bytes.clone())
        .await
        .expect("stored");
    assert_eq!(
        store.get(RecordKind::Job, &key).await.expect("read"),
        Some(bytes)
    );
}

/// A put over an existing record replaces it whole, shorter or longer.
pub async fn put_replaces_what_is_there(store: &dyn RecordStore) {
    let key = key(&tag());
    for bytes in [&b"first, and rather long"[..], b"2nd", b"third and last"] {
        store
            .put(RecordKind::ProcessCache, &key, bytes.to_vec())
            .await
            .expect("stored");
        assert_eq!(
            store
                .get(RecordKind::ProcessCache, &key)
                .await
                .expect("read"),
            Some(bytes.to_vec())
        );
    }
}

/// A get under a key nothing was put under is `None`, not an error.
pub async fn missing_key_is_none(store: &dyn RecordStore) {
    for kind in RecordKind::ALL {
        assert_eq!(store.get(kind, &key(&tag())).await.expect("read"), None);
    }
}

/// A delete removes the record; deleting it again, or a key never written, is not an error.
pub async fn delete_removes_and_repeats_quietly(store: &dyn RecordStore) {
    let key = key(&tag());
    store
        .put(RecordKind::Job, &key, b"x".to_vec())
        .await
        .expect("stored");
    store.delete(RecordKind::Job, &key).await.expect("deleted");
    assert_eq!(store.get(RecordKind::Job, &key).await.expect("read"), None);
    store
        .delete(RecordKind::Job, &key)
        .await
        .expect("a second delete is quiet");
    store
        .delete(RecordKind::ProcessCache, &self::key(&tag()))
        .await
        .expect("deleting what never was is quiet");
}

/// A listing pages in key order: each page the next `limit` keys after the last one seen, each
/// with when it was written.
pub async fn list_pages_in_key_order(store: &dyn RecordStore) {
    let tag = tag();
    let started = chrono::Utc::now();
    // Written out of order, so a listing in write order would fail.
    let mut keys: Vec<RecordKey> = ["c", "a", "e", "b", "d"]
        .iter()
        .map(|s| key(&format!("{tag}-{s}")))
        .collect();
    for key in &keys {
        store
            .put(RecordKind::Job, key, b"{}".to_vec())
            .await
            .expect("stored");
    }
    keys.sort();
    let mut seen = Vec::new();
    let mut after = key(&format!("{tag}-"));
    loop {
        let page = store
            .list(RecordKind::Job, Some(&after), 2)
            .await
            .expect("listed");
        assert!(page.len() <= 2, "a page holds at most its limit");
        let ours: Vec<_> = page
            .iter()
            .take_while(|e| e.key.as_str().starts_with(&tag))
            .collect();
        for entry in &ours {
            // Loose bounds: a remote store's clock is not ours.
            let skew = chrono::Duration::minutes(10);
            assert!(
                entry.written_at > started - skew && entry.written_at < chrono::Utc::now() + skew
            );
            seen.push(entry.key.clone());
        }
        if ours.len() < 2 {
            break;
        }
        after = ours.last().expect("a full page").key.clone();
    }
    assert_eq!(seen, keys);
}

/// Each kind is apart: a record put as one kind is neither read nor listed as another, and a
/// delete of one kind leaves the other.
pub async fn kinds_are_kept_apart(store: &dyn RecordStore) {
    let key = key(&tag());
    store
        .put(RecordKind::Job, &key, b"job".to_vec())
        .await
        .expect("stored");
    assert_eq!(
        store
            .get(RecordKind::ProcessCache, &key)
            .await
            .expect("read"),
        None
    );
    let cached = store
        .list(RecordKind::ProcessCache, None, usize::MAX)
        .await
        .expect("listed");
    assert!(cached.iter().all(|e| e.key != key));
    store
        .put(RecordKind::ProcessCache, &key, b"cache".to_vec())
        .await
        .expect("stored");
    store
        .delete(RecordKind::ProcessCache, &key)
        .await
        .expect("deleted");
    assert_eq!(
        store.get(RecordKind::Job, &key).await.expect("read"),
        Some(b"job".to_vec())
    );
}

/// A record over [`MAX_DOCUMENT_BYTES`] is `TooLarge` with its size and the limit, and leaves
/// what was there; one of exactly the limit lands.
pub async fn too_large_is_refused_and_leaves_nothing(store: &dyn RecordStore) {
    let key = key(&tag());
    let limit = usize::try_from(MAX_DOCUMENT_BYTES).expect("fits");
    store
        .put(RecordKind::Job, &key, b"before".to_vec())
        .await
        .expect("stored");
    assert_eq!(
        store
            .put(RecordKind::Job, &key, vec![b'x'; limit + 1])
            .await,
        Err(StoreError::TooLarge {
            size: MAX_DOCUMENT_BYTES + 1,
            max: MAX_DOCUMENT_BYTES
        })
    );
    assert_eq!(
        store.get(RecordKind::Job, &key).await.expect("read"),
        Some(b"before".to_vec())
    );
    store
        .put(RecordKind::Job, &key, vec![b'x'; limit])
        .await
        .expect("exactly the limit lands");
    assert_eq!(
        store
            .get(RecordKind::Job, &key)
            .await
            .expect("read")
            .map(|b| b.len()),
        Some(limit)
    );
}
