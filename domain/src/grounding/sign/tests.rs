//! Signing and verifying grounding entries: every part of an entry is bound, list indexes are
//! not.

use super::*;
use crate::grounding::{GroundingMode, GroundingStatus, Span, ground};
use crate::persona::PersonaDraft;
use crate::source::SourceBundle;

const SOURCE: &str = "My name is Ana Ruiz and I live in Valencia. I am good at chemistry, \
                      teaching and cooking. I love chemistry and hiking.";

fn key(byte: u8) -> GroundingKey {
    GroundingKey::new(vec![byte; MIN_KEY_BYTES]).expect("long enough")
}

fn draft() -> PersonaDraft {
    PersonaDraft {
        name: Some("Ana Ruiz".into()),
        location: Some("Valencia".into()),
        skills: vec!["chemistry".into(), "teaching".into(), "cooking".into()],
        interests: vec!["chemistry".into(), "hiking".into()],
        ..PersonaDraft::default()
    }
}

fn persona(draft: PersonaDraft) -> Persona {
    Persona::from_draft(draft).persona
}

/// The persona and its grounding as process-persona answers them, signed with `key(1)`.
fn signed() -> (Persona, Grounding) {
    let bundle = SourceBundle::parse(&[SOURCE.to_owned()], &[]).expect("valid");
    let grounded = ground(persona(draft()), &bundle, GroundingMode::Flag);
    let mut grounding = grounded.grounding;
    grounding.sign(&grounded.persona, &key(1));
    (grounded.persona, grounding)
}

fn verified(
    mut grounding: Grounding,
    persona: &Persona,
    key: Option<&GroundingKey>,
) -> Vec<String> {
    grounding.verify(persona, key);
    grounding.unverified().map(str::to_owned).collect()
}

fn with_entry(
    grounding: &Grounding,
    pointer: &str,
    change: impl Fn(&mut FieldGrounding),
) -> Grounding {
    let mut changed = grounding.clone();
    for (p, entry) in changed.fields.iter_mut() {
        if p == pointer {
            change(entry);
        }
    }
    changed
}

#[test]
fn every_entry_of_an_answer_is_signed_and_verifies_with_the_same_key() {
    let (persona, grounding) = signed();
    assert_eq!(grounding.fields.len(), 7, "{grounding:?}");
    for (pointer, entry) in grounding.fields.iter() {
        let signature = entry.signature.as_deref().unwrap_or_default();
        assert!(is_signature(signature), "{pointer}: {signature:?}");
        assert_eq!(
            entry.verified, None,
            "process answers do not claim verification"
        );
    }
    assert_eq!(
        verified(grounding.clone(), &persona, Some(&key(1))),
        Vec::<String>::new()
    );
    let mut checked = grounding;
    checked.verify(&persona, Some(&key(1)));
    assert!(checked.fields.iter().all(|(_, e)| e.verified == Some(true)));
}

#[test]
fn another_key_or_no_key_verifies_nothing() {
    let (persona, grounding) = signed();
    assert_eq!(
        verified(grounding.clone(), &persona, Some(&key(2))).len(),
        7
    );
    assert_eq!(verified(grounding, &persona, None).len(), 7);
}

#[test]
fn an_entry_without_a_signature_or_with_a_malformed_one_is_not_verified() {
    let (persona, grounding) = signed();
    let unsigned = with_entry(&grounding, "/location", |e| e.signature = None);
    assert_eq!(verified(unsigned, &persona, Some(&key(1))), ["/location"]);
    let upper = with_entry(&grounding, "/location", |e| {
        e.signature = e.signature.as_ref().map(|s| s.to_uppercase());
    });
    assert_eq!(
        verified(upper.clone(), &persona, Some(&key(1))),
        ["/location"]
    );
    assert!(
        upper.check(&persona).is_err(),
        "a malformed signature is refused by check"
    );
}

#[test]
fn a_changed_value_fails_its_signature() {
    let (_, grounding) = signed();
    let moved = persona(PersonaDraft {
        location: Some("Madrid".into()),
        ..draft()
    });
    assert_eq!(verified(grounding, &moved, Some(&key(1))), ["/location"]);
}

/// One change a forger might make to an entry.
type Change = Box<dyn Fn(&mut FieldGrounding)>;

#[test]
fn a_changed_status_quote_source_or_span_fails_its_signature() {
    let (persona, grounding) = signed();
    let entry = grounding.fields.get("/location").expect("graded").clone();
    assert_eq!(entry.status, GroundingStatus::Stated, "{entry:?}");
    let span = entry.span.expect("stated values have a span");
    let changes: [(&str, Change); 5] = [
        ("status", Box::new(|e| e.status = GroundingStatus::Inferred)),
        (
            "quote",
            Box::new(|e| {
                e.status = GroundingStatus::Quoted;
                e.quote = Some("I live in Valencia".into());
            }),
        ),
        ("source", Box::new(|e| e.source = Some("block:1".into()))),
        (
            "span start",
            Box::new(move |e| {
                e.span = Some(Span {
                    start: span.start + 1,
                    ..span
                })
            }),
        ),
        (
            "span end",
            Box::new(move |e| {
                e.span = Some(Span {
                    end: span.end + 1,
                    ..span
                })
            }),
        ),
    ];
    for (what, change) in changes {
        let forged = with_entry(&grounding, "/location", &*change);
        assert_eq!(
            verified(forged, &persona, Some(&key(1))),
            ["/location"],
            "{what}"
        );
    }
}

#[test]
fn an_entry_moved_to_another_pointer_fails() {
    let (persona, grounding) = signed();
    // The skill "chemistry" at index 0 and the interest "chemistry" at index 0: the same words,
    // another field.
    let skill = grounding.fields.get("/skills/0").expect("graded").clone();
    let onto_interest = with_entry(&grounding, "/interests/0", |e| *e = skill.clone());
    assert_eq!(
        verified(onto_interest, &persona, Some(&key(1))),
        ["/interests/0"]
    );
    let onto_other_skill = with_entry(&grounding, "/skills/1", |e| *e = skill.clone());
    assert_eq!(
        verified(onto_other_skill, &persona, Some(&key(1))),
        ["/skills/1"]
    );
    let location = grounding.fields.get("/location").expect("graded").clone();
    let onto_name = with_entry(&grounding, "/name", |e| *e = location.clone());
    assert_eq!(verified(onto_name, &persona, Some(&key(1))), ["/name"]);
}

#[test]
fn removing_a_list_item_keeps_the_others_verified_at_their_new_indexes() {
    let (_, grounding) = signed();
    let fewer = persona(PersonaDraft {
        skills: vec!["chemistry".into(), "cooking".into()],
        ..draft()
    });
    // What the playground sends: the kept items' entries, re-keyed to their new indexes.
    let entries = grounding
        .fields
        .iter()
        .filter(|(p, _)| *p != "/skills/1")
        .map(|(p, e)| {
            let p = if p == "/skills/2" { "/skills/1" } else { p };
            (p.to_owned(), e.clone())
        })
        .collect::<Vec<_>>();
    let mut regrounded = grounding.clone();
    regrounded.fields = entries.into();
    regrounded.counts.stated -= 1;
    assert!(
        regrounded.check(&fewer).is_ok(),
        "{:?}",
        regrounded.check(&fewer)
    );
    assert_eq!(
        verified(regrounded, &fewer, Some(&key(1))),
        Vec::<String>::new()
    );
}

#[test]
fn another_mode_fails_every_signature() {
    let (persona, mut grounding) = signed();
    grounding.mode = GroundingMode::Strict;
    assert_eq!(verified(grounding, &persona, Some(&key(1))).len(), 7);
}

#[test]
fn a_grounding_from_before_signatures_reads_as_unverified_and_keeps_what_was_verified() {
    let (persona, grounding) = signed();
    let mut checked = with_entry(&grounding, "/name", |e| e.signature = None);
    checked.verify(&persona, Some(&key(1)));
    let mut old = with_entry(&checked, "/location", |e| e.verified = None);
    old.default_unverified();
    assert_eq!(
        old.fields.get("/name").and_then(|e| e.verified),
        Some(false)
    );
    assert_eq!(
        old.fields.get("/location").and_then(|e| e.verified),
        Some(false)
    );
    assert_eq!(
        old.fields.get("/skills/0").and_then(|e| e.verified),
        Some(true)
    );
}

#[test]
fn a_short_key_is_refused_and_a_key_never_shows_in_debug() {
    assert_eq!(
        GroundingKey::new(vec![7; MIN_KEY_BYTES - 1]),
        Err(KeyTooShort)
    );
    let key = GroundingKey::new("s3cret-s3cret-s3cret-s3cret-s3cret").expect("long enough");
    assert!(!format!("{key:?}").contains("s3cret"));
}
