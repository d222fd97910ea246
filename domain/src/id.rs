//! [`PersonaId`]: the unguessable id a persona is stored under.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A nanoid: exactly 21 characters of `[A-Za-z0-9_-]`, about 126 bits of randomness.
///
/// Only [`PersonaId::parse`] makes one, so an id can never hold a path separator, a dot or
/// anything else that could steer a store outside its bucket or folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonaId(String);

impl JsonSchema for PersonaId {
    fn schema_name() -> Cow<'static, str> {
        "PersonaId".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A persona id: 21 characters of A-Z, a-z, 0-9, '_' and '-'.",
            "pattern": "^[A-Za-z0-9_-]{21}$",
        })
    }
}

/// Why a string is not a persona id. Says what an id looks like, never what was sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a persona id is exactly {len} characters of A-Z, a-z, 0-9, '_' and '-'", len = PersonaId::LEN)]
pub struct InvalidPersonaId;

impl PersonaId {
    /// Length of every persona id.
    pub const LEN: usize = 21;

    /// The alphabet ids are drawn from (nanoid's default, URL-safe).
    pub const ALPHABET: [char; 64] = [
        '_', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f',
        'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x',
        'y', 'z', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P',
        'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z',
    ];

    /// Parses an id.
    ///
    /// # Errors
    ///
    /// [`InvalidPersonaId`] for anything but exactly 21 characters of `[A-Za-z0-9_-]`.
    pub fn parse(s: &str) -> Result<Self, InvalidPersonaId> {
        let valid = s.len() == Self::LEN
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidPersonaId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PersonaId {
    type Error = InvalidPersonaId;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PersonaId> for String {
    fn from(id: PersonaId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_nanoid_parses() {
        assert_eq!(
            PersonaId::parse("V1StGXR8_Z5jdHi6B-myT")
                .map(|id| id.to_string())
                .as_deref(),
            Ok("V1StGXR8_Z5jdHi6B-myT")
        );
    }

    #[test]
    fn wrong_lengths_are_rejected() {
        assert_eq!(PersonaId::parse(""), Err(InvalidPersonaId));
        assert_eq!(
            PersonaId::parse("V1StGXR8_Z5jdHi6B-my"),
            Err(InvalidPersonaId)
        );
        assert_eq!(
            PersonaId::parse("V1StGXR8_Z5jdHi6B-myTT"),
            Err(InvalidPersonaId)
        );
    }

    #[test]
    fn path_traversal_is_rejected() {
        for bad in [
            "../../../etc/passwd..",
            "..%2F..%2F..%2Fetc%2Fpa",
            "aaaaaaaaaa/aaaaaaaaaa",
            "aaaaaaaaaa.aaaaaaaaaa",
        ] {
            assert_eq!(PersonaId::parse(bad), Err(InvalidPersonaId), "{bad}");
        }
    }

    #[test]
    fn non_ascii_of_the_right_byte_length_is_rejected() {
        // 21 bytes, fewer characters.
        assert_eq!(PersonaId::parse("ééééééééééa"), Err(InvalidPersonaId));
    }

    #[test]
    fn deserialising_checks_the_id() {
        assert!(serde_json::from_str::<PersonaId>("\"../../../../../../etc\"").is_err());
        assert!(serde_json::from_str::<PersonaId>("\"V1StGXR8_Z5jdHi6B-myT\"").is_ok());
    }

    proptest! {
        #[test]
        fn every_id_over_the_alphabet_parses(s in "[A-Za-z0-9_-]{21}") {
            prop_assert_eq!(PersonaId::parse(&s).map(|id| id.to_string()), Ok(s));
        }

        #[test]
        fn anything_with_a_foreign_character_is_rejected(prefix in "[A-Za-z0-9_-]{0,20}", bad in "[^A-Za-z0-9_-]") {
            let mut s = prefix;
            s.push_str(&bad);
            while s.chars().count() < PersonaId::LEN { s.push('a'); }
            prop_assert_eq!(PersonaId::parse(&s), Err(InvalidPersonaId));
        }
    }
}
