//! Replays the requests of transcript part 2 (`TRANSCRIPT-2.md`) that the record store makes:
//! list-v2 (A22–A31, A33), single delete and the read after it (B1, B2, B4), and uploads with and
//! without `x-upsert` over existing and missing keys (D11, D13, D14). The setup (S1–S3) is
//! rebuilt first: S1 and S2 as recorded, S3's condensed uploads with bodies of the recorded
//! sizes. Answers are compared as JSON values with volatile values (uuids, times, etags)
//! replaced by their shape; cursors, names, order and sizes are compared as they are.

use std::collections::HashMap;

use persona_tests::fake_supabase::FakeSupabase;

use super::exchange::replay;
use super::parse::{Case, parse};

const TRANSCRIPT_2: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../contracts/supabase-storage/TRANSCRIPT-2.md"
));

/// The cases replayed after the setup, in the transcript's order; each is a request the record
/// store makes or one that shows how such a request behaves.
const REPLAYED: &[&str] = &[
    "A22", "A23", "A24", "A25", "A26", "A27", "A28", "A29", "A30", "A31", "A33", "B1", "B2", "B4",
    "D11", "D13", "D14",
];

/// S3's condensed uploads: `> POST /storage/v1/object/{bucket}/{key}   [Content-Type: …, N bytes]`.
fn condensed_uploads(case: &Case) -> Vec<(String, usize)> {
    TRANSCRIPT_2
        .split("#### S3 ")
        .nth(1)
        .expect("S3 is recorded")
        .lines()
        .take_while(|l| !l.starts_with("#### "))
        .filter_map(|l| {
            let rest = l.strip_prefix("> POST ")?;
            let (target, rest) = rest.split_once(' ')?;
            let size = rest.split(", ").nth(1)?.split(' ').next()?.parse().ok()?;
            Some((target.to_owned(), size))
        })
        .inspect(|_| assert_eq!(case.id(), "S3"))
        .collect()
}

/// A JSON object of exactly `size` bytes (or nothing for an empty marker).
fn body_of(size: usize) -> Vec<u8> {
    if size == 0 {
        return Vec::new();
    }
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(size - 10));
    assert_eq!(body.len(), size);
    body.into_bytes()
}

#[tokio::test]
async fn the_fake_answers_the_record_stores_requests_as_recorded_in_part_2() {
    let cases = parse(TRANSCRIPT_2);
    let fake = FakeSupabase::start().await;
    let mut etags = HashMap::new();
    let find = |id: &str| {
        cases
            .iter()
            .find(|c| c.id() == id)
            .unwrap_or_else(|| panic!("{id} is recorded"))
    };
    for setup in ["S1", "S2"] {
        let differences = replay(&fake, find(setup), &mut etags).await;
        assert!(differences.is_empty(), "{setup}: {differences:?}");
    }
    let uploads = condensed_uploads(find("S3"));
    assert_eq!(uploads.len(), 12, "S3's uploads parsed");
    let client = reqwest::Client::new();
    for (target, size) in uploads {
        let answer = client
            .post(format!("{}{target}", fake.url()))
            .header("authorization", format!("Bearer {}", fake.keys().service))
            .header("content-type", "application/json")
            .body(body_of(size))
            .send()
            .await
            .expect("upload");
        assert_eq!(answer.status(), 200, "{target}");
    }

    let mut failures = Vec::new();
    for id in REPLAYED {
        let mut case = parse(TRANSCRIPT_2)
            .into_iter()
            .find(|c| c.id() == *id)
            .unwrap_or_else(|| panic!("{id} is recorded"));
        case.json_bodies = true;
        let differences = replay(&fake, &case, &mut etags).await;
        if !differences.is_empty() {
            failures.push(format!("{}:\n{}", case.name, differences.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
