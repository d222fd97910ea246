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
use crate::error::{ApiError, Detail, ErrorCode};
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
fn validator_for<T: JsonSchema>() -> Validator {
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
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "the request body is {} bytes (1 MiB); send less material in one request",
                declared_size(request).map_or_else(
                    || format!("over {MAX_BODY_BYTES}"),
                    |size| format!(
                        "{size} bytes, {} over the limit of {MAX_BODY_BYTES}",
                        size - MAX_BODY_BYTES
                    )
                )
            ),
        ));
    }
    if !is_json(request.header("content-type")) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the request body as JSON with the header Content-Type: application/json",
        ));
    }
    if !is_utf8_charset(request.header("content-type")) || is_utf16(&request.body) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the JSON body encoded as UTF-8, with Content-Type: application/json \
             (or application/json; charset=utf-8)",
        ));
    }
    // A byte-order mark is not JSON (RFC 8259 §8.1), but editors and some clients on Windows
    // write one; it carries no meaning in UTF-8, so it is skipped rather than refused.
    let body = request
        .body
        .strip_prefix(UTF8_BOM.as_slice())
        .unwrap_or(&request.body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "the request body is empty; send a JSON object",
        ));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidRequest,
            format!(
                "the request body is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
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
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "the request body does not have the expected shape",
        )
        .with_details(details));
    }
    // The schema was generated from `T`, so this only fails if the two drift apart.
    serde_json::from_value(value).map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidRequest,
            "the request body does not have the expected shape",
        )
    })
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
mod tests {
    use super::*;

    fn post(content_type: Option<&str>, body: &str) -> Request {
        let request = Request::new("POST", "/api/process-persona").with_body(body);
        match content_type {
            Some(ct) => request.with_header("Content-Type", ct),
            None => request,
        }
    }

    fn error(request: &Request) -> ApiError {
        read::<ProcessRequest>(request).expect_err("rejected")
    }

    #[test]
    fn a_valid_body_is_read() {
        let body =
            read::<ProcessRequest>(&post(Some("application/json"), r#"{"textBlocks":["hi"]}"#))
                .expect("read");
        assert_eq!(
            body,
            ProcessRequest {
                text_blocks: vec!["hi".into()],
                links: vec![]
            }
        );
    }

    #[test]
    fn json_with_parameters_and_any_case_is_json() {
        assert!(is_json(Some("Application/JSON; charset=utf-8")));
        assert!(!is_json(Some("text/plain")));
        assert!(!is_json(Some("application/jsonp")));
        assert!(!is_json(None));
    }

    #[test]
    fn another_media_type_is_415() {
        assert_eq!(
            error(&post(Some("text/plain"), "{}")).code,
            ErrorCode::UnsupportedMediaType
        );
        assert_eq!(
            error(&post(None, "{}")).code,
            ErrorCode::UnsupportedMediaType
        );
    }

    #[test]
    fn a_charset_other_than_utf8_is_415_and_says_what_to_send() {
        for ct in [
            "application/json; charset=utf-16",
            "application/json;charset=ISO-8859-1",
            "application/json; charset=\"utf-32\"",
        ] {
            let e = error(&post(Some(ct), r#"{"textBlocks":["hi"]}"#));
            assert_eq!(e.code, ErrorCode::UnsupportedMediaType, "{ct}");
            assert!(e.message.contains("UTF-8"), "{}", e.message);
        }
        for ct in [
            "application/json; charset=utf-8",
            "application/json; charset=\"UTF-8\"",
            "application/json;charset=utf8",
            "application/json",
        ] {
            assert!(
                read::<ProcessRequest>(&post(Some(ct), r#"{"textBlocks":["hi"]}"#)).is_ok(),
                "{ct}"
            );
        }
    }

    #[test]
    fn a_utf16_body_is_415_even_when_the_header_says_json() {
        let mut body = vec![0xFF, 0xFE];
        body.extend("{}".encode_utf16().flat_map(u16::to_le_bytes));
        let request = Request::new("POST", "/api/process-persona")
            .with_header("Content-Type", "application/json")
            .with_body(body);
        assert_eq!(error(&request).code, ErrorCode::UnsupportedMediaType);
    }

    #[test]
    fn a_utf8_byte_order_mark_is_skipped() {
        let mut body = UTF8_BOM.to_vec();
        body.extend_from_slice(br#"{"textBlocks":["hi"]}"#);
        let request = Request::new("POST", "/api/process-persona")
            .with_header("Content-Type", "application/json")
            .with_body(body);
        let read_body = read::<ProcessRequest>(&request).expect("read");
        assert_eq!(read_body.text_blocks, ["hi"]);

        let only_bom = Request::new("POST", "/api/process-persona")
            .with_header("Content-Type", "application/json")
            .with_body(UTF8_BOM.to_vec());
        assert_eq!(
            error(&only_bom).message,
            "the request body is empty; send a JSON object"
        );
    }

    #[test]
    fn an_oversized_body_is_413() {
        let big = format!(r#"{{"textBlocks":["{}"]}}"#, "a".repeat(MAX_BODY_BYTES));
        assert_eq!(
            error(&post(Some("application/json"), &big)).code,
            ErrorCode::PayloadTooLarge
        );
    }

    #[test]
    fn broken_json_says_where_but_not_what() {
        let e = error(&post(
            Some("application/json"),
            "{\"textBlocks\": [\"my secret\"",
        ));
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        assert!(e.message.contains("line 1"), "{}", e.message);
        assert!(!e.message.contains("secret"));
    }

    #[test]
    fn an_empty_body_is_named_as_such() {
        assert_eq!(
            error(&post(Some("application/json"), " ")).message,
            "the request body is empty; send a JSON object"
        );
    }

    #[test]
    fn shape_errors_list_each_place_without_the_values() {
        let e = error(&post(
            Some("application/json"),
            r#"{"textBlocks":["ok", 42, "my secret"], "links":"my other secret", "extra":1}"#,
        ));
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        let fields: Vec<&str> = e.details.iter().map(|d| d.field.as_str()).collect();
        assert!(fields.contains(&"/textBlocks/1"), "{fields:?}");
        assert!(fields.contains(&"/links"), "{fields:?}");
        assert!(
            fields.contains(&""),
            "the unknown property is reported at the root: {fields:?}"
        );
        let all = format!("{:?}", e.details);
        assert!(!all.contains("secret") && !all.contains("42"), "{all}");
    }

    #[test]
    fn a_save_body_may_carry_a_grounding_whose_shape_is_checked() {
        let body = r#"{"persona": {"name": "Ada"}, "grounding": {"mode": "flag",
            "fields": {"/name": {"status": "stated", "source": "block:0", "span": {"start": 5, "end": 8}}},
            "counts": {"quoted": 0, "stated": 1, "inferred": 0, "fabricated_quotes": 0}}}"#;
        let read_body = read::<SaveRequest>(&post(Some("application/json"), body)).expect("read");
        let grounding = read_body.grounding.expect("a grounding");
        assert_eq!(grounding.fields.len(), 1);

        let bad = body
            .replace("\"stated\"", "\"guessed\"")
            .replace("\"flag\"", "\"lenient\"");
        let e = read::<SaveRequest>(&post(Some("application/json"), &bad)).expect_err("shape");
        let fields: Vec<&str> = e.details.iter().map(|d| d.field.as_str()).collect();
        assert!(fields.contains(&"/grounding/mode"), "{fields:?}");
        assert!(
            fields.contains(&"/grounding/fields/~1name/status"),
            "{fields:?}"
        );
    }

    #[test]
    fn a_null_grounding_is_no_grounding_and_any_other_type_is_refused() {
        let body = r#"{"persona": {"name": "Ada"}, "grounding": null}"#;
        let read_body = read::<SaveRequest>(&post(Some("application/json"), body)).expect("read");
        assert_eq!(read_body.grounding, None);

        for wrong in ["[]", "\"flag\"", "1", "true"] {
            let body = format!(r#"{{"persona": {{"name": "Ada"}}, "grounding": {wrong}}}"#);
            let e = read::<SaveRequest>(&post(Some("application/json"), &body)).expect_err(wrong);
            let fields: Vec<&str> = e.details.iter().map(|d| d.field.as_str()).collect();
            assert_eq!(fields, ["/grounding"], "{wrong}");
        }
    }

    #[test]
    fn unknown_property_names_are_counted_not_repeated() {
        // Found by the `request` fuzz target: the masked message still quoted each unknown name.
        let e = error(&post(
            Some("application/json"),
            r#"{"textBlocks":["ok"], "my diary entry": 1, "another secret": 2}"#,
        ));
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        let all = format!("{:?}", e.details);
        assert!(!all.contains("diary") && !all.contains("secret"), "{all}");
        assert!(
            e.details.iter().any(|d| d.field.is_empty()
                && d.message == "2 unknown properties are not allowed here; send only the documented fields"),
            "{all}"
        );
    }

    #[test]
    fn a_missing_field_is_named() {
        let e = error(&post(Some("application/json"), r#"{"links":[]}"#));
        assert!(
            e.details.iter().any(|d| d.message.contains("textBlocks")),
            "{:?}",
            e.details
        );
    }
}
