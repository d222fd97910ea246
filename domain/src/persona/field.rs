//! [`Field`]: the persona's fields, each with its name in JSON, its kind and its limits.
//!
//! This is the one list of the fields: the rules, grounding, the schemas' tests, the mock
//! extractor, fuzzing, the evaluation and the test servers iterate [`Field::ALL`] or match on a
//! `Field` exhaustively, so a new field is the struct fields, one entry here and what the compiler
//! then asks for.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::limits::{
    MAX_AGE, MAX_BACKGROUND_CHARS, MAX_EVIDENCE, MAX_ITEM_CHARS, MAX_LIST_ITEMS, MAX_QUOTE_CHARS,
    MAX_SHORT_CHARS, MAX_STYLE_CHARS,
};

/// A field of the persona, in schema and serialisation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Name,
    Age,
    Occupation,
    Location,
    Background,
    Traits,
    Interests,
    Skills,
    Values,
    Goals,
    Languages,
    CommunicationStyle,
    Quotes,
    Evidence,
}

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One text: `name` (never empty: "Unnamed persona" stands in), `background` (may be
    /// empty), or a text that is null when the source does not tell.
    Text,
    /// A whole number of years from 0 to [`MAX_AGE`], or null.
    Age,
    /// A list of distinct, non-empty texts.
    List,
    /// The evidence list: quotes from the source, each naming the field it supports.
    Evidence,
}

impl Field {
    /// Every field, in schema and serialisation order.
    pub const ALL: [Field; 14] = [
        Field::Name,
        Field::Age,
        Field::Occupation,
        Field::Location,
        Field::Background,
        Field::Traits,
        Field::Interests,
        Field::Skills,
        Field::Values,
        Field::Goals,
        Field::Languages,
        Field::CommunicationStyle,
        Field::Quotes,
        Field::Evidence,
    ];

    /// The field's key in the persona's JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Age => "age",
            Field::Occupation => "occupation",
            Field::Location => "location",
            Field::Background => "background",
            Field::Traits => "traits",
            Field::Interests => "interests",
            Field::Skills => "skills",
            Field::Values => "values",
            Field::Goals => "goals",
            Field::Languages => "languages",
            Field::CommunicationStyle => "communication_style",
            Field::Quotes => "quotes",
            Field::Evidence => "evidence",
        }
    }

    /// The field whose JSON key is `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|field| field.name() == name)
    }

    pub const fn kind(self) -> FieldKind {
        match self {
            Field::Name
            | Field::Occupation
            | Field::Location
            | Field::Background
            | Field::CommunicationStyle => FieldKind::Text,
            Field::Age => FieldKind::Age,
            Field::Traits
            | Field::Interests
            | Field::Skills
            | Field::Values
            | Field::Goals
            | Field::Languages
            | Field::Quotes => FieldKind::List,
            Field::Evidence => FieldKind::Evidence,
        }
    }

    /// Whether the field is null when the source does not tell (a list is empty instead, `name`
    /// falls back to "Unnamed persona" and `background` may be empty).
    pub const fn is_nullable(self) -> bool {
        match self {
            Field::Age | Field::Occupation | Field::Location | Field::CommunicationStyle => true,
            Field::Name
            | Field::Background
            | Field::Traits
            | Field::Interests
            | Field::Skills
            | Field::Values
            | Field::Goals
            | Field::Languages
            | Field::Quotes
            | Field::Evidence => false,
        }
    }

    /// The most characters a text field, or one item of a list field, may have; `None` for
    /// `age` and `evidence` (whose parts have their own limits, see [`crate::limits`]).
    pub const fn max_chars(self) -> Option<usize> {
        match self {
            Field::Name | Field::Occupation | Field::Location => Some(MAX_SHORT_CHARS),
            Field::Background => Some(MAX_BACKGROUND_CHARS),
            Field::CommunicationStyle => Some(MAX_STYLE_CHARS),
            Field::Traits
            | Field::Interests
            | Field::Skills
            | Field::Values
            | Field::Goals
            | Field::Languages => Some(MAX_ITEM_CHARS),
            Field::Quotes => Some(MAX_QUOTE_CHARS),
            Field::Age | Field::Evidence => None,
        }
    }

    /// The fewest characters a text that is there, or a list item, may have: an empty text
    /// becomes null, an empty item is dropped and an empty name becomes "Unnamed persona"; only
    /// `background` may be empty (0 too for `age` and `evidence`, which hold no text).
    pub const fn min_chars(self) -> usize {
        match (self, self.kind()) {
            (Field::Background, _) | (_, FieldKind::Age | FieldKind::Evidence) => 0,
            (_, FieldKind::Text | FieldKind::List) => 1,
        }
    }

    /// The most items a list field (or `evidence`) may hold; `None` for the other kinds.
    pub const fn max_items(self) -> Option<usize> {
        match self.kind() {
            FieldKind::List => Some(MAX_LIST_ITEMS),
            FieldKind::Evidence => Some(MAX_EVIDENCE),
            FieldKind::Text | FieldKind::Age => None,
        }
    }

    /// The oldest age (`age` only).
    pub const fn max_value(self) -> Option<i64> {
        match self.kind() {
            FieldKind::Age => Some(MAX_AGE),
            FieldKind::Text | FieldKind::List | FieldKind::Evidence => None,
        }
    }

    /// Whether grounding classifies the field's values: every field but `background` (a
    /// summary, not a claim) and `evidence` (what the others are checked with).
    pub const fn is_grounded(self) -> bool {
        match self {
            Field::Background | Field::Evidence => false,
            Field::Name
            | Field::Age
            | Field::Occupation
            | Field::Location
            | Field::Traits
            | Field::Interests
            | Field::Skills
            | Field::Values
            | Field::Goals
            | Field::Languages
            | Field::CommunicationStyle
            | Field::Quotes => true,
        }
    }

    /// The field's JSON pointer in the persona, e.g. `/skills`.
    pub fn pointer(self) -> String {
        format!("/{}", self.name())
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A field reads and writes as its JSON key (`"communication_style"`).
impl Serialize for Field {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::from_name(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "not a persona field (expected one of {})",
                Self::ALL.map(Self::name).join(", ")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_found_by_its_name_and_reads_back_from_json() {
        for field in Field::ALL {
            assert_eq!(Field::from_name(field.name()), Some(field));
            let json = serde_json::to_string(&field).expect("json");
            assert_eq!(json, format!("\"{}\"", field.name()));
            assert_eq!(serde_json::from_str::<Field>(&json).expect("field"), field);
        }
        assert_eq!(Field::from_name("skill"), None);
        assert!(serde_json::from_str::<Field>("\"skill\"").is_err());
    }

    #[test]
    fn all_lists_the_fields_in_order_each_once() {
        let mut sorted = Field::ALL;
        sorted.sort();
        assert_eq!(sorted, Field::ALL);
        sorted.windows(2).for_each(|w| assert_ne!(w[0], w[1]));
    }

    #[test]
    fn each_kind_has_the_limits_it_needs() {
        for field in Field::ALL {
            let limits = (field.max_chars(), field.max_items(), field.max_value());
            match field.kind() {
                FieldKind::Text => assert!(matches!(limits, (Some(_), None, None)), "{field}"),
                FieldKind::Age => assert_eq!(limits, (None, None, Some(MAX_AGE)), "{field}"),
                FieldKind::List => assert!(
                    matches!(limits, (Some(_), Some(MAX_LIST_ITEMS), None)),
                    "{field}"
                ),
                FieldKind::Evidence => {
                    assert_eq!(limits, (None, Some(MAX_EVIDENCE), None), "{field}");
                }
            }
        }
    }
}
