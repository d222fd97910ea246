//! Long material through the server in mock mode with `MOCK_CHUNK_CHARS`: the 10,000-word
//! fixture (facts from its first paragraph to its last, two of them changing on the way) is read
//! in chunks and merged, with the conflicts reported; without a chunk size it is read whole.

use serde_json::{Value, json};

use super::helpers::{Answer, TestApp, spawn_app};

/// Four blocks of 25 paragraphs, 10,724 words; facts in blocks 0 to 3, the last in the last
/// paragraph: "I am 42 years old now. I moved to Bristol last spring, and I live in Bristol now."
pub(crate) const LONG_MATERIAL: &str = include_str!("../../../fixtures/long-material.json");

pub(crate) fn long_material() -> Value {
    serde_json::from_str(LONG_MATERIAL).expect("the fixture is JSON")
}

async fn process(app: &TestApp, body: &Value) -> Answer {
    app.post_json("/api/process-persona", body).await
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string"))
        .collect()
}

/// Asserts the persona read from the whole fixture, first block to last, and the two conflicts.
pub(crate) fn assert_read_whole(data: &Value) {
    let persona = &data["persona"];
    assert_eq!(persona["name"], "Amara Okafor", "block 0, first paragraph");
    assert_eq!(persona["occupation"], "marine biologist", "block 0");
    assert_eq!(
        persona["age"], 42,
        "the newest first-hand statement, block 3's last paragraph"
    );
    assert_eq!(persona["location"], "Bristol", "block 3's last paragraph");
    let interests = strings(&persona["interests"]);
    for interest in ["sailing", "birdwatching", "chess"] {
        assert!(interests.contains(&interest), "{interests:?}");
    }
    assert_eq!(
        strings(&persona["languages"]),
        ["Yoruba", "English"],
        "block 1"
    );
    assert_eq!(
        strings(&persona["skills"]),
        ["diving", "statistics"],
        "block 3"
    );
    assert!(strings(&persona["goals"]).contains(&"write a field guide to the estuary"));

    let conflicts: Vec<(&str, &Value)> = data["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter(|w| w["code"] == "CONFLICTING_VALUES")
        .map(|w| (w["field"].as_str().expect("a field"), &w["values"]))
        .collect();
    assert_eq!(
        conflicts,
        [
            (
                "/age",
                &json!([{"value": "41", "source": "block:0"}, {"value": "42", "source": "block:3"}])
            ),
            (
                "/location",
                &json!([{"value": "Leeds", "source": "block:0"}, {"value": "Bristol", "source": "block:3"}])
            ),
        ]
    );
    // Every value the mock read is quoted from the block its evidence names.
    let counts = &data["grounding"]["counts"];
    assert_eq!(counts["fabricated_quotes"], 0, "{counts}");
    assert_eq!(counts["inferred"], 0, "{counts}");
    assert_eq!(data["grounding"]["fields"]["/location"]["status"], "quoted");
}

#[tokio::test]
async fn a_10000_word_source_is_read_in_chunks_and_merged_with_its_conflicts() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true"), ("MOCK_CHUNK_CHARS", "8000")]).await;

    let answer = process(&app, &long_material()).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let data = &answer.body["data"];
    let chunks = data["usage"]["chunks"].as_u64().expect("chunks");
    // 62,355 characters in chunks of at most four fifths of 8,000.
    assert!((10..=14).contains(&chunks), "{chunks} chunks");
    assert_eq!(data["usage"]["attempts"], chunks, "one mock call per chunk");
    assert_read_whole(data);
}

#[tokio::test]
async fn without_a_chunk_size_the_same_source_is_read_whole_in_one_call() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true")]).await;

    let answer = process(&app, &long_material()).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let data = &answer.body["data"];
    assert_eq!(data["usage"]["chunks"], 1);
    // Read whole, the mock keeps the first age and place it finds: nothing to merge, no conflict.
    assert_eq!(data["persona"]["age"], 41);
    assert!(
        !data["warnings"].to_string().contains("CONFLICTING_VALUES"),
        "{}",
        data["warnings"]
    );
}

#[tokio::test]
async fn a_passage_with_no_break_longer_than_a_chunk_is_413_naming_its_block() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true"), ("MOCK_CHUNK_CHARS", "2000")]).await;
    let unbroken = "word ".repeat(1_000);

    let answer = app.process(&["I am Ada.", &unbroken], &[]).await;

    assert_eq!(answer.status, 413, "{}", answer.body);
    assert_eq!(answer.body["error"]["code"], "INPUT_TOO_LONG");
    let message = answer.body["error"]["message"].as_str().expect("a message");
    assert!(message.contains("textBlocks[1]"), "{message}");
    // The mock measures characters, and the message says so: not tokens it never counted.
    assert!(
        message.contains(" characters with no sentence") && !message.contains("tokens"),
        "{message}"
    );
    assert!(
        !message.contains("word"),
        "no user text in an error: {message}"
    );
}

#[tokio::test]
async fn material_needing_more_chunks_than_one_request_reads_is_413() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true"), ("MOCK_CHUNK_CHARS", "100")]).await;
    let short_lines = "Hi there.\n".repeat(400);
    let blocks: Vec<&str> = vec![short_lines.as_str(); 10];

    let answer = app.process(&blocks, &[]).await;

    assert_eq!(answer.status, 413, "{}", answer.body);
    assert_eq!(answer.body["error"]["code"], "INPUT_TOO_LONG");
    let message = answer.body["error"]["message"].as_str().expect("a message");
    assert!(message.contains("at most 128"), "{message}");
}
