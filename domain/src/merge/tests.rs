//! Merging: agreement, conflicts (reported with their blocks, resolved only when the text makes
//! it clear), lists by support, evidence kept with the value it supports, and determinism.

use proptest::prelude::*;

use super::*;

fn bundle(blocks: &[&str]) -> SourceBundle {
    let blocks: Vec<String> = blocks.iter().map(|s| (*s).to_owned()).collect();
    SourceBundle::parse(&blocks, &[]).expect("valid")
}

fn evidence(field: &str, quote: &str, block: usize) -> Evidence {
    Evidence {
        field: field.into(),
        quote: quote.into(),
        source: format!("block:{block}"),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// A draft giving `age` and `location` with the quotes that support them.
fn draft(age: Option<(i64, &str, usize)>, location: Option<(&str, &str, usize)>) -> PersonaDraft {
    let mut draft = PersonaDraft::default();
    if let Some((age, quote, block)) = age {
        draft.age = Some(age);
        draft.evidence.push(evidence("age", quote, block));
    }
    if let Some((place, quote, block)) = location {
        draft.location = Some(place.into());
        draft.evidence.push(evidence("location", quote, block));
    }
    draft
}

/// Each value of a conflict and the block it came from.
type Listed<'a> = Vec<(&'a str, Option<&'a str>)>;

fn conflicts(merged: &Merged) -> Vec<(&str, Listed<'_>)> {
    merged
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::ConflictingValues)
        .map(|w| {
            let values = w
                .values
                .iter()
                .map(|v| (v.value.as_str(), v.source.as_deref()))
                .collect();
            (w.field.as_str(), values)
        })
        .collect()
}

const MATERIAL: [&str; 3] = [
    "I am 34 years old and I live in Berlin.",
    "Some years on, more of the story.",
    "I am 36 now and I moved to Lisbon.",
];

#[test]
fn chunks_that_agree_give_the_value_with_no_warning() {
    let material = bundle(&MATERIAL);
    let merged = merge(
        vec![
            draft(
                Some((34, "I am 34 years old", 0)),
                Some(("Berlin", "I live in Berlin", 0)),
            ),
            draft(None, Some(("berlin", "I live in Berlin", 0))),
        ],
        &material,
    );
    assert_eq!(merged.draft.age, Some(34));
    assert_eq!(merged.draft.location.as_deref(), Some("Berlin"));
    assert!(merged.warnings.is_empty(), "{:?}", merged.warnings);
    assert_eq!(
        merged.draft.evidence.len(),
        2,
        "the repeated quote is kept once"
    );
}

#[test]
fn a_value_with_more_words_is_the_same_value() {
    let material = bundle(&MATERIAL);
    let merged = merge(
        vec![
            draft(None, Some(("Berlin", "I live in Berlin", 0))),
            draft(None, Some(("Berlin, Germany", "I live in Berlin", 0))),
        ],
        &material,
    );
    assert_eq!(merged.draft.location.as_deref(), Some("Berlin"));
    assert!(merged.warnings.is_empty());
}

#[test]
fn the_newest_first_hand_statement_of_the_present_wins_and_the_conflict_is_reported() {
    let material = bundle(&MATERIAL);
    let merged = merge(
        vec![
            draft(
                Some((34, "I am 34 years old", 0)),
                Some(("Berlin", "I live in Berlin", 0)),
            ),
            draft(
                Some((36, "I am 36 now", 2)),
                Some(("Lisbon", "I moved to Lisbon", 2)),
            ),
        ],
        &material,
    );
    assert_eq!(merged.draft.age, Some(36));
    assert_eq!(merged.draft.location.as_deref(), Some("Lisbon"));
    assert_eq!(
        conflicts(&merged),
        [
            (
                "/age",
                vec![("34", Some("block:0")), ("36", Some("block:2"))]
            ),
            (
                "/location",
                vec![("Berlin", Some("block:0")), ("Lisbon", Some("block:2"))]
            ),
        ]
    );
    assert!(merged.warnings[0].message.contains("newest first-hand"));
    let ages: Vec<&str> = merged
        .draft
        .evidence
        .iter()
        .filter(|e| e.field == "age")
        .map(|e| e.quote.as_str())
        .collect();
    assert_eq!(
        ages,
        ["I am 36 now"],
        "only the kept value's evidence stays"
    );
}

#[test]
fn quoted_values_that_disagree_with_no_clear_newest_leave_the_field_null() {
    let material = bundle(&["I am 34 years old.", "My sister says I am 41 years old."]);
    let merged = merge(
        vec![
            draft(Some((34, "I am 34 years old", 0)), None),
            draft(Some((41, "I am 41 years old", 1)), None),
        ],
        &material,
    );
    assert_eq!(merged.draft.age, None);
    assert_eq!(
        conflicts(&merged),
        [(
            "/age",
            vec![("34", Some("block:0")), ("41", Some("block:1"))]
        )]
    );
    assert!(merged.warnings[0].message.contains("none was kept"));
    assert!(merged.draft.evidence.is_empty());
}

#[test]
fn a_quoted_value_beats_guesses_and_the_guesses_are_still_reported() {
    let material = bundle(&["I live in Berlin.", "Nothing about places here."]);
    let merged = merge(
        vec![
            draft(None, Some(("Berlin", "I live in Berlin", 0))),
            draft(None, Some(("Paris", "I adore Paris", 1))),
            draft(None, Some(("Paris", "", 1))),
        ],
        &material,
    );
    assert_eq!(merged.draft.location.as_deref(), Some("Berlin"));
    assert_eq!(
        conflicts(&merged),
        [(
            "/location",
            vec![("Berlin", Some("block:0")), ("Paris", None)]
        )]
    );
}

#[test]
fn among_guesses_only_a_strict_majority_is_kept() {
    let material = bundle(&["Nothing quotable."]);
    let guess = |place: &str| PersonaDraft {
        location: Some(place.into()),
        ..PersonaDraft::default()
    };
    let majority = merge(vec![guess("Rome"), guess("Oslo"), guess("Rome")], &material);
    assert_eq!(majority.draft.location.as_deref(), Some("Rome"));
    let tie = merge(vec![guess("Rome"), guess("Oslo")], &material);
    assert_eq!(tie.draft.location, None);
    assert_eq!(conflicts(&tie).len(), 1);
}

#[test]
fn warning_messages_carry_no_value() {
    let material = bundle(&MATERIAL);
    let merged = merge(
        vec![
            draft(None, Some(("Berlin", "I live in Berlin", 0))),
            draft(None, Some(("Lisbon", "I moved to Lisbon", 2))),
        ],
        &material,
    );
    let message = &merged.warnings[0].message;
    assert!(
        !message.contains("Berlin") && !message.contains("Lisbon"),
        "{message}"
    );
}

#[test]
fn lists_are_unioned_most_supported_first_then_in_reading_order() {
    let material = bundle(&["x"]);
    let with = |interests: &[&str]| PersonaDraft {
        interests: strings(interests),
        ..PersonaDraft::default()
    };
    let merged = merge(
        vec![
            with(&["chess", "hiking"]),
            with(&["Hiking", "baking", "hiking"]),
            with(&["cycling", "hiking", "Baking!"]),
        ],
        &material,
    );
    assert_eq!(
        merged.draft.interests,
        ["hiking", "baking", "chess", "cycling"]
    );
}

#[test]
fn the_first_background_stands() {
    let material = bundle(&["x"]);
    let with = |background: &str| PersonaDraft {
        background: background.into(),
        ..PersonaDraft::default()
    };
    let merged = merge(
        vec![with(" "), with("Who she is."), with("Later.")],
        &material,
    );
    assert_eq!(merged.draft.background, "Who she is.");
}

proptest! {
    #[test]
    fn merging_is_deterministic_and_keeps_only_given_values(
        ages in proptest::collection::vec(proptest::option::of(20_i64..24), 1..6),
        items in proptest::collection::vec(proptest::collection::vec("[a-d]{1,2}", 0..5), 1..6),
    ) {
        let material = bundle(&["I am 20. I am 21. I am 22. I am 23."]);
        let drafts: Vec<PersonaDraft> = ages
            .iter()
            .zip(items.iter().cycle())
            .map(|(age, items)| {
                let mut d = PersonaDraft { age: *age, skills: items.clone(), ..PersonaDraft::default() };
                if let Some(age) = age {
                    d.evidence.push(evidence("age", &format!("I am {age}"), 0));
                }
                d
            })
            .collect();
        let once = merge(drafts.clone(), &material);
        prop_assert_eq!(&once, &merge(drafts.clone(), &material));
        if let Some(age) = once.draft.age {
            prop_assert!(ages.contains(&Some(age)));
        }
        let distinct: HashSet<Option<i64>> = ages.iter().copied().filter(Option::is_some).collect();
        prop_assert_eq!(conflicts(&once).len(), usize::from(distinct.len() > 1));
        let mut given: Vec<String> = drafts.iter().flat_map(|d| d.skills.clone()).collect();
        given.sort();
        given.dedup();
        let mut merged = once.draft.skills.clone();
        merged.sort();
        prop_assert_eq!(merged, given);
    }
}
