//! The Persona API's domain: what a persona is and the rules that make one trustworthy.
//!
//! Everything here is pure: no I/O, no async, no clock and no randomness. The service in
//! `persona-ports` supplies time and fresh ids; adapters supply bytes.
//!
//! # Layout
//!
//! - [`chunk`]: [`chunk::split`], material too long for one extraction cut into chunks that fit.
//! - [`merge`]: [`merge::merge`], the drafts of a chunked extraction made one, conflicts reported.
//! - [`source`]: [`SourceBundle`], the user's material, parsed and sanitised.
//! - [`persona`]: [`Persona`], [`PersonaDraft`] (what a model returns) and the rules between them;
//!   [`Field`], the one list of the persona's fields with each field's kind and limits.
//! - [`id`]: [`PersonaId`], the unguessable id a persona is stored under.
//! - [`grounding`]: [`ground`], which checks a persona against its source field by field, and
//!   [`Grounding`], what it found.
//! - [`document`]: [`StoredPersona`], the JSON document a store keeps, with its metadata.
//! - [`prompt`]: the system prompt and the user prompt built from a bundle.
//! - [`schema`]: the JSON Schemas generated from the types (the strict draft schema for an LLM,
//!   the persona schema for clients).
//! - [`limits`]: every size limit in one place.
//! - [`hex`]: lowercase hex, as digests, tags and signatures are written.

pub mod chunk;
pub mod document;
pub mod grounding;
pub mod hex;
pub mod id;
pub mod limits;
pub mod merge;
pub mod persona;
pub mod prompt;
pub mod schema;
pub mod source;
mod text;

pub use document::{DocumentError, Metadata, SCHEMA_VERSION, SourceCounts, StoredPersona};
pub use grounding::{
    FieldGrounding, Grounded, GroundedFields, Grounding, GroundingCounts, GroundingKey,
    GroundingMode, GroundingStatus, KeyTooShort, Span, UnknownGroundingMode, ground,
};
pub use id::{InvalidPersonaId, PersonaId};
pub use persona::{
    ConflictingValue, Evidence, Field, FieldKind, FieldValue, Normalised, Persona, PersonaDraft,
    Removal, Violation, Warning, WarningCode,
};
pub use source::{SourceBundle, SourceError};
