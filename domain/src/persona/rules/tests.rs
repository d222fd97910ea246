//! The rules, one behaviour per test, and properties every repaired persona has.

use proptest::prelude::*;

use super::*;
use crate::limits::{MAX_BACKGROUND_CHARS, MAX_ITEM_CHARS, MAX_SHORT_CHARS};

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn named(name: &str) -> PersonaDraft {
    PersonaDraft {
        name: Some(name.to_owned()),
        ..PersonaDraft::default()
    }
}

fn codes(warnings: &[Warning]) -> Vec<(&str, WarningCode)> {
    warnings
        .iter()
        .map(|w| (w.field.as_str(), w.code))
        .collect()
}

#[test]
fn a_clean_draft_passes_unchanged_without_warnings() {
    let draft = PersonaDraft {
        name: Some("Ada Lovelace".into()),
        age: Some(36),
        occupation: Some("Mathematician".into()),
        traits: strings(&["curious", "precise"]),
        ..PersonaDraft::default()
    };
    let out = Persona::from_draft(draft.clone());
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(out.persona.to_draft(), draft);
}

#[test]
fn strings_are_trimmed_and_whitespace_collapsed() {
    let draft = PersonaDraft {
        name: Some("  Ada \n  Lovelace ".into()),
        background: "Wrote\tthe first\n\nprogram.".into(),
        ..PersonaDraft::default()
    };
    let persona = Persona::from_draft(draft).persona;
    assert_eq!(persona.name(), "Ada Lovelace");
    assert_eq!(persona.background(), "Wrote the first program.");
}

#[test]
fn a_missing_name_becomes_unnamed_with_a_warning() {
    for name in [None, Some(String::new()), Some("  \t ".to_owned())] {
        let out = Persona::from_draft(PersonaDraft {
            name,
            ..PersonaDraft::default()
        });
        assert_eq!(out.persona.name(), Persona::UNNAMED);
        assert_eq!(codes(&out.warnings), [("/name", WarningCode::NameMissing)]);
    }
}

#[test]
fn an_age_outside_the_range_becomes_null_with_a_warning() {
    for age in [-1, 131, 10_000] {
        let out = Persona::from_draft(PersonaDraft {
            age: Some(age),
            ..named("Ada")
        });
        assert_eq!(out.persona.age(), None);
        assert_eq!(codes(&out.warnings), [("/age", WarningCode::AgeOutOfRange)]);
        assert!(
            !out.warnings[0].message.contains(&age.to_string()),
            "the message repeats no value"
        );
    }
}

#[test]
fn ages_at_the_bounds_are_kept() {
    for age in [0, 130] {
        let out = Persona::from_draft(PersonaDraft {
            age: Some(age),
            ..named("Ada")
        });
        assert_eq!(out.persona.age().map(i64::from), Some(age));
        assert!(out.warnings.is_empty());
    }
}

#[test]
fn empty_strings_become_null_or_disappear_without_warning() {
    let draft = PersonaDraft {
        occupation: Some("   ".into()),
        traits: strings(&["", "kind", "  "]),
        ..named("Ada")
    };
    let out = Persona::from_draft(draft);
    assert_eq!(out.persona.occupation(), None);
    assert_eq!(out.persona.traits(), ["kind"]);
    assert!(out.warnings.is_empty());
}

#[test]
fn list_items_are_deduplicated_case_insensitively_keeping_the_first() {
    let draft = PersonaDraft {
        interests: strings(&["Chess", "chess", " CHESS ", "Go"]),
        ..named("Ada")
    };
    let out = Persona::from_draft(draft);
    assert_eq!(out.persona.interests(), ["Chess", "Go"]);
    assert_eq!(
        codes(&out.warnings),
        [("/interests", WarningCode::DuplicatesRemoved)]
    );
    assert!(out.warnings[0].message.contains("2 item"));
}

#[test]
fn near_repeats_in_model_output_collapse_to_the_first_with_a_warning() {
    let draft = PersonaDraft {
        skills: strings(&[
            "Python",
            "python.",
            "Python programming",
            "Go",
            "PYTHON!!",
            "hiking",
            "hikinggg",
            "Data-science",
            "data science",
        ]),
        ..named("Ada")
    };
    let out = Persona::from_draft(draft);
    assert_eq!(
        out.persona.skills(),
        ["Python", "Go", "hiking", "Data-science"]
    );
    assert_eq!(
        codes(&out.warnings),
        [("/skills", WarningCode::NearDuplicatesCollapsed)]
    );
    assert_eq!(
        out.warnings[0].message,
        "skills had 5 item(s) nearly repeating an earlier one; the first was kept"
    );
}

#[test]
fn items_that_merely_share_words_or_numbers_are_not_near_repeats() {
    let items = strings(&[
        "skill 1",
        "skill 11",
        "art",
        "arts",
        "smart homes",
        "table tennis",
        "tennis coach",
    ]);
    let out = Persona::from_draft(PersonaDraft {
        interests: items.clone(),
        ..named("Ada")
    });
    assert_eq!(out.persona.interests(), items);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn a_clients_save_keeps_near_repeats() {
    let persona = Persona::parse(PersonaDraft {
        skills: strings(&["Python", "Python scripting"]),
        ..named("Ada")
    })
    .expect("valid");
    assert_eq!(persona.skills(), ["Python", "Python scripting"]);
}

#[test]
fn a_list_over_the_cap_keeps_the_first_items_with_a_warning() {
    let items: Vec<String> = (0..25).map(|i| format!("skill {i}")).collect();
    let out = Persona::from_draft(PersonaDraft {
        skills: items.clone(),
        ..named("Ada")
    });
    assert_eq!(out.persona.skills(), &items[..MAX_LIST_ITEMS]);
    assert_eq!(
        codes(&out.warnings),
        [("/skills", WarningCode::TooManyItems)]
    );
    assert_eq!(
        out.warnings[0].message,
        "skills had 25 items; the first 20 were kept"
    );
}

#[test]
fn a_long_item_is_cut_with_a_warning_naming_its_place() {
    let long = "a".repeat(MAX_ITEM_CHARS + 1);
    let out = Persona::from_draft(PersonaDraft {
        goals: vec!["short".into(), long],
        ..named("Ada")
    });
    assert_eq!(out.persona.goals()[1].chars().count(), MAX_ITEM_CHARS);
    assert_eq!(codes(&out.warnings), [("/goals/1", WarningCode::Truncated)]);
}

#[test]
fn a_long_background_is_cut_with_a_warning() {
    let out = Persona::from_draft(PersonaDraft {
        background: "word ".repeat(1000),
        ..named("Ada")
    });
    assert!(out.persona.background().chars().count() <= MAX_BACKGROUND_CHARS);
    assert_eq!(
        codes(&out.warnings),
        [("/background", WarningCode::Truncated)]
    );
}

#[test]
fn evidence_without_field_or_quote_and_exact_repeats_are_dropped() {
    let e = |field: &str, quote: &str| Evidence {
        field: field.into(),
        quote: quote.into(),
        source: "block:0".into(),
    };
    let draft = PersonaDraft {
        evidence: vec![
            e("age", "I am 36"),
            e("", "x"),
            e("age", " "),
            e("age", "I  am 36"),
        ],
        ..named("Ada")
    };
    assert_eq!(
        Persona::from_draft(draft).persona.evidence(),
        [e("age", "I am 36")]
    );
}

#[test]
fn evidence_without_a_source_is_dropped() {
    // Found by the `draft_rules` fuzz target: kept, it broke the persona schema's `minLength: 1`.
    let draft = PersonaDraft {
        evidence: vec![
            Evidence {
                field: "age".into(),
                quote: "I am 36".into(),
                source: " \n ".into(),
            },
            Evidence {
                field: "name".into(),
                quote: "I am Ada".into(),
                source: "block:0".into(),
            },
        ],
        ..named("Ada")
    };
    let out = Persona::from_draft(draft.clone());
    assert_eq!(
        out.persona.evidence(),
        [Evidence {
            field: "name".into(),
            quote: "I am Ada".into(),
            source: "block:0".into(),
        }]
    );
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(Persona::parse(draft), Ok(out.persona));
}

#[test]
fn parse_accepts_a_tidy_persona_and_tidies_harmless_things_silently() {
    let draft = PersonaDraft {
        traits: strings(&[" kind ", "Kind", ""]),
        ..named(" Ada ")
    };
    let persona = Persona::parse(draft).expect("valid");
    assert_eq!(persona.name(), "Ada");
    assert_eq!(persona.traits(), ["kind"]);
}

#[test]
fn parse_refuses_what_would_lose_information_naming_each_field() {
    let draft = PersonaDraft {
        name: Some(" ".into()),
        age: Some(200),
        location: Some("x".repeat(MAX_SHORT_CHARS + 1)),
        values: (0..21).map(|i| i.to_string()).collect(),
        ..PersonaDraft::default()
    };
    let violations = Persona::parse(draft).expect_err("invalid");
    let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["/name", "/age", "/location", "/values"]);
    assert_eq!(
        violations[3].message,
        "values has 21 items; at most 20 are allowed"
    );
}

#[test]
fn deserialising_a_persona_applies_the_strict_rules() {
    let ok: Persona = serde_json::from_str(r#"{"name":"Ada","age":36}"#).expect("valid");
    assert_eq!(ok.age(), Some(36));
    let err = serde_json::from_str::<Persona>(r#"{"name":"Ada","age":131}"#).expect_err("invalid");
    assert!(
        err.to_string().contains("age must be between 0 and 130"),
        "{err}"
    );
    assert!(serde_json::from_str::<Persona>(r#"{"name":"Ada","nickname":"A"}"#).is_err());
}

/// Zero-width spaces, joiners, a BOM and bidi controls: nothing a reader would see.
const INVISIBLE: &str = "\u{200B}\u{200D}\u{FEFF}\u{2060} \u{202E}\u{2066}";

#[test]
fn bidi_controls_are_removed_from_every_persona_string() {
    let draft = PersonaDraft {
        name: Some("Ada\u{202E}ecalevoL\u{202C}".into()),
        occupation: Some("\u{2067}engineer\u{2069}".into()),
        skills: strings(&["\u{202D}Rust"]),
        ..PersonaDraft::default()
    };
    let out = Persona::from_draft(draft.clone());
    assert_eq!(out.persona.name(), "AdaecalevoL");
    assert_eq!(out.persona.occupation(), Some("engineer"));
    assert_eq!(out.persona.skills(), ["Rust"]);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(Persona::parse(draft).expect("saves").name(), "AdaecalevoL");
}

#[test]
fn a_save_refuses_every_string_of_invisible_characters_alone() {
    let draft = PersonaDraft {
        name: Some(INVISIBLE.into()),
        occupation: Some(INVISIBLE.into()),
        skills: strings(&["Rust", INVISIBLE]),
        ..PersonaDraft::default()
    };
    let violations = Persona::parse(draft).expect_err("refused");
    let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["/name", "/name", "/occupation", "/skills/1"]);
    assert_eq!(
        violations[0].message,
        "name holds only invisible characters (zero-width, bidi controls); send visible text or \
         leave it out"
    );
    assert_eq!(violations[1].message, "name must not be empty");
}

#[test]
fn model_output_of_invisible_characters_alone_is_removed_with_a_warning() {
    let out = Persona::from_draft(PersonaDraft {
        name: Some(INVISIBLE.into()),
        location: Some(INVISIBLE.into()),
        traits: strings(&[INVISIBLE, "calm"]),
        ..PersonaDraft::default()
    });
    assert_eq!(out.persona.name(), Persona::UNNAMED);
    assert_eq!(out.persona.location(), None);
    assert_eq!(out.persona.traits(), ["calm"]);
    assert_eq!(
        codes(&out.warnings),
        [
            ("/name", WarningCode::InvisibleTextRemoved),
            ("/name", WarningCode::NameMissing),
            ("/location", WarningCode::InvisibleTextRemoved),
            ("/traits/0", WarningCode::InvisibleTextRemoved),
        ]
    );
}

#[test]
fn serialising_keeps_the_field_order_of_the_design() {
    let json = serde_json::to_value(Persona::from_draft(named("Ada")).persona).expect("serialises");
    let keys: Vec<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        crate::persona::Field::ALL.map(crate::persona::Field::name)
    );
}

fn arb_draft() -> impl Strategy<Value = PersonaDraft> {
    let text = || prop::option::of(".{0,300}");
    let list = || prop::collection::vec(".{0,250}", 0..30);
    (
        text(),
        prop::option::of(-50i64..300),
        text(),
        text(),
        ".{0,2500}",
        list(),
        list(),
        list(),
        text(),
    )
        .prop_map(
            |(
                name,
                age,
                occupation,
                location,
                background,
                traits,
                skills,
                quotes,
                communication_style,
            )| PersonaDraft {
                name,
                age,
                occupation,
                location,
                background,
                traits,
                skills,
                quotes,
                communication_style,
                ..PersonaDraft::default()
            },
        )
}

proptest! {
    #[test]
    fn every_repaired_persona_passes_the_strict_rules(draft in arb_draft()) {
        let repaired = Persona::from_draft(draft).persona;
        prop_assert_eq!(Persona::parse(repaired.to_draft()), Ok(repaired));
    }

    #[test]
    fn repair_is_idempotent(draft in arb_draft()) {
        let once = Persona::from_draft(draft).persona;
        let twice = Persona::from_draft(once.to_draft());
        prop_assert!(twice.warnings.is_empty(), "{:?}", twice.warnings);
        prop_assert_eq!(twice.persona, once);
    }

    #[test]
    fn repaired_lists_respect_the_limits(draft in arb_draft()) {
        let p = Persona::from_draft(draft).persona;
        for list in [p.traits(), p.skills()] {
            prop_assert!(list.len() <= MAX_LIST_ITEMS);
            prop_assert!(list.iter().all(|i| !i.is_empty() && i.chars().count() <= MAX_ITEM_CHARS));
        }
        prop_assert!(p.quotes().iter().all(|q| q.chars().count() <= MAX_QUOTE_CHARS));
    }
}

#[test]
fn evidence_without_a_source_is_dropped_like_any_incomplete_item() {
    let draft = PersonaDraft {
        name: Some("Ada".into()),
        evidence: vec![
            Evidence {
                field: "name".into(),
                quote: "I am Ada".into(),
                source: " ".into(),
            },
            Evidence {
                field: "name".into(),
                quote: "I am Ada".into(),
                source: "block:0".into(),
            },
        ],
        ..PersonaDraft::default()
    };
    let persona = Persona::from_draft(draft).persona;
    assert_eq!(persona.evidence().len(), 1);
    assert_eq!(persona.evidence()[0].source, "block:0");
}
