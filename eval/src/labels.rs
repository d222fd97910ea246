//! The persona fields the evaluation scores, and what a corpus case says a careful reader would
//! extract for them.

use std::collections::BTreeMap;

pub use persona_domain::Field;
use persona_domain::FieldKind;
use serde_json::Value;

/// The persona fields the evaluation scores, in the order the table shows them: every field
/// but `background` (a summary), `communication_style` and `quotes` (free text with no single
/// right answer) and `evidence`.
pub const SCORED: [Field; 10] = [
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

/// A scored field whose key is `key`.
fn scored(key: &str) -> Option<Field> {
    Field::from_name(key).filter(|field| SCORED.contains(field))
}

/// Whether every case must label `field` (with a value, or null when a reader could not tell):
/// the scored fields that hold one value.
pub fn is_scalar(field: Field) -> bool {
    match field.kind() {
        FieldKind::Text | FieldKind::Age => true,
        FieldKind::List | FieldKind::Evidence => false,
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

/// A case's labels. The scalar fields (name, age, occupation, location) are always labelled; a list field whose key is
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
            let field = scored(key).ok_or_else(|| {
                format!(
                    "labels.{key} is not a scored field (expected one of {})",
                    SCORED.map(Field::name).join(", ")
                )
            })?;
            labels.insert(field, label(field, value)?);
        }
        if let Some(missing) = SCORED
            .iter()
            .find(|f| is_scalar(**f) && !labels.contains_key(f))
        {
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
        (f, Value::Null) if is_scalar(f) => Ok(Label::Text(None)),
        (f, Value::String(s)) if is_scalar(f) => Ok(Label::Text(Some(s.clone()))),
        (f, _) if is_scalar(f) => Err(wrong("a string or null")),
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
