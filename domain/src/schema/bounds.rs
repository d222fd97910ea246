//! The size of the answer a model is asked for, and the schema dialects that carry it.
//!
//! The rules ([`crate::persona`]) accept a generous persona (twenty items a list, 200 characters
//! an item); a model is asked for a compact one. Small local models repeat themselves inside an
//! unbounded string until the token budget ends, so the schema sent to a server that turns JSON
//! Schema into a grammar (llama.cpp, vLLM, Ollama) bounds every string and every list, and the
//! completion budget is derived from those same bounds rather than fixed.

use serde_json::{Map, Value, json};

use crate::limits::{
    ANSWER_BACKGROUND_CHARS, ANSWER_EVIDENCE, ANSWER_EVIDENCE_FIELD_CHARS,
    ANSWER_EVIDENCE_SOURCE_CHARS, ANSWER_ITEM_CHARS, ANSWER_LIST_ITEMS, ANSWER_QUOTE_CHARS,
    ANSWER_QUOTES, ANSWER_SHORT_CHARS, ANSWER_STYLE_CHARS,
};
use crate::persona::Field;

/// Which JSON Schema keywords the model's server enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaDialect {
    /// OpenAI's strict structured outputs: every array has `maxItems`, no string has a length
    /// (OpenAI refuses `maxLength` in strict mode).
    OpenAi,
    /// Full JSON Schema: strings carry `maxLength` too. For servers that compile the schema into
    /// a grammar, so that no string can run on.
    Full,
}

/// Characters of answer a token carries at the least, on average, for this estimate: English
/// prose runs about 4 characters a token on the tokenizers in use, JSON punctuation fewer.
pub const CHARS_PER_TOKEN: usize = 3;

/// The bound of one draft field: the most items (for a list) and the most characters of each
/// string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldBound {
    /// The property's name in the draft, or in an evidence item.
    pub field: &'static str,
    /// The most items, for a list; `None` for a single value.
    pub max_items: Option<u64>,
    /// The most characters of the string, or of each string in the list (0: the items are not
    /// strings).
    pub max_chars: u64,
}

const fn one(field: &'static str, max_chars: usize) -> FieldBound {
    FieldBound {
        field,
        max_items: None,
        max_chars: max_chars as u64,
    }
}

const fn list(field: &'static str, max_items: usize, max_chars: usize) -> FieldBound {
    FieldBound {
        field,
        max_items: Some(max_items as u64),
        max_chars: max_chars as u64,
    }
}

/// What a model is asked for in `field` (limits in [`crate::limits`], `ANSWER_*`); `None` for
/// `age`, a number.
pub const fn answer_bound(field: Field) -> Option<FieldBound> {
    let name = field.name();
    Some(match field {
        Field::Name | Field::Occupation | Field::Location => one(name, ANSWER_SHORT_CHARS),
        Field::Background => one(name, ANSWER_BACKGROUND_CHARS),
        Field::CommunicationStyle => one(name, ANSWER_STYLE_CHARS),
        Field::Traits
        | Field::Interests
        | Field::Skills
        | Field::Values
        | Field::Goals
        | Field::Languages => list(name, ANSWER_LIST_ITEMS, ANSWER_ITEM_CHARS),
        Field::Quotes => list(name, ANSWER_QUOTES, ANSWER_QUOTE_CHARS),
        Field::Evidence => list(name, ANSWER_EVIDENCE, 0),
        Field::Age => return None,
    })
}

/// The bounds of an evidence item's own strings.
const EVIDENCE_PARTS: [FieldBound; 3] = [
    one("field", ANSWER_EVIDENCE_FIELD_CHARS),
    one("quote", ANSWER_QUOTE_CHARS),
    one("source", ANSWER_EVIDENCE_SOURCE_CHARS),
];

/// Every answer bound: the persona's fields in order, then an evidence item's strings.
pub fn answer_bounds() -> impl Iterator<Item = FieldBound> {
    Field::ALL
        .into_iter()
        .filter_map(answer_bound)
        .chain(EVIDENCE_PARTS)
}

/// The bound of the property named `name` (a persona field or an evidence item's part), if it
/// has one.
pub fn bound_of(name: &str) -> Option<FieldBound> {
    match Field::from_name(name) {
        Some(field) => answer_bound(field),
        None => EVIDENCE_PARTS.into_iter().find(|b| b.field == name),
    }
}

/// Writes the answer bounds into a strict draft schema: `maxItems` on every list in both
/// dialects, `maxLength` on every string in [`SchemaDialect::Full`].
pub(super) fn apply(schema: &mut Value, dialect: SchemaDialect) {
    let Value::Object(root) = schema else { return };
    bound_properties(root, dialect);
    if let Some(Value::Object(defs)) = root.get_mut("$defs") {
        for def in defs.values_mut() {
            if let Value::Object(def) = def {
                bound_properties(def, dialect);
            }
        }
    }
}

fn bound_properties(object: &mut Map<String, Value>, dialect: SchemaDialect) {
    let Some(Value::Object(props)) = object.get_mut("properties") else {
        return;
    };
    for (name, prop) in props.iter_mut() {
        let (Some(bound), Value::Object(prop)) = (bound_of(name), prop) else {
            continue;
        };
        if let Some(items) = bound.max_items {
            prop.insert("maxItems".into(), json!(items));
            if let Some(Value::Object(item)) = prop.get_mut("items")
                && has_type(item, "string")
                && dialect == SchemaDialect::Full
            {
                item.insert("maxLength".into(), json!(bound.max_chars));
            }
        } else if has_type(prop, "string") && dialect == SchemaDialect::Full {
            prop.insert("maxLength".into(), json!(bound.max_chars));
        }
    }
}

fn has_type(schema: &Map<String, Value>, name: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == name,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == name),
        _ => false,
    }
}

/// The most characters a valid answer to `schema` (a bounded [`SchemaDialect::Full`] schema)
/// can take, compact JSON, escapes aside: strings at their `maxLength`, lists at their
/// `maxItems`, an integer at 20 digits. A string without a length counts as its quotes only,
/// which is why the budget is computed on the full dialect whichever one is sent.
pub fn max_answer_chars(schema: &Value) -> usize {
    let defs = schema.get("$defs").and_then(Value::as_object);
    longest(schema, defs, 0)
}

fn longest(node: &Value, defs: Option<&Map<String, Value>>, depth: u8) -> usize {
    let Value::Object(map) = node else { return 0 };
    if depth > 8 {
        return 0;
    }
    if let Some(Value::String(reference)) = map.get("$ref") {
        let target = reference
            .strip_prefix("#/$defs/")
            .and_then(|name| defs?.get(name));
        return target.map_or(0, |t| longest(t, defs, depth + 1));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = map.get(key) {
            return options
                .iter()
                .map(|o| longest(o, defs, depth + 1))
                .max()
                .unwrap_or(0);
        }
    }
    let number = |key: &str| map.get(key).and_then(Value::as_u64).unwrap_or(0) as usize;
    let mut widest = 0;
    if has_type(map, "null") {
        widest = 4;
    }
    if has_type(map, "integer") || has_type(map, "number") {
        widest = widest.max(20);
    }
    if has_type(map, "boolean") {
        widest = widest.max(5);
    }
    if has_type(map, "string") {
        widest = widest.max(number("maxLength") + 2);
    }
    if has_type(map, "array") {
        let item = map.get("items").map_or(0, |i| longest(i, defs, depth + 1));
        let items = number("maxItems");
        widest = widest.max(2 + items * (item + 1));
    }
    if let Some(Value::Object(props)) = map.get("properties") {
        let body: usize = props
            .iter()
            .map(|(key, value)| key.len() + 4 + longest(value, defs, depth + 1))
            .sum();
        widest = widest.max(2 + body);
    }
    widest
}

/// The completion budget a bounded answer needs: [`max_answer_chars`] over
/// [`CHARS_PER_TOKEN`], rounded up.
pub fn answer_token_budget(schema: &Value) -> u32 {
    u32::try_from(max_answer_chars(schema).div_ceil(CHARS_PER_TOKEN)).unwrap_or(u32::MAX)
}
