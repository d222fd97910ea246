//! Invisible characters (zero-width, bidi controls) are not text: a block or a persona string of
//! nothing else is refused like an empty one, and bidi controls never reach a stored persona.

use serde_json::json;

use super::helpers::spawn_app;

/// Zero-width space, joiner and non-joiner, word joiner, BOM, a space and four bidi controls.
const INVISIBLE: &str = "\u{200B}\u{200D}\u{200C}\u{2060}\u{FEFF} \u{202E}\u{202A}\u{2066}\u{2069}";

#[tokio::test]
async fn a_block_of_invisible_characters_is_refused_like_an_empty_block() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true")]).await;
    let answer = app.process(&["My name is Ada.", INVISIBLE], &[]).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.code(), "INVALID_REQUEST");
    assert_eq!(
        answer.body["error"]["details"],
        json!([{
            "field": "/textBlocks/1",
            "message": "textBlocks[1] is empty once whitespace, control and invisible characters \
                        (zero-width, bidi controls) are removed",
        }])
    );
}

#[tokio::test]
async fn a_save_refuses_a_name_or_any_string_of_invisible_characters_alone() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true")]).await;
    let answer = app
        .save(&json!({ "name": INVISIBLE, "location": "Berlin", "skills": ["Rust", INVISIBLE] }))
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    let fields = answer.detail_fields();
    assert_eq!(
        fields,
        ["/persona/name", "/persona/name", "/persona/skills/1"]
    );
    let message = answer.body["error"]["details"][0]["message"]
        .as_str()
        .expect("message");
    assert!(message.contains("only invisible characters"), "{message}");
    // A visible name saves: the refusal was about the invisible characters alone.
    let answer = app
        .save(&json!({ "name": "Ada", "location": "Berlin", "skills": ["Rust"] }))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}

#[tokio::test]
async fn bidi_controls_are_removed_from_a_saved_persona() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true")]).await;
    let answer = app
        .save(&json!({
            "name": "Ada \u{202E}ecalevoL\u{202C}",
            "occupation": "\u{2067}engineer\u{2069}",
            "interests": ["\u{202D}chess"],
        }))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let id = answer.body["data"]["id"].as_str().expect("id").to_owned();
    let stored = app.get_persona(&id).await;
    let persona = &stored.body["data"]["persona"];
    assert_eq!(
        (
            &persona["name"],
            &persona["occupation"],
            &persona["interests"]
        ),
        (
            &json!("Ada ecalevoL"),
            &json!("engineer"),
            &json!(["chess"])
        )
    );
}
