//! The driven ports and the use cases that drive them.
//!
//! - [`PersonaExtractor`]: turns a [`SourceBundle`] into a [`PersonaDraft`] (an LLM, or the mock).
//! - [`PersonaStore`]: keeps [`StoredPersona`] documents under their ids (Supabase, files, memory);
//!   [`CachedStore`] keeps the ones read in memory, bounded in bytes, in front of any of them.
//! - [`PersonaService`]: process, save and get, written once against the two ports.
//! - [`RecordStore`]: short-lived records (jobs, the process cache) beside the personas.
//! - [`Jobs`]: background jobs (status, progress, lease, TTL) kept in the [`RecordStore`].
//! - [`IdTag`]: the only form of a persona id that a log line may carry.
//! - [`Offload`]: where the CPU-heavy steps run, supplied by the front door's runtime.
//!
//! This crate knows no vendor, no HTTP and no runtime: adapters implement the traits, front doors
//! call the service.

mod extractor;
mod id_tag;
mod jobs;
mod offload;
mod records;
mod service;
mod store;

pub use extractor::{
    ExtractError, ExtractFailure, Extraction, MeasureUnit, PersonaExtractor, Usage,
};
pub use id_tag::IdTag;
pub use jobs::{
    InvalidJobId, JobClaim, JobId, JobMaterial, JobOutcome, JobPolicy, JobProgress, JobRecord,
    JobStatus, Jobs, Recovery,
};
pub use offload::{Job, JobDone, Offload, offloaded};
pub use records::{InvalidRecordKey, RecordEntry, RecordKey, RecordKind, RecordStore};
pub use service::{PersonaService, ProcessCache, ProcessOptions, Processed, Progress};
pub use store::{
    CachedStore, Clock, MAX_DOCUMENT_BYTES, PersonaStore, StoreError, check_record_size,
    document_bytes,
};

// The domain types every port speaks, re-exported so adapters need one import path.
pub use persona_domain::{
    Grounding, GroundingMode, Persona, PersonaDraft, PersonaId, SourceBundle, StoredPersona,
};
