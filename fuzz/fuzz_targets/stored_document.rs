//! `StoredPersona::from_json`: the bytes a store hands back.
//!
//! The input is read twice: as document bytes (checked against the id the document names, or a
//! fixed id when it names none), and as an `arbitrary` persona, counts and time that are built
//! into a document with `StoredPersona::new`.
//!
//! Invariants: reading never panics; a document it accepts obeys the persona rules, re-serialises
//! to bytes it accepts again as the same document, and `to_json` is stable; a document built
//! from any persona and time reads back as itself and validates against the stored-document
//! schema; no error message repeats the bytes.
#![no_main]

use std::sync::LazyLock;

use arbitrary::{Arbitrary, Unstructured};
use chrono::DateTime;
use jsonschema::Validator;
use libfuzzer_sys::fuzz_target;
use persona_domain::schema::stored_document_schema;
use persona_domain::{Persona, PersonaId, SourceCounts, StoredPersona};
use persona_fuzz::echo::assert_no_echo;
use persona_fuzz::input::DraftInput;
use persona_fuzz::persona::assert_obeys_rules;

/// The id expected when the bytes name none.
const FALLBACK_ID: &str = "fuzz-fuzz-fuzz-fuzz-1";

static DOCUMENT_SCHEMA: LazyLock<Validator> =
    LazyLock::new(|| jsonschema::validator_for(&stored_document_schema()).expect("a valid schema"));

#[derive(Debug, Arbitrary)]
struct Built {
    persona: DraftInput,
    blocks: u32,
    links: u32,
    seconds: i64,
    nanos: u32,
}

fuzz_target!(|data: &[u8]| {
    read(data);
    if let Ok(built) = Built::arbitrary_take_rest(Unstructured::new(data)) {
        build(&built);
    }
});

fn read(data: &[u8]) {
    let named = serde_json::from_slice::<serde_json::Value>(data)
        .ok()
        .and_then(|v| {
            v.get("id")?
                .as_str()
                .and_then(|id| PersonaId::parse(id).ok())
        });
    let expected = named.unwrap_or_else(|| PersonaId::parse(FALLBACK_ID).expect("a valid id"));
    match StoredPersona::from_json(data, &expected) {
        Ok(document) => {
            assert_eq!(document.id(), &expected);
            assert_obeys_rules(document.persona());
            let bytes = document.to_json();
            let again = StoredPersona::from_json(&bytes, &expected)
                .expect("a document's own bytes are accepted");
            assert_eq!(again, document, "a document changed through its own bytes");
            assert_eq!(again.to_json(), bytes, "to_json is not stable");
        }
        Err(error) => assert_no_echo(&[data], &format!("{error} {error:?}"), ""),
    }
}

fn build(built: &Built) {
    let Some(created_at) = DateTime::from_timestamp(built.seconds, built.nanos) else {
        return;
    };
    let id = PersonaId::parse(FALLBACK_ID).expect("a valid id");
    let persona = Persona::from_draft(built.persona.build()).persona;
    let source = SourceCounts {
        blocks: built.blocks,
        links: built.links,
    };
    let document = StoredPersona::new(id.clone(), persona, source, created_at);
    let bytes = document.to_json();
    let back = StoredPersona::from_json(&bytes, &id).expect("a built document reads back");
    assert_eq!(back, document, "a built document changed through JSON");
    let value: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let problems: Vec<String> = DOCUMENT_SCHEMA
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e.masked(), e.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "a document breaks its schema: {problems:?}"
    );
}
