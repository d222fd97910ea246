//! The guard against answers written the way small models run away, and against answers that
//! only look alike.

use super::*;

/// The first reason the guard gives when `answer` arrives in pieces of `piece` characters.
fn first_reason(answer: &str, piece: usize) -> Option<String> {
    let mut guard = Guard::new(20_000);
    let chars: Vec<char> = answer.chars().collect();
    chars
        .chunks(piece)
        .find_map(|c| guard.feed(&c.iter().collect::<String>()))
}

const GOOD: &str = r#"{"name": "Maya Patel", "age": 34, "occupation": "product designer",
 "location": null, "background": "A designer in Lisbon who runs and reads.",
 "traits": ["curious", "patient"], "interests": ["running", "reading", "pottery"],
 "skills": ["Figma"], "values": [], "goals": [], "languages": ["English", "Portuguese"],
 "communication_style": null, "quotes": ["I love a clean layout -- ha ha ha"],
 "evidence": [{"field": "occupation", "quote": "I work as a product designer", "source": "block:0"},
  {"field": "name", "quote": "my name is Maya Patel", "source": "block:0"}]}"#;

#[test]
fn an_ordinary_answer_passes_whatever_the_pieces() {
    for piece in [1, 3, 7, 64, 10_000] {
        assert_eq!(first_reason(GOOD, piece), None, "pieces of {piece}");
    }
}

#[test]
fn a_phrase_repeated_inside_one_string_is_stopped_early() {
    let answer = format!(
        r#"{{"name": "Maya", "age": null, "occupation": null, "location": null, "background": "{}"#,
        "She is a designer. ".repeat(40)
    );
    let reason = first_reason(&answer, 2).expect("a loop");
    assert!(reason.contains("repeated"), "{reason}");
    let mut guard = Guard::new(20_000);
    let stopped_at = answer
        .char_indices()
        .find_map(|(i, c)| guard.feed(&c.to_string()).map(|_| i))
        .expect("stopped");
    assert!(stopped_at < 300, "stopped only at character {stopped_at}");
}

#[test]
fn the_same_item_again_and_again_is_stopped() {
    let answer = format!(r#"{{"traits": [{}"#, r#""kind and caring", "#.repeat(30));
    let reason = first_reason(&answer, 1).expect("a loop");
    assert!(
        reason.contains("repeated") || reason.contains("items"),
        "{reason}"
    );
}

#[test]
fn a_list_past_its_bound_is_stopped_by_count() {
    let items: Vec<String> = (0..7).map(|i| format!("\"skill number {i}\"")).collect();
    let answer = format!(r#"{{"skills": [{}]}}"#, items.join(", "));
    assert_eq!(
        first_reason(&answer, 1).as_deref(),
        Some("`skills` ran past 6 items")
    );
    let six = format!(r#"{{"skills": [{}]}}"#, items[..6].join(", "));
    assert_eq!(first_reason(&six, 1), None);
}

#[test]
fn a_string_past_twice_its_bound_is_stopped_without_repeats() {
    // 81 distinct words: no repeat, just far too long for a location.
    let words: Vec<String> = (0..200).map(|i| format!("w{i}")).collect();
    let answer = format!(r#"{{"location": "{}"}}"#, words.join(" "));
    assert_eq!(
        first_reason(&answer, 5).as_deref(),
        Some("`location` ran past 160 characters")
    );
    let evidence = format!(
        r#"{{"evidence": [{{"field": "name", "quote": "{}"}}]}}"#,
        words.join(" ")
    );
    assert_eq!(
        first_reason(&evidence, 5).as_deref(),
        Some("`quote` ran past 320 characters")
    );
}

#[test]
fn escaped_quotes_do_not_end_a_string() {
    let answer = format!(r#"{{"location": "a \"b\" {}"}}"#, "c".repeat(10));
    assert_eq!(first_reason(&answer, 1), None);
    let long = format!(r#"{{"location": "\"{}"#, "x y".repeat(60));
    assert!(first_reason(&long, 1).is_some());
}

#[test]
fn whitespace_without_end_is_stopped() {
    let answer = format!("{{\"name\": null{}", " \n".repeat(200));
    assert!(
        first_reason(&answer, 4)
            .expect("a loop")
            .contains("repeated")
    );
}

#[test]
fn deep_nesting_and_an_endless_answer_are_stopped() {
    assert_eq!(
        first_reason(&"[".repeat(20), 1).as_deref(),
        Some("the answer nested deeper than 8 levels")
    );
    let mut guard = Guard::new(100);
    let words: String = (0..100).map(|i| format!("{i} ")).collect();
    assert_eq!(
        guard.feed(&words).as_deref(),
        Some("the answer ran past 100 characters")
    );
}
