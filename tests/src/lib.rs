//! Contract suites: one per port, written once as plain async functions over `&dyn Port`, and
//! run against every adapter by the test binary in `tests/suite/`.
//!
//! Each case isolates itself with fresh random ids, so the suites can run against a shared,
//! long-lived store. Differences between adapters are capability flags, never per-adapter
//! branches.

pub mod extractor_contract;
pub mod fake_supabase;
pub mod store_contract;

use chrono::Utc;
use persona_domain::{Persona, PersonaDraft, PersonaId, SourceCounts, StoredPersona};

/// A fresh random persona id.
pub fn random_id() -> PersonaId {
    let id = nanoid::format(nanoid::rngs::default, &PersonaId::ALPHABET, PersonaId::LEN);
    PersonaId::parse(&id).expect("nanoid draws from the id alphabet")
}

/// A document for `name` under a fresh id.
pub fn document(name: &str) -> StoredPersona {
    let persona = Persona::from_draft(PersonaDraft {
        name: Some(name.to_owned()),
        age: Some(41),
        interests: vec!["chess".into(), "tango".into()],
        ..PersonaDraft::default()
    })
    .persona;
    StoredPersona::new(
        random_id(),
        persona,
        SourceCounts {
            blocks: 2,
            links: 1,
        },
        Utc::now(),
    )
}
