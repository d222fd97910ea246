//! Replays the recorded Storage transcript against the fake, case by case and in order, over
//! raw TCP (so nothing rewrites the recorded requests), and compares status, content type,
//! content length and body.
//!
//! The transcript records request headers but not request bodies, only their length. Bodies that
//! matter are reconstructed in [`BODIES`](exchange::BODIES) (each checked against the recorded
//! length); the others are filler of the recorded length. Requests recorded against the bare server
//! (`127.0.0.1:55000`) are sent under `/storage/v1`, where the fake serves Storage; those recorded
//! through the proxy (`55080`) are sent as they are.
//!
//! Volatile values are compared by shape (see [`normalise`]): uuids, millisecond timestamps and
//! 32-hex-digit etags. Etags the fake gave are remembered and substituted for the recorded ones
//! in later `If-None-Match` headers. Bodies recorded only as a prefix are compared by length.

mod exchange;
mod normalise;
mod parse;
mod part2;

use std::collections::{BTreeSet, HashMap};

use persona_tests::fake_supabase::FakeSupabase;

use exchange::replay;
use normalise::normalise;
use parse::{Case, parse};

/// The recorded real server: `contracts/supabase-storage/TRANSCRIPT.md` in the repository, read
/// as it is so the fake cannot drift from it.
const TRANSCRIPT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../contracts/supabase-storage/TRANSCRIPT.md"
));

/// Cases the fake does not implement, with the reason. Each is a request this adapter never
/// makes.
const NOT_REPLAYED: &[(&str, &str)] = &[
    ("A18", "multipart upload"),
    ("A19", "info of the multipart upload A18"),
    ("B1", "object listing"),
    (
        "B2",
        "object listing (of uploads the transcript does not record)",
    ),
    ("B3", "object listing"),
    ("B4", "object listing"),
    ("B5", "object listing"),
    ("B6", "object listing"),
    ("B7", "object listing"),
    ("B8", "object listing"),
    ("B9", "object listing v2"),
    (
        "B12",
        "bulk delete (of uploads the transcript does not record)",
    ),
    ("B13", "bulk delete"),
    ("B20", "object listing"),
    ("C7", "object listing"),
    ("C22", "object listing"),
    ("C24", "bulk delete"),
    (
        "D3",
        "chunked upload (the adapter always sends Content-Length)",
    ),
    ("D4", "info of the chunked upload D3"),
    ("D5", "multipart upload"),
    ("D42", "object listing"),
    ("F4", "object listing"),
    ("F8", "signed URLs"),
    ("F9", "signed URLs"),
    ("F10", "signed URLs"),
    ("F11", "signed URLs"),
    ("F12", "signed upload URLs"),
    ("F19", "copy"),
    ("F20", "move"),
    (
        "F25",
        "public download of an upload the transcript does not record",
    ),
    ("G5", "multipart upload"),
    ("G6", "info of the multipart upload G5"),
    ("G7", "multipart upload"),
    ("G8", "multipart upload"),
];

/// Every request the adapter makes and every answer it maps, by the case that records it.
const ADAPTER_CASES: &[&str] = &[
    "A5",  // GET /bucket/{id}
    "B18", // ... a missing bucket: NoSuchBucket
    "C17", // ... with the anon key: NoSuchBucket
    "A2",  // POST /bucket, private, numeric limit, JSON only
    "A3",  // ... BucketAlreadyExists
    "C26", // ... refused to the anon key
    "A9",  // POST /object with x-upsert: false over an existing key: KeyAlreadyExists
    "A13", // ... with base64 x-metadata
    "A14", // ... which info shows as metadata
    "A15", // info via /authenticated
    "D1",  // ... exactly at the bucket limit
    "D2",  // ... over it: EntityTooLarge
    "D8",  // ... with a charset: InvalidMimeType
    "C18", // ... with the anon key: row-level security
    "B19", // ... into a missing bucket
    "A21", // GET /object/authenticated/{bucket}/{key}
    "B15", // ... missing: NoSuchKey
    "C19", // ... with the anon key: NoSuchKey
    "C3",  // ... without authorization
    "C8",  // a malformed token
    "C9",  // a token whose signature fails
    "C10", // an expired token
    "B26", // an unknown route
];

#[tokio::test]
async fn the_fake_answers_every_supported_case_as_recorded() {
    let cases = parse(TRANSCRIPT);
    let ids: BTreeSet<&str> = cases.iter().map(Case::id).collect();
    assert!(
        cases.len() > 150,
        "the transcript parsed: {} cases",
        cases.len()
    );
    for (id, _) in NOT_REPLAYED {
        assert!(ids.contains(id), "{id} is not in the transcript");
    }

    let fake = FakeSupabase::start().await;
    let mut etags = HashMap::new();
    let mut failures = Vec::new();
    let mut replayed = BTreeSet::new();
    for case in &cases {
        if NOT_REPLAYED.iter().any(|(id, _)| *id == case.id()) {
            continue;
        }
        let differences = replay(&fake, case, &mut etags).await;
        if !differences.is_empty() {
            failures.push(format!("{}:\n{}", case.name, differences.join("\n")));
        }
        replayed.insert(case.id().to_owned());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    for id in ADAPTER_CASES {
        assert!(
            replayed.contains(*id),
            "{id}, a request the adapter makes, must be replayed"
        );
    }
    assert_eq!(replayed.len() + NOT_REPLAYED.len(), cases.len());
}

#[test]
fn the_normaliser_only_hides_volatile_values() {
    assert_eq!(
        normalise(
            r#"{"Id":"a537cfc1-149b-42b4-8582-3df379a2e8cf","at":"2026-11-26T05:44:24.265Z","etag":"\"dd5a9463020d90ea2130d6fd2f068e99\"","size":31}"#
        ),
        r#"{"Id":"<uuid>","at":"<time>","etag":"\"<hex32>\"","size":31}"#
    );
    assert_ne!(normalise(r#"{"size":31}"#), normalise(r#"{"size":32}"#));
}
