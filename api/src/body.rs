//! Reading a JSON request body: size, media type, syntax, shape, in that order, each with an
//! error that says what to fix and never repeats what was sent.

use std::sync::LazyLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::dto::{ProcessRequest, SaveRequest};
use crate::error::{ApiError, Detail, Refusal};
use crate::http::Request;

/// The largest request body accepted, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// At most this many shape errors are listed in one answer.
const MAX_DETAILS: usize = 20;

/// A request body type with its JSON Schema validator, compiled once.
pub(crate) trait JsonBody: DeserializeOwned + JsonSchema {
    fn validator() -> &'static Validator;
}

static PROCESS: LazyLock<Validator> = LazyLock::new(validator_for::<ProcessRequest>);
static SAVE: LazyLock<Validator> = LazyLock::new(validator_for::<SaveRequest>);

impl JsonBody for ProcessRequest {
    fn validator() -> &'static Validator {
        &PROCESS
    }
}

impl JsonBody for SaveRequest {
    fn validator() -> &'static Validator {
        &SAVE
    }
}

/// The JSON Schema a body of type `T` must match.
pub fn request_schema<T: JsonSchema>() -> Value {
    SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// Validates shape only (types, required and unknown fields): the domain's parsers check every
/// limit and pattern afterwards, all at once, with messages that say by how much, so the
/// schema's own limit and pattern keywords are left out here.
pub(crate) fn validator_for<T: JsonSchema>() -> Validator {
    let mut schema = request_schema::<T>();
    strip_limits(&mut schema);
    jsonschema::validator_for(&schema).expect("schemas generated from our types are valid")
}

fn strip_limits(node: &mut Value) {
    match node {
        Value::Object(map) => {
            // `minimum` stays: it is how the schema says an unsigned count cannot be negative.
            for keyword in [
                "maxItems",
                "minItems",
                "maxLength",
                "minLength",
                "maximum",
                "pattern",
            ] {
                map.remove(keyword);
            }
            map.values_mut().for_each(strip_limits);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_limits),
        _ => {}
    }
}

/// The body's size as `Content-Length` declares it, when that is above the limit.
fn declared_size(request: &Request) -> Option<usize> {
    request
        .header("content-length")?
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|size| *size > MAX_BODY_BYTES)
}

/// Reads `request`'s body as a `T`.
pub(crate) fn read<T: JsonBody>(request: &Request) -> Result<T, ApiError> {
    if request.body.len() > MAX_BODY_BYTES {
        return Err(Refusal::BodyTooLarge {
            declared: declared_size(request),
        }
        .into());
    }
    if !is_json(request.header("content-type")) {
        return Err(Refusal::NotJson.into());
    }
    if !is_utf8_charset(request.header("content-type")) || is_utf16(&request.body) {
        return Err(Refusal::NotUtf8.into());
    }
    // A byte-order mark is not JSON (RFC 8259 §8.1), but editors and some clients on Windows
    // write one; it carries no meaning in UTF-8, so it is skipped rather than refused.
    let body = request
        .body
        .strip_prefix(UTF8_BOM.as_slice())
        .unwrap_or(&request.body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal::EmptyBody.into());
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| Refusal::Syntax {
        line: e.line(),
        column: e.column(),
    })?;
    crate::bounds::check(&value)?;
    let details: Vec<Detail> = T::validator()
        .iter_errors(&value)
        .take(MAX_DETAILS)
        .map(|e| Detail {
            field: e.instance_path().to_string(),
            message: masked_message(&e),
        })
        .collect();
    if !details.is_empty() {
        return Err(Refusal::Shape(details).into());
    }
    // The schema was generated from `T`, so this only fails if the two drift apart.
    Ok(serde_json::from_value(value).map_err(|_| Refusal::Shape(Vec::new()))?)
}

/// A shape error's message with nothing the client sent: `masked` hides values but still quotes
/// unknown property names, which are the client's text too, so those are counted instead.
fn masked_message(error: &ValidationError<'_>) -> String {
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => format!(
            "{} unknown propert{} not allowed here; send only the documented fields",
            unexpected.len(),
            if unexpected.len() == 1 {
                "y is"
            } else {
                "ies are"
            }
        ),
        _ => error.masked().to_string(),
    }
}

/// The UTF-8 byte-order mark.
const UTF8_BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Whether the media type names no charset or UTF-8 (`charset=utf-8`, `charset="UTF-8"`, `utf8`):
/// JSON between systems is UTF-8 (RFC 8259 §8.1), and any other charset would be misread.
fn is_utf8_charset(content_type: Option<&str>) -> bool {
    content_type
        .into_iter()
        .flat_map(|ct| ct.split(';').skip(1))
        .filter_map(|parameter| parameter.split_once('='))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("charset"))
        .all(|(_, value)| {
            let value = value.trim().trim_matches('"');
            value.eq_ignore_ascii_case("utf-8") || value.eq_ignore_ascii_case("utf8")
        })
}

/// Whether the body starts with a UTF-16 byte-order mark: sent as UTF-16 whatever the header says.
fn is_utf16(body: &[u8]) -> bool {
    body.starts_with(&[0xFF, 0xFE]) || body.starts_with(&[0xFE, 0xFF])
}

/// `application/json`, with any parameters (`; charset=utf-8`), in any case.
fn is_json(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests;
