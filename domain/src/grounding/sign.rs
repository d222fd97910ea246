//! Signatures on grounding entries, so a saved grounding says what the server found rather than
//! what a client claims.
//!
//! process-persona signs each entry with a server key (HMAC-SHA256, the tag cut to its left 128
//! bits, as RFC 2104 allows); save-persona checks each entry against the persona it saves and
//! records the outcome as `verified`. What is signed is the JSON array
//!
//! ```json
//! ["persona-grounding/1", mode, field, value, status, quote, source, span]
//! ```
//!
//! serialised compactly: JSON strings are quoted and escaped, so the encoding is unambiguous
//! (no two different entries give the same bytes). `field` is the field's name without the list
//! index (`skills`, not `/skills/3`) and `value` is the persona's value at the entry's pointer
//! when it is checked, never a copy carried in the entry. So:
//!
//! - removing a list item, which moves the items after it up one index, keeps the others'
//!   signatures good (the claim "this skill is in the source" does not depend on its place);
//! - an entry moved to another value, or to the same words in another field, fails, as does any
//!   change to its status, quote, source block or span;
//! - an entry from a flag-mode answer claimed under `strict` (or the reverse) fails: the mode is
//!   what says whether inferred values were removed;
//! - the leading label keeps these tags from ever verifying anything else signed with the key.
//!
//! The counts are not signed: a client recomputes them after removing values, and
//! [`Grounding::check`] makes them agree with the entries anyway. A signature does not bind an
//! entry to one process-persona call: the client chose that material and could send the merged
//! material in one call, so such a binding would prove nothing more.

use std::fmt;

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use super::check::value_at;
use super::{FieldGrounding, Grounding};
use crate::persona::Persona;

/// The fewest bytes a signing key may have: 256 bits, the size of the hash.
pub const MIN_KEY_BYTES: usize = 32;

/// A signature's length: 128 bits as lowercase hex.
pub const SIGNATURE_HEX_DIGITS: usize = 32;

/// What the signed array starts with: the purpose and the encoding's version.
const LABEL: &str = "persona-grounding/1";

/// The key grounding entries are signed with. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct GroundingKey(Vec<u8>);

/// A key shorter than [`MIN_KEY_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a grounding signing key needs at least {MIN_KEY_BYTES} bytes")]
pub struct KeyTooShort;

impl GroundingKey {
    /// A key from its bytes (any bytes: a random string's UTF-8 is fine).
    ///
    /// # Errors
    ///
    /// [`KeyTooShort`] for fewer than [`MIN_KEY_BYTES`] bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, KeyTooShort> {
        let bytes = bytes.into();
        if bytes.len() < MIN_KEY_BYTES {
            return Err(KeyTooShort);
        }
        Ok(Self(bytes))
    }

    fn mac(&self, mode: &str, field: &str, value: &str, entry: &FieldGrounding) -> Hmac<Sha256> {
        let message = json!([
            LABEL,
            mode,
            field,
            value,
            entry.status,
            entry.quote,
            entry.source,
            entry.span.map(|s| [s.start, s.end]),
        ]);
        let bytes = serde_json::to_vec(&message).expect("strings and numbers always serialise");
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(&bytes);
        mac
    }
}

impl fmt::Debug for GroundingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GroundingKey([redacted])")
    }
}

impl Grounding {
    /// Signs every entry whose pointer names a value of `persona` (replacing any signature it
    /// had); an entry that names none is left unsigned.
    pub fn sign(&mut self, persona: &Persona, key: &GroundingKey) {
        let mode = self.mode.to_string();
        for (pointer, entry) in self.fields.iter_mut() {
            entry.signature = value_at(persona, pointer).map(|(field, value)| {
                let tag = key.mac(&mode, field, &value, entry).finalize().into_bytes();
                crate::hex::lower_hex(&tag[..SIGNATURE_HEX_DIGITS / 2])
            });
            entry.verified = None;
        }
    }

    /// Sets `verified` on every entry: whether its signature holds for the value `persona` has
    /// at its pointer. With no key nothing holds: unsigned entries are the client's claim.
    pub fn verify(&mut self, persona: &Persona, key: Option<&GroundingKey>) {
        let mode = self.mode.to_string();
        for (pointer, entry) in self.fields.iter_mut() {
            let tag = entry.signature.as_deref().and_then(decode);
            let holds = match (key, tag, value_at(persona, pointer)) {
                (Some(key), Some(tag), Some((field, value))) => key
                    .mac(&mode, field, &value, entry)
                    .verify_truncated_left(&tag)
                    .is_ok(),
                _ => false,
            };
            entry.verified = Some(holds);
        }
    }

    /// Marks every entry that says nothing about verification as not verified: a document
    /// written before signatures existed holds the saving client's claims.
    pub fn default_unverified(&mut self) {
        for (_, entry) in self.fields.iter_mut() {
            entry.verified.get_or_insert(false);
        }
    }

    /// The pointers of the entries not verified (after [`Grounding::verify`]).
    pub fn unverified(&self) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter(|(_, entry)| entry.verified != Some(true))
            .map(|(pointer, _)| pointer)
    }
}

/// Whether `text` is shaped like a signature: [`SIGNATURE_HEX_DIGITS`] lowercase hex digits.
pub(super) fn is_signature(text: &str) -> bool {
    text.len() == SIGNATURE_HEX_DIGITS
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The tag a signature spells, if it is shaped like one.
fn decode(text: &str) -> Option<Vec<u8>> {
    if !is_signature(text) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests;
