//! Strict grounding removes values through [`Persona::without`], not by running the rules
//! again: the persona it returns is one the rules would leave exactly as it is, so the result is
//! the one a second pass of the rules gave before.

use proptest::prelude::*;

use super::*;
use crate::persona::PersonaDraft;

/// Words shared by the sources and the drafts, so that some values are stated, some quoted and
/// some inferred.
const WORDS: [&str; 10] = [
    "Ada", "London", "baker", "chess", "hiking", "Python", "python!", "curious", "calm", "Lima",
];

fn words() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&WORDS[..]), 1..4).prop_map(|w| w.join(" "))
}

fn arb_case() -> impl Strategy<Value = (Vec<String>, PersonaDraft)> {
    let list = || prop::collection::vec(words(), 0..6);
    let evidence = prop::collection::vec(
        (
            prop::sample::select(Field::ALL.map(Field::name).to_vec()),
            words(),
            0..3usize,
        )
            .prop_map(|(field, quote, block)| Evidence {
                field: field.to_owned(),
                quote,
                source: format!("block:{block}"),
            }),
        0..6,
    );
    (
        prop::collection::vec(prop::collection::vec(words(), 1..6), 1..3),
        (
            prop::option::of(words()),
            prop::option::of(0i64..140),
            prop::option::of(words()),
            prop::option::of(words()),
        ),
        (list(), list(), list(), list()),
        (prop::option::of(words()), evidence),
    )
        .prop_map(|(blocks, scalars, lists, (style, evidence))| {
            let blocks = blocks.into_iter().map(|s| s.join(". ")).collect();
            let draft = PersonaDraft {
                name: scalars.0,
                age: scalars.1,
                occupation: scalars.2,
                location: scalars.3,
                background: "A summary.".into(),
                traits: lists.0,
                skills: lists.1,
                languages: lists.2,
                quotes: lists.3,
                communication_style: style,
                evidence,
                ..PersonaDraft::default()
            };
            (blocks, draft)
        })
}

proptest! {
    #[test]
    fn strict_grounding_leaves_nothing_for_the_rules_to_repair((blocks, draft) in arb_case()) {
        let bundle = SourceBundle::parse(&blocks, &[]).expect("a valid bundle");
        let grounded = ground(Persona::from_draft(draft).persona, &bundle, GroundingMode::Strict);
        let again = Persona::from_draft(grounded.persona.to_draft()).persona;
        prop_assert_eq!(again, grounded.persona);
    }
}
