//! The persona fields the evaluation scores, and what a corpus case says a careful reader would
//! extract for them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A scored persona field, in the order the table shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Age,
    Occupation,
    Location,
    Skills,
    Interests,
    Languages,
    Values,
    Goals,
    Traits,
}

impl Field {
    pub const ALL: [Field; 10] = [
        Field::Name,
        Field::Age,
        Field::Occupation,
        Field::Location,
        Field::Skills,
        Field::Interests,
        Field::Languages,
        Field::Values,
        Field::Goals,
        Field::Traits,
    ];
    /// The fields every case must label (with a value, or null when a reader could not tell).
    pub const SCALARS: [Field; 4] = [Field::Name, Field::Age, Field::Occupation, Field::Location];

    /// The field's key in the persona and in the labels.
    pub fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Age => "age",
            Field::Occupation => "occupation",
            Field::Location => "location",
            Field::Skills => "skills",
            Field::Interests => "interests",
            Field::Languages => "languages",
            Field::Values => "values",
            Field::Goals => "goals",
            Field::Traits => "traits",
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.key() == key)
    }

    fn is_scalar(self) -> bool {
        Self::SCALARS.contains(&self)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// What a careful reader would extract for one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    /// `name`, `occupation`, `location`: the value, or `None` when the text does not tell.
    Text(Option<String>),
    /// `age`: the number, or `None` when the text does not tell.
    Age(Option<i64>),
    /// A list field: every item a careful reader would list (possibly none).
    List(Vec<String>),
}

/// A case's labels. The four scalar fields are always labelled; a list field whose key is
/// absent is not labelled and not scored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Labels(BTreeMap<Field, Label>);

impl Labels {
    /// Reads the `labels` object of a corpus case.
    ///
    /// # Errors
    ///
    /// A sentence naming the first key that is unknown, missing or of the wrong type.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let object = value
            .as_object()
            .ok_or("labels must be an object".to_owned())?;
        let mut labels = BTreeMap::new();
        for (key, value) in object {
            let field = Field::from_key(key).ok_or_else(|| {
                format!(
                    "labels.{key} is not a scored field (expected one of {})",
                    Field::ALL.map(Field::key).join(", ")
                )
            })?;
            labels.insert(field, label(field, value)?);
        }
        if let Some(missing) = Field::SCALARS.iter().find(|f| !labels.contains_key(f)) {
            return Err(format!(
                "labels.{missing} is missing (give the value, or null when a careful reader could not tell)"
            ));
        }
        Ok(Self(labels))
    }

    /// The label of `field`, if the case labels it.
    pub fn get(&self, field: Field) -> Option<&Label> {
        self.0.get(&field)
    }

    /// Builds labels from parts, for tests.
    pub fn from_parts(parts: impl IntoIterator<Item = (Field, Label)>) -> Self {
        Self(parts.into_iter().collect())
    }
}

fn label(field: Field, value: &Value) -> Result<Label, String> {
    let wrong = |expected: &str| format!("labels.{field} must be {expected}");
    match (field, value) {
        (Field::Age, Value::Null) => Ok(Label::Age(None)),
        (Field::Age, Value::Number(n)) => n
            .as_i64()
            .map(|n| Label::Age(Some(n)))
            .ok_or_else(|| wrong("a whole number or null")),
        (Field::Age, _) => Err(wrong("a whole number or null")),
        (f, Value::Null) if f.is_scalar() => Ok(Label::Text(None)),
        (f, Value::String(s)) if f.is_scalar() => Ok(Label::Text(Some(s.clone()))),
        (f, _) if f.is_scalar() => Err(wrong("a string or null")),
        (_, Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(Label::List)
            .ok_or_else(|| wrong("a list of strings")),
        (_, _) => Err(wrong("a list of strings")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn scalars_take_a_value_or_null_and_lists_are_optional() {
        let labels = Labels::from_json(&json!({
            "name": "Ana Ruiz", "age": null, "occupation": null, "location": "Madrid",
            "skills": ["welding"]
        }))
        .expect("valid labels");
        assert_eq!(
            labels.get(Field::Name),
            Some(&Label::Text(Some("Ana Ruiz".into())))
        );
        assert_eq!(labels.get(Field::Age), Some(&Label::Age(None)));
        assert_eq!(
            labels.get(Field::Skills),
            Some(&Label::List(vec!["welding".into()]))
        );
        assert_eq!(labels.get(Field::Goals), None);
    }

    #[test]
    fn a_missing_scalar_an_unknown_key_or_a_wrong_type_is_named() {
        let base = json!({"name": null, "age": 3, "occupation": null, "location": null});
        let with = |key: &str, value: Value| {
            let mut v = base.clone();
            v[key] = value;
            Labels::from_json(&v).expect_err("refused")
        };
        let mut missing = base.clone();
        missing.as_object_mut().expect("object").remove("location");
        assert!(
            Labels::from_json(&missing)
                .expect_err("refused")
                .starts_with("labels.location is missing")
        );
        assert!(with("skill", json!([])).starts_with("labels.skill is not a scored field"));
        assert_eq!(
            with("age", json!("34")),
            "labels.age must be a whole number or null"
        );
        assert_eq!(
            with("skills", json!([1])),
            "labels.skills must be a list of strings"
        );
        assert_eq!(
            with("name", json!(["x"])),
            "labels.name must be a string or null"
        );
    }
}
