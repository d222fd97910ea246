//! Contract suites: one per port, written once as plain async functions over `&dyn Port`, and
//! run against every adapter by the test binary in `tests/suite/`.
//!
//! Each case isolates itself with fresh random ids, so the suites can run against a shared,
//! long-lived store. Every case runs against every adapter with the same expectations, never
//! per-adapter branches: an extractor over a model meets a fake model that is deterministic and
//! quotes faithfully, and a case that needs more than the port (a small size limit, a way to
//! write past the store) fails when a store that needs no outside service cannot offer it.

pub mod extractor_contract;
pub mod fake_supabase;
pub mod jobs_contract;
pub mod records_contract;
pub mod store_contract;

use chrono::Utc;
use persona_domain::{Persona, PersonaDraft, PersonaId, SourceCounts, StoredPersona};

/// Says, in the test output, that the running test stops here without checking anything, and
/// why: `SKIPPED <test name>: <reason>`.
///
/// The line goes straight to the process's standard error, past the test harness's capture, so
/// a passing run still shows which tests did not run (the harness names each test's thread after
/// the test).
pub fn skip(reason: &str) {
    use std::io::Write as _;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    // Nothing useful can be done if standard error is closed.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
}

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
