//! Reading bodies: size, media type and charset, syntax and shape, each refused with what to
//! fix and never with what was sent.

use super::*;
use crate::error::ErrorCode;

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
    let body = read::<ProcessRequest>(&post(Some("application/json"), r#"{"textBlocks":["hi"]}"#))
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
            && d.message
                == "2 unknown properties are not allowed here; send only the documented fields"),
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
