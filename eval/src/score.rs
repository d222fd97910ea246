//! Scoring one persona against its labels: true positives, false positives and false negatives
//! per field.
//!
//! - A scalar (`name`, `occupation`, `location`): a value that matches the label (see
//!   [`crate::matching`]) is a true positive; a value that does not is both a false positive and a
//!   false negative; a value where the label is null is a false positive; no value where the
//!   label has one is a false negative. `name` "Unnamed persona" counts as no value.
//! - `age` is a scalar that matches only when equal.
//! - A list: each extracted item paired with a labelled item is a true positive, each unpaired
//!   extracted item a false positive, each unpaired labelled item a false negative.
//! - A field the case does not label is not scored. A case that ended in an error extracted
//!   nothing: every labelled value is a false negative.

use std::collections::BTreeMap;
use std::ops::AddAssign;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::labels::{Field, Label, Labels, SCORED};
use crate::matching::{normalise, paired, same};

/// The name the domain's rules give a persona whose source names nobody.
pub const UNNAMED: &str = "Unnamed persona";

/// True positives, false positives and false negatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    pub tp: u64,
    pub fp: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
}

impl Tally {
    /// TP / (TP + FP), or `None` when nothing was extracted.
    pub fn precision(self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    /// TP / (TP + FN), or `None` when nothing was labelled.
    pub fn recall(self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }
}

impl AddAssign for Tally {
    fn add_assign(&mut self, other: Self) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
}

/// `part / whole`, or `None` when `whole` is 0.
#[allow(clippy::cast_precision_loss)] // counts stay far below 2^52
pub fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Scores `persona` (the `persona` object of an answer, `None` for an error) against `labels`,
/// for every field the labels cover.
pub fn score(labels: &Labels, persona: Option<&Value>) -> BTreeMap<Field, Tally> {
    let empty = Value::Null;
    let persona = persona.unwrap_or(&empty);
    SCORED
        .into_iter()
        .filter_map(|field| {
            let label = labels.get(field)?;
            let value = &persona[field.name()];
            let tally = match label {
                Label::Text(label) => scalar(label.as_deref(), text(field, value).as_deref(), same),
                Label::Age(label) => scalar(label.as_ref(), value.as_i64().as_ref(), PartialEq::eq),
                Label::List(labelled) => list(labelled, &items(value)),
            };
            Some((field, tally))
        })
        .collect()
}

/// An extracted text value, or `None` when it is missing, empty or "Unnamed persona".
fn text(field: Field, value: &Value) -> Option<String> {
    let value = value.as_str().filter(|v| !normalise(v).is_empty())?;
    let unnamed = field == Field::Name && normalise(value) == normalise(UNNAMED);
    (!unnamed).then(|| value.to_owned())
}

/// The strings of an extracted list (other items and empty strings are skipped).
fn items(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| !normalise(s).is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn scalar<T: ?Sized>(
    label: Option<&T>,
    value: Option<&T>,
    matches: impl Fn(&T, &T) -> bool,
) -> Tally {
    match (label, value) {
        (Some(l), Some(v)) if matches(l, v) => Tally {
            tp: 1,
            fp: 0,
            fn_: 0,
        },
        (Some(_), Some(_)) => Tally {
            tp: 0,
            fp: 1,
            fn_: 1,
        },
        (Some(_), None) => Tally {
            tp: 0,
            fp: 0,
            fn_: 1,
        },
        (None, Some(_)) => Tally {
            tp: 0,
            fp: 1,
            fn_: 0,
        },
        (None, None) => Tally::default(),
    }
}

fn list(labelled: &[String], extracted: &[String]) -> Tally {
    let tp = paired(labelled, extracted) as u64;
    Tally {
        tp,
        fp: extracted.len() as u64 - tp,
        fn_: labelled.len() as u64 - tp,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn labels() -> Labels {
        Labels::from_json(&json!({
            "name": "Marta Kowalczyk", "age": 38, "occupation": "bakery owner", "location": null,
            "interests": ["cycling", "crime novels", "growing tomatoes"],
            "languages": ["Polish", "English", "German"]
        }))
        .expect("labels")
    }

    fn tally(tp: u64, fp: u64, fn_: u64) -> Tally {
        Tally { tp, fp, fn_ }
    }

    #[test]
    fn a_hand_scored_persona_gets_the_counts_and_precision_worked_out_by_hand() {
        let persona = json!({
            "name": "Marta", "age": 39, "occupation": "Bakery owner", "location": "Gdańsk",
            "interests": ["cycling along the coast", "reading crime novels", "chess"],
            "languages": ["Polish", "a bit of German"],
            "skills": ["baking"]
        });
        let scores = score(&labels(), Some(&persona));
        // name: "Marta" lies inside "Marta Kowalczyk"; age 39 is not 38; location is null in
        // the labels; skills are not labelled, so not scored.
        assert_eq!(scores[&Field::Name], tally(1, 0, 0));
        assert_eq!(scores[&Field::Age], tally(0, 1, 1));
        assert_eq!(scores[&Field::Occupation], tally(1, 0, 0));
        assert_eq!(scores[&Field::Location], tally(0, 1, 0));
        assert_eq!(scores[&Field::Interests], tally(2, 1, 1));
        assert_eq!(scores[&Field::Languages], tally(2, 0, 1));
        assert!(!scores.contains_key(&Field::Skills));
        let mut all = Tally::default();
        for t in scores.values() {
            all += *t;
        }
        // 6 of the 9 extracted values are right; 6 of the 9 labelled values were found.
        assert_eq!(all, tally(6, 3, 3));
        assert_eq!(all.precision(), Some(6.0 / 9.0));
        assert_eq!(all.recall(), Some(6.0 / 9.0));
        // Languages alone: both extracted items are right, 2 of the 3 labelled were found.
        assert_eq!(scores[&Field::Languages].precision(), Some(1.0));
        assert_eq!(scores[&Field::Languages].recall(), Some(2.0 / 3.0));
    }

    #[test]
    fn repeats_in_a_list_count_once_and_the_rest_are_false_positives() {
        let persona = json!({"interests": ["Cycling", "cycling", "cycling."]});
        let scores = score(&labels(), Some(&persona));
        assert_eq!(scores[&Field::Interests], tally(1, 2, 2));
    }

    #[test]
    fn unnamed_persona_counts_as_no_name() {
        let labels = Labels::from_json(
            &json!({"name": null, "age": null, "occupation": null, "location": null}),
        )
        .expect("labels");
        let scores = score(&labels, Some(&json!({"name": "Unnamed persona"})));
        assert_eq!(scores[&Field::Name], Tally::default());
        let scores = score(&labels, Some(&json!({"name": "Administrator"})));
        assert_eq!(scores[&Field::Name], tally(0, 1, 0));
    }

    #[test]
    fn an_error_makes_every_labelled_value_a_false_negative() {
        let scores = score(&labels(), None);
        assert_eq!(scores[&Field::Name], tally(0, 0, 1));
        assert_eq!(scores[&Field::Location], Tally::default());
        assert_eq!(scores[&Field::Interests], tally(0, 0, 3));
    }

    #[test]
    fn precision_and_recall_are_none_when_their_denominator_is_zero() {
        assert_eq!(tally(0, 0, 4).precision(), None);
        assert_eq!(tally(0, 2, 0).recall(), None);
        assert_eq!(tally(0, 2, 0).precision(), Some(0.0));
    }
}
