//! Structured inputs built from fuzz bytes with `arbitrary`, shaped to reach the limits.

use arbitrary::{Arbitrary, Result, Unstructured};
use persona_domain::{Evidence, Field, FieldKind, PersonaDraft};
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

/// A draft as a model or a client might send it: for each field of [`Field::ALL`], a value of
/// the shape its kind takes, or none; a new field is fuzzed with no change here.
#[derive(Debug, Clone)]
pub struct DraftInput(Vec<(Field, FieldInput)>);

/// One field's value, in the shape of its [`FieldKind`].
#[derive(Debug, Clone)]
enum FieldInput {
    Text(Text),
    Age(Age),
    List(Vec<Text>),
    Evidence(Vec<(Text, Text, Text)>),
}

/// Ages near the range's edges, or any at all.
#[derive(Debug, Clone, Arbitrary)]
enum Age {
    Small(u8),
    Any(i64),
}

impl<'a> Arbitrary<'a> for DraftInput {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mut values = Vec::new();
        for field in Field::ALL {
            let value = match field.kind() {
                FieldKind::Text => u.arbitrary::<Option<Text>>()?.map(FieldInput::Text),
                FieldKind::Age => u.arbitrary::<Option<Age>>()?.map(FieldInput::Age),
                FieldKind::List => Some(FieldInput::List(u.arbitrary()?)),
                FieldKind::Evidence => Some(FieldInput::Evidence(u.arbitrary()?)),
            };
            values.extend(value.map(|value| (field, value)));
        }
        Ok(Self(values))
    }
}

impl DraftInput {
    pub fn build(&self) -> PersonaDraft {
        let text = |t: &Text| Value::String(t.build(SHORT));
        let draft: Map<String, Value> = self
            .0
            .iter()
            .map(|(field, value)| {
                let value = match value {
                    FieldInput::Text(t) => text(t),
                    FieldInput::Age(Age::Small(n)) => Value::from(*n),
                    FieldInput::Age(Age::Any(n)) => Value::from(*n),
                    FieldInput::List(items) => items.iter().map(text).collect(),
                    FieldInput::Evidence(items) => items
                        .iter()
                        .map(|(field, quote, source)| {
                            serde_json::to_value(Evidence {
                                field: field.build(SHORT),
                                quote: quote.build(SHORT),
                                source: source.build(SHORT),
                            })
                            .expect("evidence is JSON")
                        })
                        .collect(),
                };
                (field.name().to_owned(), value)
            })
            .collect();
        serde_json::from_value(Value::Object(draft))
            .expect("a draft: every value has the shape of its field")
    }
}

/// Keys the API knows besides the persona's fields, so that arbitrary JSON objects often hit a
/// real key.
const REQUEST_KEYS: [&str; 8] = [
    "textBlocks",
    "links",
    "persona",
    "source",
    "blocks",
    "field",
    "quote",
    "id",
];

/// A key of [`REQUEST_KEYS`] or a persona field's name.
fn known_key(u: &mut Unstructured<'_>) -> Result<String> {
    let at = u.choose_index(REQUEST_KEYS.len() + Field::ALL.len())?;
    Ok(match REQUEST_KEYS.get(at) {
        Some(key) => (*key).to_owned(),
        None => Field::ALL[at - REQUEST_KEYS.len()].name().to_owned(),
    })
}

/// Any JSON value, at most [`MAX_DEPTH`] deep, with object keys often ones the API knows.
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
                    known_key(u)?
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
