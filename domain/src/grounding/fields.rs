//! [`GroundedFields`]: the per-field groundings as a JSON object that keeps its order.
//!
//! A map type would either sort the pointers (`/skills/10` before `/skills/2`) or need another
//! dependency, so this is an ordered list that reads and writes as an object.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::FieldGrounding;

/// The grounding of each value, keyed by its JSON pointer into the persona, in persona order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroundedFields(Vec<(String, FieldGrounding)>);

impl GroundedFields {
    /// The entries in order: (pointer, grounding).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FieldGrounding)> {
        self.0
            .iter()
            .map(|(pointer, field)| (pointer.as_str(), field))
    }

    /// The entries in order, each grounding open to change (signing, verifying).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut FieldGrounding)> {
        self.0
            .iter_mut()
            .map(|(pointer, field)| (pointer.as_str(), field))
    }

    /// The grounding of the value at `pointer`, e.g. `/location` or `/skills/2`.
    pub fn get(&self, pointer: &str) -> Option<&FieldGrounding> {
        self.0.iter().find(|(p, _)| p == pointer).map(|(_, f)| f)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<(String, FieldGrounding)>> for GroundedFields {
    fn from(entries: Vec<(String, FieldGrounding)>) -> Self {
        Self(entries)
    }
}

impl Serialize for GroundedFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (pointer, field) in &self.0 {
            map.serialize_entry(pointer, field)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for GroundedFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;

        impl<'de> Visitor<'de> for Entries {
            type Value = GroundedFields;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of field groundings keyed by JSON pointer")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                let mut seen = HashSet::new();
                while let Some((pointer, field)) = map.next_entry::<String, FieldGrounding>()? {
                    if !seen.insert(pointer.clone()) {
                        return Err(serde::de::Error::custom(
                            "a field pointer appears twice in grounding.fields",
                        ));
                    }
                    entries.push((pointer, field));
                }
                Ok(GroundedFields(entries))
            }
        }

        deserializer.deserialize_map(Entries)
    }
}

impl JsonSchema for GroundedFields {
    fn schema_name() -> Cow<'static, str> {
        "GroundedFields".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The grounding of each value, keyed by JSON pointer into the persona \
                            (`/location`, `/skills/2`), in persona field order.",
            "type": "object",
            "additionalProperties": generator.subschema_for::<FieldGrounding>(),
        })
    }
}
