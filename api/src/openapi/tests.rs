use std::path::PathBuf;

use serde_json::Value;

use super::*;

fn committed(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(name)
}

/// Compares the committed copy with what the code generates; `UPDATE_OPENAPI=1` rewrites it.
fn check_committed(name: &str, generated: &[u8]) {
    let path = committed(name);
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, generated).expect("write the committed copy");
    }
    let on_disk = std::fs::read(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/{name} differs from what the code generates; run \
         `UPDATE_OPENAPI=1 cargo test -p persona-api openapi` and commit the result"
    );
}

#[test]
fn the_committed_openapi_document_is_what_the_code_generates() {
    check_committed("openapi.json", &DOCUMENT);
}

#[test]
fn the_committed_persona_schema_is_what_the_code_generates() {
    check_committed("persona.schema.json", &PERSONA_SCHEMA);
}

#[test]
fn the_document_is_openapi_3_1_and_reads_back_as_one() {
    let document = document();
    assert_eq!(document["openapi"], "3.1.0");
    let read: utoipa::openapi::OpenApi =
        serde_json::from_value(document.clone()).expect("the document reads back");
    assert_eq!(read.paths.paths.len(), Operation::ALL.len());
}

#[test]
fn every_operation_is_documented_at_its_path_and_method() {
    let document = document();
    for operation in Operation::ALL {
        let method = operation.method().to_ascii_lowercase();
        let described = &document["paths"][operation.path()][&method];
        assert_eq!(
            described["operationId"],
            operation.name(),
            "{}",
            operation.path()
        );
    }
}

fn refs(node: &Value, found: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                found.push(target.clone());
            }
            map.values().for_each(|v| refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

#[test]
fn every_reference_in_the_document_resolves() {
    let document = document();
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(found.len() > 10, "the document uses references: {found:?}");
    for target in found {
        let pointer = target.strip_prefix('#').expect("a local reference");
        assert!(
            document.pointer(pointer).is_some(),
            "{target} resolves nowhere"
        );
    }
}

#[test]
fn the_documented_persona_is_the_domains_persona() {
    let document = document();
    let persona = persona_domain::schema::persona_schema().to_string();
    let persona: Value =
        serde_json::from_str(&persona.replace("#/$defs/", "#/components/schemas/"))
            .expect("still JSON");
    assert_eq!(
        document["components"]["schemas"]["Persona"]["properties"],
        persona["properties"]
    );
    assert_eq!(
        document["components"]["schemas"]["Persona"]["required"],
        persona["required"]
    );
}

/// A validator for the component schema `name`, resolving references against the document.
pub(crate) fn validator(name: &str) -> jsonschema::Validator {
    let document = document();
    let root = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": document["components"],
    });
    jsonschema::validator_for(&root).expect("the component schema compiles")
}

#[test]
fn error_codes_outside_the_document_are_refused_by_it() {
    let errors = validator("ErrorResponse");
    let good = serde_json::json!({"success": false, "error": {"code": "NOT_FOUND",
        "message": "m", "request_id": "r", "retryable": false, "details": []}});
    assert!(errors.is_valid(&good));
    let mut bad = good.clone();
    bad["error"]["code"] = "TEAPOT".into();
    assert!(!errors.is_valid(&bad));
    let mut bad = good;
    bad["success"] = true.into();
    assert!(!errors.is_valid(&bad));
}

#[test]
fn the_save_answer_links_to_reading_the_persona_back() {
    let document = document();
    let link = &document["paths"]["/api/save-persona"]["post"]["responses"]["201"]["links"]["GetSavedPersona"];
    assert_eq!(link["operationId"], "get-persona");
    assert!(link.get("operation_id").is_none());
    assert_eq!(link["parameters"]["id"], "$response.body#/data/id");
}

#[test]
fn every_operation_says_it_is_public_and_the_document_where_it_is_served() {
    let document = document();
    for operation in Operation::ALL {
        let method = operation.method().to_ascii_lowercase();
        assert_eq!(
            document["paths"][operation.path()][&method]["security"],
            serde_json::json!([]),
            "{}",
            operation.path()
        );
    }
    assert_eq!(document["servers"][0]["url"], "/");
    assert_eq!(document["info"]["license"]["identifier"], "MIT");
}

/// Each `default` in `node` with the schema it sits in, where that schema stands alone.
fn defaults<'a>(node: &'a Value, found: &mut Vec<(&'a Value, Value)>) {
    match node {
        Value::Object(map) => {
            if let Some(default) = map.get("default") {
                let mut schema = map.clone();
                schema.remove("default");
                found.push((default, Value::Object(schema)));
            }
            map.values().for_each(|v| defaults(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| defaults(v, found)),
        _ => {}
    }
}

#[test]
fn every_default_is_a_value_its_own_schema_accepts() {
    // Validators of the document (openapi-spec-validator) refuse a default its schema refuses,
    // such as the empty string schemars writes beside an evidence field's `minLength: 1`.
    let document = document();
    let mut found = Vec::new();
    defaults(&document["components"]["schemas"], &mut found);
    let mut checked = 0;
    for (default, schema) in &found {
        let Ok(validator) = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(schema)
        else {
            continue;
        };
        checked += 1;
        assert!(validator.is_valid(default), "{default} breaks {schema}");
    }
    // The request bodies are inlined, so every default stands alone; one that did not (a
    // `$ref` beside it) would go unchecked here and in the generator.
    assert!(
        checked > 0 && checked == found.len(),
        "{checked} of {} checked",
        found.len()
    );
}
