//! [`StoredPersona`]: the JSON document a store keeps under `{id}.json`.
//!
//! ```json
//! { "id": "…", "schema_version": 1, "persona": { … },
//!   "metadata": { "persona_id": "…", "created_at": "2026-11-26T05:44:24Z", "file_size": 1234,
//!                 "source_blocks": 3, "source_links": 2, "content_sha256": "…" } }
//! ```
//!
//! `file_size` and `content_sha256` describe the persona's canonical JSON (the `persona` value
//! serialised compactly, fields in schema order), so a reader can check that what it got is what
//! was saved.
//!
//! A persona saved with the grounding process-persona gave it keeps it beside the persona, as
//! `"grounding"` (after `persona`); a document without one omits the key, so documents written
//! before grounding existed read as they are and `schema_version` stays 1.
//!
//! Each grounding entry says whether the server verified its signature when it was saved
//! (`"verified": true`) or holds the saving client's claim (`false`). A document written before
//! signatures existed has no `verified` key: its entries read as `false`, because nothing checked
//! them, so they are reported as the client's claim.

use chrono::{DateTime, SubsecRound, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::grounding::Grounding;
use crate::id::PersonaId;
use crate::limits::{MAX_LINKS, MAX_TEXT_BLOCKS};
use crate::persona::{Persona, Violation};

/// The version of the stored document's shape.
pub const SCHEMA_VERSION: u32 = 1;

/// How much material a persona was made from, as the client reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceCounts {
    #[schemars(range(max = MAX_TEXT_BLOCKS))]
    pub blocks: u32,
    #[schemars(range(max = MAX_LINKS))]
    pub links: u32,
}

impl SourceCounts {
    /// Checks the counts against the input limits.
    ///
    /// # Errors
    ///
    /// A [`Violation`] for each count above what a request may carry.
    pub fn check(self) -> Result<Self, Vec<Violation>> {
        let mut violations = Vec::new();
        if self.blocks as usize > MAX_TEXT_BLOCKS {
            violations.push(Violation {
                field: "/blocks".into(),
                message: format!("source.blocks must be at most {MAX_TEXT_BLOCKS}"),
            });
        }
        if self.links as usize > MAX_LINKS {
            violations.push(Violation {
                field: "/links".into(),
                message: format!("source.links must be at most {MAX_LINKS}"),
            });
        }
        if violations.is_empty() {
            Ok(self)
        } else {
            Err(violations)
        }
    }
}

/// What a store keeps beside the persona.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub persona_id: PersonaId,
    /// When the persona was saved (RFC 3339, UTC, whole seconds).
    pub created_at: DateTime<Utc>,
    /// Bytes of the persona's canonical JSON.
    pub file_size: u64,
    pub source_blocks: u32,
    pub source_links: u32,
    /// Lowercase hex SHA-256 of the persona's canonical JSON.
    pub content_sha256: String,
}

/// A saved persona with its id and metadata. Made by [`StoredPersona::new`] or read back by
/// [`StoredPersona::from_json`], which checks that the document is whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct StoredPersona {
    id: PersonaId,
    schema_version: u32,
    persona: Persona,
    /// What the source supported in the persona, when the client saved it with its grounding.
    #[serde(skip_serializing_if = "Option::is_none")]
    grounding: Option<Grounding>,
    metadata: Metadata,
}

/// Why bytes read from a store are not a whole persona document. Never carries the content.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentError {
    #[error(
        "the document is not valid JSON of the stored shape ({category} at line {line}, column {column})"
    )]
    Malformed {
        category: &'static str,
        line: usize,
        column: usize,
    },
    #[error("the document has schema_version {found}; this service reads version {SCHEMA_VERSION}")]
    UnsupportedVersion { found: u32 },
    #[error("the document's ids disagree with the id it was stored under")]
    IdMismatch,
    #[error("the persona's content does not match the document's content_sha256")]
    ChecksumMismatch,
    #[error("the document's grounding does not fit its persona")]
    GroundingMismatch,
}

impl StoredPersona {
    /// Builds the document for a persona about to be saved. `created_at` is cut to whole seconds.
    pub fn new(
        id: PersonaId,
        persona: Persona,
        source: SourceCounts,
        created_at: DateTime<Utc>,
    ) -> Self {
        let (file_size, content_sha256) = fingerprint(&persona);
        let metadata = Metadata {
            persona_id: id.clone(),
            created_at: created_at.trunc_subsecs(0),
            file_size,
            source_blocks: source.blocks,
            source_links: source.links,
            content_sha256,
        };
        Self {
            id,
            schema_version: SCHEMA_VERSION,
            persona,
            grounding: None,
            metadata,
        }
    }

    /// The same document keeping `grounding` beside the persona (checked by the caller against
    /// the persona with [`Grounding::check`], and its signatures with [`Grounding::verify`]; an
    /// entry not verified is kept as `verified: false`).
    #[must_use]
    pub fn with_grounding(mut self, mut grounding: Option<Grounding>) -> Self {
        if let Some(grounding) = &mut grounding {
            grounding.default_unverified();
        }
        self.grounding = grounding;
        self
    }

    pub fn id(&self) -> &PersonaId {
        &self.id
    }
    pub fn persona(&self) -> &Persona {
        &self.persona
    }
    pub fn grounding(&self) -> Option<&Grounding> {
        self.grounding.as_ref()
    }
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The document as compact JSON bytes: what every store writes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a document of strings, numbers and ids always serialises")
    }

    /// Reads a document back and checks it: its shape, its version, that it was stored under
    /// `expected`, that the persona still hashes to `content_sha256` and that a grounding, if
    /// there is one, fits the persona.
    ///
    /// # Errors
    ///
    /// A [`DocumentError`] saying which check failed.
    pub fn from_json(bytes: &[u8], expected: &PersonaId) -> Result<Self, DocumentError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            id: PersonaId,
            schema_version: u32,
            persona: Persona,
            #[serde(default)]
            grounding: Option<Grounding>,
            metadata: Metadata,
        }
        let raw: Raw = serde_json::from_slice(bytes).map_err(|e| DocumentError::Malformed {
            category: match e.classify() {
                serde_json::error::Category::Data => "unexpected content",
                serde_json::error::Category::Eof => "truncated",
                serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
                    "syntax error"
                }
            },
            line: e.line(),
            column: e.column(),
        })?;
        if raw.schema_version != SCHEMA_VERSION {
            return Err(DocumentError::UnsupportedVersion {
                found: raw.schema_version,
            });
        }
        if &raw.id != expected || raw.metadata.persona_id != raw.id {
            return Err(DocumentError::IdMismatch);
        }
        let (file_size, sha) = fingerprint(&raw.persona);
        if sha != raw.metadata.content_sha256 || file_size != raw.metadata.file_size {
            return Err(DocumentError::ChecksumMismatch);
        }
        if let Some(grounding) = &raw.grounding
            && grounding.check(&raw.persona).is_err()
        {
            return Err(DocumentError::GroundingMismatch);
        }
        let mut grounding = raw.grounding;
        if let Some(grounding) = &mut grounding {
            grounding.default_unverified();
        }
        Ok(Self {
            id: raw.id,
            schema_version: raw.schema_version,
            persona: raw.persona,
            grounding,
            metadata: raw.metadata,
        })
    }
}

/// Size and SHA-256 (lowercase hex) of the persona's canonical JSON.
fn fingerprint(persona: &Persona) -> (u64, String) {
    let canonical = serde_json::to_vec(persona).expect("a persona always serialises");
    let digest = Sha256::digest(&canonical);
    (canonical.len() as u64, crate::hex::lower_hex(&digest))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::grounding::{GroundingMode, ground};
    use crate::persona::PersonaDraft;
    use crate::source::SourceBundle;

    fn id(s: &str) -> PersonaId {
        PersonaId::parse(s).expect("valid id")
    }

    fn sample() -> StoredPersona {
        let persona = Persona::from_draft(PersonaDraft {
            name: Some("Ada".into()),
            ..PersonaDraft::default()
        })
        .persona;
        let at = Utc
            .with_ymd_and_hms(2026, 11, 26, 5, 44, 24)
            .single()
            .expect("valid time");
        StoredPersona::new(
            id("V1StGXR8_Z5jdHi6B-myT"),
            persona,
            SourceCounts {
                blocks: 3,
                links: 2,
            },
            at,
        )
    }

    #[test]
    fn the_document_has_the_designed_shape() {
        let json: serde_json::Value = serde_json::from_slice(&sample().to_json()).expect("json");
        assert_eq!(json["id"], "V1StGXR8_Z5jdHi6B-myT");
        assert_eq!(json["schema_version"], 1);
        assert_eq!(json["persona"]["name"], "Ada");
        let meta = &json["metadata"];
        assert_eq!(meta["persona_id"], "V1StGXR8_Z5jdHi6B-myT");
        assert_eq!(meta["created_at"], "2026-11-26T05:44:24Z");
        assert_eq!(meta["source_blocks"], 3);
        assert_eq!(meta["source_links"], 2);
        let canonical = serde_json::to_vec(&json["persona"]).expect("json");
        assert_eq!(meta["file_size"], canonical.len());
        assert_eq!(meta["content_sha256"].as_str().map(str::len), Some(64));
    }

    #[test]
    fn created_at_is_cut_to_whole_seconds() {
        let at = Utc
            .timestamp_opt(1_700_000_000, 999_999_999)
            .single()
            .expect("valid");
        let doc = StoredPersona::new(
            id("V1StGXR8_Z5jdHi6B-myT"),
            sample().persona().clone(),
            SourceCounts::default(),
            at,
        );
        assert_eq!(doc.metadata().created_at.timestamp_subsec_nanos(), 0);
    }

    #[test]
    fn a_document_round_trips() {
        let doc = sample();
        assert_eq!(StoredPersona::from_json(&doc.to_json(), doc.id()), Ok(doc));
    }

    #[test]
    fn a_document_without_grounding_has_no_grounding_key() {
        let json: serde_json::Value = serde_json::from_slice(&sample().to_json()).expect("json");
        let keys: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["id", "schema_version", "persona", "metadata"]);
    }

    fn grounded_sample() -> StoredPersona {
        let bundle = SourceBundle::parse(&["I am Ada.".to_owned()], &[]).expect("valid");
        let grounded = ground(sample().persona().clone(), &bundle, GroundingMode::Flag);
        sample().with_grounding(Some(grounded.grounding))
    }

    #[test]
    fn a_grounded_document_keeps_its_grounding_outside_the_checksum() {
        let doc = grounded_sample();
        let json: serde_json::Value = serde_json::from_slice(&doc.to_json()).expect("json");
        assert_eq!(json["grounding"]["fields"]["/name"]["status"], "stated");
        assert_eq!(
            json["metadata"],
            serde_json::from_slice::<serde_json::Value>(&sample().to_json()).expect("json")["metadata"]
        );
        assert_eq!(StoredPersona::from_json(&doc.to_json(), doc.id()), Ok(doc));
    }

    #[test]
    fn a_saved_grounding_says_verified_false_for_what_nobody_verified() {
        let doc = grounded_sample();
        let json: serde_json::Value = serde_json::from_slice(&doc.to_json()).expect("json");
        assert_eq!(json["grounding"]["fields"]["/name"]["verified"], false);
    }

    #[test]
    fn a_document_from_before_signatures_reads_as_the_clients_claim() {
        let text = String::from_utf8(grounded_sample().to_json())
            .expect("utf8")
            .replace(",\"verified\":false", "");
        assert!(!text.contains("verified"), "{text}");
        let doc = StoredPersona::from_json(text.as_bytes(), &id("V1StGXR8_Z5jdHi6B-myT"))
            .expect("an old document still reads");
        let entry = doc.grounding().and_then(|g| g.fields.get("/name"));
        assert_eq!(entry.and_then(|e| e.verified), Some(false));
    }

    #[test]
    fn a_verified_entry_stays_verified_through_the_store() {
        let persona = sample().persona().clone();
        let bundle = SourceBundle::parse(&["I am Ada.".to_owned()], &[]).expect("valid");
        let mut grounding = ground(persona.clone(), &bundle, GroundingMode::Flag).grounding;
        let key = crate::grounding::GroundingKey::new(vec![9; 32]).expect("long enough");
        grounding.sign(&persona, &key);
        grounding.verify(&persona, Some(&key));
        let doc = sample().with_grounding(Some(grounding));
        let read = StoredPersona::from_json(&doc.to_json(), doc.id()).expect("reads");
        let entry = read.grounding().and_then(|g| g.fields.get("/name"));
        assert_eq!(entry.and_then(|e| e.verified), Some(true));
    }

    #[test]
    fn a_grounding_that_does_not_fit_the_persona_is_refused() {
        let text = String::from_utf8(grounded_sample().to_json())
            .expect("utf8")
            .replace("\"/name\"", "\"/location\"");
        assert_eq!(
            StoredPersona::from_json(text.as_bytes(), &id("V1StGXR8_Z5jdHi6B-myT")),
            Err(DocumentError::GroundingMismatch)
        );
    }

    #[test]
    fn a_document_under_another_id_is_refused() {
        let doc = sample();
        assert_eq!(
            StoredPersona::from_json(&doc.to_json(), &id("AAAAAAAAAAAAAAAAAAAAA")),
            Err(DocumentError::IdMismatch)
        );
    }

    #[test]
    fn a_tampered_persona_fails_the_checksum() {
        let text = String::from_utf8(sample().to_json())
            .expect("utf8")
            .replace("\"Ada\"", "\"Eve\"");
        assert_eq!(
            StoredPersona::from_json(text.as_bytes(), &id("V1StGXR8_Z5jdHi6B-myT")),
            Err(DocumentError::ChecksumMismatch)
        );
    }

    #[test]
    fn a_half_written_document_is_malformed_and_the_error_holds_no_content() {
        let bytes = sample().to_json();
        let err = StoredPersona::from_json(&bytes[..bytes.len() / 2], &id("V1StGXR8_Z5jdHi6B-myT"))
            .expect_err("cut");
        assert!(
            matches!(
                err,
                DocumentError::Malformed {
                    category: "truncated",
                    ..
                }
            ),
            "{err}"
        );
        assert!(!err.to_string().contains("Ada"));
    }

    #[test]
    fn another_version_is_refused() {
        let text = String::from_utf8(sample().to_json())
            .expect("utf8")
            .replace("\"schema_version\":1", "\"schema_version\":2");
        assert_eq!(
            StoredPersona::from_json(text.as_bytes(), &id("V1StGXR8_Z5jdHi6B-myT")),
            Err(DocumentError::UnsupportedVersion { found: 2 })
        );
    }

    #[test]
    fn source_counts_over_the_limits_are_refused() {
        assert!(
            SourceCounts {
                blocks: 50,
                links: 50
            }
            .check()
            .is_ok()
        );
        let violations = SourceCounts {
            blocks: 51,
            links: 51,
        }
        .check()
        .expect_err("over");
        assert_eq!(violations.len(), 2);
    }
}
