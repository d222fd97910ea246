//! The draft rules: a `PersonaDraft` through `Persona::from_draft` (lenient) and
//! `Persona::parse` (strict).
//!
//! The input is JSON read as a `PersonaDraft` with serde (as a model's answer or a client's save
//! is read) or, when it is not one, a draft built with `arbitrary`, with texts repeated to cross
//! the limits.
//!
//! Invariants: the lenient persona obeys every limit and validates against the published
//! persona schema; the rules are idempotent (repairing a persona's own draft changes nothing and
//! warns of nothing); the strict parse refuses exactly when a lenient warning lost information,
//! with one violation per such warning at the same field, and otherwise gives the lenient
//! persona; deserialising a `Persona` from the same JSON is the strict parse; a persona
//! round-trips through JSON; no warning or violation repeats the draft's text.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use persona_domain::{Persona, PersonaDraft, WarningCode};
use persona_fuzz::echo::assert_no_echo;
use persona_fuzz::input::DraftInput;
use persona_fuzz::persona::{assert_idempotent, assert_obeys_rules, assert_round_trips};

fuzz_target!(|data: &[u8]| {
    let draft = match serde_json::from_slice::<PersonaDraft>(data) {
        Ok(draft) => {
            // Deserialising a persona is the strict parse of the same draft.
            let strict = Persona::parse(draft.clone());
            let direct = serde_json::from_slice::<Persona>(data);
            assert_eq!(
                direct.as_ref().ok(),
                strict.as_ref().ok(),
                "deserialising a persona is not the strict parse"
            );
            draft
        }
        Err(_) => match DraftInput::arbitrary_take_rest(Unstructured::new(data)) {
            Ok(input) => input.build(),
            Err(_) => return,
        },
    };

    let lenient = Persona::from_draft(draft.clone());
    assert_obeys_rules(&lenient.persona);
    assert_idempotent(&lenient.persona);
    assert_round_trips(&lenient.persona);

    // Repeats and near-repeats are tidied by the lenient rules (a model's output) and kept or
    // tidied silently by the strict ones (a client's save): neither loses information.
    let tidied = |code: WarningCode| {
        matches!(
            code,
            WarningCode::DuplicatesRemoved | WarningCode::NearDuplicatesCollapsed
        )
    };
    let losses: Vec<&str> = lenient
        .warnings
        .iter()
        .filter(|w| !tidied(w.code))
        .map(|w| w.field.as_str())
        .collect();
    let collapsed = lenient
        .warnings
        .iter()
        .any(|w| w.code == WarningCode::NearDuplicatesCollapsed);
    match Persona::parse(draft.clone()) {
        Ok(strict) => {
            assert!(
                losses.is_empty(),
                "strict accepted a draft that lost {losses:?}"
            );
            if !collapsed {
                assert_eq!(strict, lenient.persona, "strict and lenient disagree");
            }
        }
        Err(violations) => {
            let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
            if collapsed {
                // Collapsing shifts the index of every later item: compare the fields only.
                let top = |paths: &[&str]| -> Vec<String> {
                    let mut top: Vec<String> = paths
                        .iter()
                        .map(|p| p.split('/').nth(1).unwrap_or_default().to_owned())
                        .collect();
                    top.dedup();
                    top
                };
                assert_eq!(
                    top(&fields),
                    top(&losses),
                    "violations are not the information-losing warnings"
                );
            } else {
                assert_eq!(
                    fields, losses,
                    "violations are not the information-losing warnings"
                );
            }
            let text: String = violations.iter().map(|v| format!("{v:?}\n")).collect();
            assert_no_echo(&draft_texts(&draft), &text, "");
        }
    }
    for warning in &lenient.warnings {
        let field = warning.field.trim_start_matches('/');
        let top = field.split('/').next().unwrap_or_default();
        assert!(
            persona_domain::Field::from_name(top).is_some(),
            "warning at unknown field {:?}",
            warning.field
        );
    }
    let text: String = lenient
        .warnings
        .iter()
        .map(|w| format!("{w:?}\n"))
        .collect();
    assert_no_echo(&draft_texts(&draft), &text, "");
});

/// Every text of `draft`, for the no-echo check.
fn draft_texts(draft: &PersonaDraft) -> Vec<&[u8]> {
    let singles = [
        &draft.name,
        &draft.occupation,
        &draft.location,
        &draft.communication_style,
    ]
    .into_iter()
    .flatten()
    .chain([&draft.background]);
    let lists = [
        &draft.traits,
        &draft.interests,
        &draft.skills,
        &draft.values,
        &draft.goals,
        &draft.languages,
        &draft.quotes,
    ]
    .into_iter()
    .flatten();
    let evidence = draft
        .evidence
        .iter()
        .flat_map(|e| [&e.field, &e.quote, &e.source]);
    singles
        .chain(lists)
        .chain(evidence)
        .map(String::as_bytes)
        .collect()
}
