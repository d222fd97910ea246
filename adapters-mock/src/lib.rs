//! Offline stand-ins for the two driven ports, for `USE_MOCK_DATA=true` and for tests.
//!
//! - [`MockExtractor`]: a deterministic [`PersonaExtractor`](persona_ports::PersonaExtractor)
//!   that reads a handful of English phrases ("my name is …", "I live in …") from the text
//!   blocks, so a frontend sees its own input come back as a persona with no model, key or
//!   network.
//! - [`MemoryStore`]: a [`PersonaStore`](persona_ports::PersonaStore) in memory, optionally
//!   seeded with two sample personas under the fixed ids in [`SAMPLE_IDS`].
//! - [`MemoryRecords`]: a [`RecordStore`](persona_ports::RecordStore) in memory (jobs, the
//!   process cache).

mod extractor;
mod records;
mod store;

pub use extractor::MockExtractor;
pub use records::MemoryRecords;
pub use store::{MemoryStore, SAMPLE_IDS};
