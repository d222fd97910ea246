//! Structured inputs built from fuzz bytes with `arbitrary`, shaped to reach the limits.

use arbitrary::{Arbitrary, Result, Unstructured};
use persona_domain::{Evidence, PersonaDraft};
use serde_json::{Map, Number, Value};

/// Bytes a [`Text`] may grow to when it stands for a persona field, a link or a JSON string:
/// past every limit of those (2,064 characters), and no further.
pub const SHORT: usize = 8 * 1024;
/// Bytes a [`Text`] may grow to when it stands for a text block: past the 100,000 character
/// limit of one block.
pub const LONG: usize = 120 * 1024;

/// A string and how often to repeat it, so a few input bytes can cross a length limit.
#[derive(Debug, Clone, Arbitrary)]
pub struct Text {
    piece: String,
    repeat: u8,
}

impl Text {
    /// The piece repeated, at most `max_bytes` long (but at least once). Most texts are the piece
    /// alone, some are repeated a little, a few as often as `max_bytes` allows: long inputs are
    /// slow, and only a few are needed to cross the limits.
    pub fn build(&self, max_bytes: usize) -> String {
        let times = match self.repeat {
            0..=127 => 1,
            r @ 128..=239 => usize::from(r) - 126,
            r => 1 << (usize::from(r) - 233),
        };
        let most = (max_bytes / self.piece.len().max(1)).max(1);
        self.piece.repeat(times.min(most))
    }
}

/// A draft as a model or a client might send it, field by field.
#[derive(Debug, Clone, Arbitrary)]
pub struct DraftInput {
    name: Option<Text>,
    age: Option<Age>,
    occupation: Option<Text>,
    location: Option<Text>,
    background: Text,
    traits: Vec<Text>,
    interests: Vec<Text>,
    skills: Vec<Text>,
    values: Vec<Text>,
    goals: Vec<Text>,
    languages: Vec<Text>,
    communication_style: Option<Text>,
    quotes: Vec<Text>,
    evidence: Vec<(Text, Text, Text)>,
}

/// Ages near the range's edges, or any at all.
#[derive(Debug, Clone, Arbitrary)]
enum Age {
    Small(u8),
    Any(i64),
}

impl DraftInput {
    pub fn build(&self) -> PersonaDraft {
        let text = |t: &Text| t.build(SHORT);
        let list = |items: &[Text]| items.iter().map(text).collect();
        PersonaDraft {
            name: self.name.as_ref().map(text),
            age: self.age.as_ref().map(|age| match age {
                Age::Small(n) => i64::from(*n),
                Age::Any(n) => *n,
            }),
            occupation: self.occupation.as_ref().map(text),
            location: self.location.as_ref().map(text),
            background: text(&self.background),
            traits: list(&self.traits),
            interests: list(&self.interests),
            skills: list(&self.skills),
            values: list(&self.values),
            goals: list(&self.goals),
            languages: list(&self.languages),
            communication_style: self.communication_style.as_ref().map(text),
            quotes: list(&self.quotes),
            evidence: self
                .evidence
                .iter()
                .map(|(field, quote, source)| Evidence {
                    field: text(field),
                    quote: text(quote),
                    source: text(source),
                })
                .collect(),
        }
    }
}

/// Keys the API knows, so that arbitrary JSON objects often hit a real field.
const KEYS: [&str; 22] = [
    "textBlocks",
    "links",
    "persona",
    "source",
    "blocks",
    "name",
    "age",
    "occupation",
    "location",
    "background",
    "traits",
    "interests",
    "skills",
    "values",
    "goals",
    "languages",
    "communication_style",
    "quotes",
    "evidence",
    "field",
    "quote",
    "id",
];

/// Any JSON value, at most [`MAX_DEPTH`] deep, with object keys often drawn from [`KEYS`].
#[derive(Debug, Clone)]
pub struct Json(pub Value);

const MAX_DEPTH: usize = 6;

impl<'a> Arbitrary<'a> for Json {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        json_value(u, 0).map(Json)
    }
}

fn json_value(u: &mut Unstructured<'_>, depth: usize) -> Result<Value> {
    let kinds = if depth >= MAX_DEPTH { 5 } else { 7 };
    Ok(match u.choose_index(kinds)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(Number::from(u.arbitrary::<i64>()?)),
        3 => Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number),
        4 => Value::String(Text::arbitrary(u)?.build(SHORT)),
        5 => {
            let mut items = Vec::new();
            u.arbitrary_loop(Some(0), Some(60), |u| {
                items.push(json_value(u, depth + 1)?);
                Ok(std::ops::ControlFlow::Continue(()))
            })?;
            Value::Array(items)
        }
        _ => {
            let mut map = Map::new();
            u.arbitrary_loop(Some(0), Some(20), |u| {
                let key = if u.arbitrary()? {
                    (*u.choose(&KEYS)?).to_owned()
                } else {
                    u.arbitrary()?
                };
                map.insert(key, json_value(u, depth + 1)?);
                Ok(std::ops::ControlFlow::Continue(()))
            })?;
            Value::Object(map)
        }
    })
}
