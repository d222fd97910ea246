//! The invariants every [`Persona`] must hold, whichever way it was made.

use std::collections::HashSet;
use std::sync::LazyLock;

use jsonschema::Validator;
use persona_domain::limits::{
    MAX_EVIDENCE, MAX_EVIDENCE_FIELD_CHARS, MAX_EVIDENCE_SOURCE_CHARS, MAX_QUOTE_CHARS,
};
use persona_domain::schema::persona_schema;
use persona_domain::{Evidence, Field, FieldValue, Persona, PersonaDraft};
use serde_json::Value;

static PERSONA_SCHEMA: LazyLock<Validator> = LazyLock::new(|| {
    jsonschema::validator_for(&persona_schema()).expect("the persona schema is a valid schema")
});

/// Panics unless `persona` obeys every rule of `domain/src/persona/rules.rs`, field by field
/// with the limits [`Field`] gives, and validates against the published persona schema.
pub fn assert_obeys_rules(persona: &Persona) {
    for field in Field::ALL {
        let name = field.name();
        match persona.value(field) {
            FieldValue::Text(text) => {
                let max_chars = field.max_chars().expect("a text field has a length limit");
                assert!(text.is_some() || field.is_nullable(), "{name} is null");
                if let Some(text) = text {
                    assert_text(name, text, field.min_chars(), max_chars);
                }
            }
            FieldValue::Age(age) => {
                let oldest = field.max_value().expect("age has an oldest value");
                if let Some(age) = age {
                    assert!(i64::from(age) <= oldest, "age {age} is over {oldest}");
                }
            }
            FieldValue::List(items) => {
                let max_items = field.max_items().expect("a list has a length limit");
                let max_chars = field
                    .max_chars()
                    .expect("a list's items have a length limit");
                assert!(items.len() <= max_items, "{name} has {} items", items.len());
                let mut seen = HashSet::new();
                for item in items {
                    assert_text(name, item, field.min_chars(), max_chars);
                    assert!(
                        seen.insert(item.to_lowercase()),
                        "{name} repeats an item ignoring case"
                    );
                }
            }
            FieldValue::Evidence(evidence) => assert_evidence(evidence),
        }
    }
    let value = serde_json::to_value(persona).expect("a persona serialises");
    assert_matches_schema(&value);
}

/// Panics unless every evidence item is within its limits and none repeats an earlier one.
fn assert_evidence(evidence: &[Evidence]) {
    assert!(
        evidence.len() <= MAX_EVIDENCE,
        "{} evidence items",
        evidence.len()
    );
    for (i, item) in evidence.iter().enumerate() {
        assert_text("evidence.field", &item.field, 1, MAX_EVIDENCE_FIELD_CHARS);
        assert_text("evidence.quote", &item.quote, 1, MAX_QUOTE_CHARS);
        assert_text(
            "evidence.source",
            &item.source,
            0,
            MAX_EVIDENCE_SOURCE_CHARS,
        );
        assert!(
            !evidence[..i].contains(item),
            "evidence {i} repeats an earlier item"
        );
    }
}

/// Panics unless `value` validates against the published persona schema.
pub fn assert_matches_schema(value: &Value) {
    let problems: Vec<String> = PERSONA_SCHEMA
        .iter_errors(value)
        .map(|e| format!("{} at {}", e.masked(), e.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "a persona breaks its own schema: {problems:?}"
    );
}

/// Panics unless `value` is trimmed, has its whitespace collapsed to single spaces, holds no
/// control character and has `min..=max` characters.
fn assert_text(field: &str, value: &str, min: usize, max: usize) {
    let chars = value.chars().count();
    assert!(
        (min..=max).contains(&chars),
        "{field} has {chars} characters, outside {min}..={max}"
    );
    assert!(
        !value.chars().any(char::is_control),
        "{field} holds a control character"
    );
    let collapsed = value.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(collapsed, value, "{field} is not trimmed and collapsed");
}

/// Panics unless the rules leave `persona` as it is: repairing its draft again changes nothing
/// and warns of nothing, and the strict parse accepts it unchanged.
pub fn assert_idempotent(persona: &Persona) {
    let again = Persona::from_draft(persona.to_draft());
    assert_eq!(&again.persona, persona, "repairing a persona changed it");
    assert!(
        again.warnings.is_empty(),
        "repairing a persona warned: {:?}",
        again.warnings
    );
    assert_eq!(
        Persona::parse(persona.to_draft()).as_ref(),
        Ok(persona),
        "the strict parse refused or changed a repaired persona"
    );
}

/// Panics unless `persona` survives JSON: it serialises, and reading it back (which applies the
/// strict rules) gives the same persona, as a `Persona` and as a `PersonaDraft`.
pub fn assert_round_trips(persona: &Persona) {
    let bytes = serde_json::to_vec(persona).expect("a persona serialises");
    let back: Persona = serde_json::from_slice(&bytes).expect("a persona deserialises");
    assert_eq!(&back, persona, "a persona changed through JSON");
    let draft: PersonaDraft = serde_json::from_slice(&bytes).expect("a persona is a draft");
    assert_eq!(
        draft,
        persona.to_draft(),
        "a persona's JSON is not its draft"
    );
}
