//! JSON Schemas generated from the domain types: the one source for the LLM's strict schema,
//! request validation, the OpenAPI document and the TypeScript types.
//!
//! The schema sent to a model comes in two dialects ([`SchemaDialect`]), both bounded by
//! [`bounds::answer_bounds`]; see [`bounds`] for why and for the completion budget they imply.

pub mod bounds;

use schemars::{JsonSchema, generate::SchemaSettings};
use serde_json::{Map, Value};

use crate::document::StoredPersona;
use crate::persona::{Persona, PersonaDraft};

pub use bounds::{SchemaDialect, answer_token_budget};

/// The name the draft schema goes by in a structured-output request (`[a-zA-Z0-9_-]`, ≤ 64).
pub const DRAFT_SCHEMA_NAME: &str = "persona_draft";

/// What a model must return, in the strict form structured outputs need: the root is an object,
/// every object has `additionalProperties: false` and lists every property in `required`, nullable
/// fields are `["string","null"]`, every array has the `maxItems` of [`bounds::answer_bounds`],
/// and there is no `format`, no string length and no `$schema`. Key order follows the persona's
/// field order. This is [`draft_schema_for`] in the [`SchemaDialect::OpenAi`] dialect.
pub fn draft_schema() -> Value {
    draft_schema_for(SchemaDialect::OpenAi)
}

/// The strict draft schema in `dialect`: [`SchemaDialect::Full`] adds a `maxLength` to every
/// string, so a server that compiles the schema into a grammar cannot let a string run on.
pub fn draft_schema_for(dialect: SchemaDialect) -> Value {
    let mut schema = schema_for::<PersonaDraft>(SchemaSettings::draft2020_12().for_deserialize());
    if let Value::Object(root) = &mut schema {
        // The root's description documents the Rust type for developers; a model would only
        // spend tokens on it.
        for keyword in ["$schema", "description"] {
            root.remove(keyword);
        }
    }
    make_strict(&mut schema);
    bounds::apply(&mut schema, dialect);
    schema
}

/// The persona as the service returns and stores it, with every limit of the rules. (A client
/// may send back a looser shape, [`PersonaDraft`], which the rules then check.)
pub fn persona_schema() -> Value {
    schema_for::<Persona>(SchemaSettings::draft2020_12().for_serialize())
}

/// The stored document, as stores keep it.
pub fn stored_document_schema() -> Value {
    schema_for::<StoredPersona>(SchemaSettings::draft2020_12().for_serialize())
}

fn schema_for<T: JsonSchema>(settings: SchemaSettings) -> Value {
    settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// Rewrites one schema, and every schema inside it, into the strict form.
fn make_strict(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    // The rules enforce lengths; structured outputs accept neither these keywords nor `format`
    // on most types, so the strict schema leaves them out.
    for keyword in ["format", "default", "minLength", "maxLength"] {
        map.remove(keyword);
    }
    strip_integer_bounds(map);
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        props.values_mut().for_each(make_strict);
        let required: Vec<Value> = props.keys().cloned().map(Value::String).collect();
        map.insert("required".into(), Value::Array(required));
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    if let Some(Value::Object(defs)) = map.get_mut("$defs") {
        defs.values_mut().for_each(make_strict);
    }
    if let Some(items) = map.get_mut("items") {
        make_strict(items);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = map.get_mut(key) {
            options.iter_mut().for_each(make_strict);
        }
    }
}

/// schemars bounds integers by their Rust type (`minimum` for unsigned types); the draft keeps
/// integers loose and lets the rules judge them.
fn strip_integer_bounds(map: &mut Map<String, Value>) {
    let is_integer = match map.get("type") {
        Some(Value::String(t)) => t == "integer",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
        _ => false,
    };
    if is_integer {
        map.remove("minimum");
        map.remove("maximum");
    }
}

#[cfg(test)]
mod tests;
