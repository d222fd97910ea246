//! The schemas checked with the `jsonschema` crate, as a model's output and a client's body will be.

use jsonschema::Validator;
use serde_json::json;

use super::*;

fn validator(schema: &Value) -> Validator {
    jsonschema::validator_for(schema).expect("a valid JSON Schema")
}

/// Walks every object schema, so each strict rule can be checked everywhere.
fn object_schemas(node: &Value, out: &mut Vec<Map<String, Value>>) {
    match node {
        Value::Object(map) => {
            if map.contains_key("properties") {
                out.push(map.clone());
            }
            map.values().for_each(|v| object_schemas(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| object_schemas(v, out)),
        _ => {}
    }
}

fn arrays_without_max_items(node: &Value) -> usize {
    match node {
        Value::Object(map) => {
            let here = usize::from(
                map.get("type") == Some(&json!("array")) && !map.contains_key("maxItems"),
            );
            here + map.values().map(arrays_without_max_items).sum::<usize>()
        }
        Value::Array(items) => items.iter().map(arrays_without_max_items).sum(),
        _ => 0,
    }
}

fn sample_draft() -> Value {
    json!({
        "name": "Ada Lovelace", "age": 36, "occupation": "Mathematician", "location": "London",
        "background": "Wrote the first published program.",
        "traits": ["curious"], "interests": ["poetical science"], "skills": ["analysis"],
        "values": ["rigour"], "goals": ["publish notes"], "languages": ["English", "French"],
        "communication_style": "precise and vivid",
        "quotes": ["That brain of mine is something more than merely mortal"],
        "evidence": [{"field": "occupation", "quote": "I am a mathematician", "source": "block:0"}]
    })
}

#[test]
fn the_draft_schema_is_strict_everywhere() {
    let schema = draft_schema();
    assert_eq!(schema["type"], "object");
    assert!(schema.get("$schema").is_none());
    assert!(schema.get("description").is_none(), "no developer notes");
    let mut objects = Vec::new();
    object_schemas(&schema, &mut objects);
    assert_eq!(objects.len(), 2, "the draft and its evidence item");
    for object in objects {
        assert_eq!(object["additionalProperties"], json!(false));
        let keys: Vec<&String> = object["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .collect();
        let required: Vec<&str> = object["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(keys, required);
    }
    assert_eq!(arrays_without_max_items(&schema), 0);
    assert!(!schema.to_string().contains("\"format\""));
}

#[test]
fn the_draft_schema_keeps_the_persona_key_order() {
    let schema = draft_schema();
    let keys: Vec<&str> = schema["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        crate::persona::Field::ALL.map(crate::persona::Field::name)
    );
}

#[test]
fn the_draft_schema_makes_name_nullable() {
    assert_eq!(
        draft_schema()["properties"]["name"]["type"],
        json!(["string", "null"])
    );
}

#[test]
fn a_complete_draft_validates() {
    let v = validator(&draft_schema());
    let errors: Vec<String> = v
        .iter_errors(&sample_draft())
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn a_draft_with_a_null_name_validates() {
    let mut draft = sample_draft();
    draft["name"] = Value::Null;
    draft["age"] = Value::Null;
    assert!(validator(&draft_schema()).is_valid(&draft));
}

#[test]
fn a_draft_missing_a_field_or_with_an_extra_one_is_invalid() {
    let v = validator(&draft_schema());
    let mut missing = sample_draft();
    missing.as_object_mut().expect("object").remove("traits");
    assert!(!v.is_valid(&missing));
    let mut extra = sample_draft();
    extra["nickname"] = json!("A");
    assert!(!v.is_valid(&extra));
    let mut extra_in_evidence = sample_draft();
    extra_in_evidence["evidence"][0]["confidence"] = json!(0.9);
    assert!(!v.is_valid(&extra_in_evidence));
}

#[test]
fn a_draft_with_too_many_items_is_invalid() {
    let mut draft = sample_draft();
    draft["traits"] = json!(vec!["x"; 21]);
    assert!(!validator(&draft_schema()).is_valid(&draft));
}

#[test]
fn the_persona_schema_accepts_a_repaired_persona_and_carries_the_limits() {
    let draft: PersonaDraft = serde_json::from_value(sample_draft()).expect("draft");
    let persona = serde_json::to_value(Persona::from_draft(draft).persona).expect("json");
    let schema = persona_schema();
    assert!(validator(&schema).is_valid(&persona));
    assert_eq!(schema["properties"]["age"]["maximum"], 130);
    assert_eq!(schema["properties"]["traits"]["maxItems"], 20);
    let mut too_old = persona.clone();
    too_old["age"] = json!(131);
    assert!(!validator(&schema).is_valid(&too_old));
}

#[test]
fn the_stored_document_schema_accepts_a_document() {
    use chrono::Utc;

    use crate::{PersonaId, SourceCounts, StoredPersona};
    let persona = Persona::from_draft(PersonaDraft {
        name: Some("Ada".into()),
        ..PersonaDraft::default()
    })
    .persona;
    let id = PersonaId::parse("V1StGXR8_Z5jdHi6B-myT").expect("id");
    let doc = StoredPersona::new(id, persona, SourceCounts::default(), Utc::now());
    let json: Value = serde_json::from_slice(&doc.to_json()).expect("json");
    let errors: Vec<String> = validator(&stored_document_schema())
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

/// Panics unless every limit `schema` (the persona schema) gives a field is the one [`Field`]
/// and [`crate::limits`] define: lengths, item counts, the oldest age and the evidence parts.
fn assert_limits_agree(schema: &Value) {
    use crate::limits::{MAX_EVIDENCE_FIELD_CHARS, MAX_EVIDENCE_SOURCE_CHARS, MAX_QUOTE_CHARS};
    use crate::persona::{Field, FieldKind};

    let properties = schema["properties"].as_object().expect("properties");
    let names: Vec<&str> = properties.keys().map(String::as_str).collect();
    assert_eq!(names, Field::ALL.map(Field::name));
    let min_length = |field: Field| (field.min_chars() > 0).then_some(field.min_chars());
    for field in Field::ALL {
        let property = &properties[field.name()];
        let got = |node: &Value, keyword: &str| node.get(keyword).and_then(Value::as_u64);
        let want = |limit: Option<usize>| limit.map(|n| u64::try_from(n).expect("small"));
        match field.kind() {
            FieldKind::Text => {
                assert_eq!(
                    got(property, "maxLength"),
                    want(field.max_chars()),
                    "{field}"
                );
                assert_eq!(
                    got(property, "minLength"),
                    want(min_length(field)),
                    "{field}"
                );
            }
            FieldKind::Age => {
                let oldest = field.max_value().expect("an oldest age");
                assert_eq!(property["maximum"], json!(oldest), "{field}");
                assert_eq!(property["minimum"], json!(0), "{field}");
            }
            FieldKind::List => {
                let items = &property["items"];
                assert_eq!(
                    got(property, "maxItems"),
                    want(field.max_items()),
                    "{field}"
                );
                assert_eq!(got(items, "maxLength"), want(field.max_chars()), "{field}");
                assert_eq!(got(items, "minLength"), want(min_length(field)), "{field}");
            }
            FieldKind::Evidence => {
                assert_eq!(
                    got(property, "maxItems"),
                    want(field.max_items()),
                    "{field}"
                );
                let reference = property["items"]["$ref"].as_str().expect("a $ref");
                let name = reference.strip_prefix("#/$defs/").expect("a local $ref");
                let parts = &schema["$defs"][name]["properties"];
                for (part, max) in [
                    ("field", MAX_EVIDENCE_FIELD_CHARS),
                    ("quote", MAX_QUOTE_CHARS),
                    ("source", MAX_EVIDENCE_SOURCE_CHARS),
                ] {
                    assert_eq!(got(&parts[part], "maxLength"), want(Some(max)), "{part}");
                    assert_eq!(got(&parts[part], "minLength"), Some(1), "{part}");
                }
            }
        }
    }
}

#[test]
fn every_limit_of_the_persona_schema_is_the_one_the_rules_use() {
    assert_limits_agree(&persona_schema());
}

#[test]
fn every_limit_of_the_published_persona_schema_is_the_one_the_rules_use() {
    // The copy clients read (the api's tests keep it equal to what the code generates).
    let published: Value =
        serde_json::from_str(include_str!("../../../docs/persona.schema.json")).expect("json");
    assert_limits_agree(&published);
}

#[test]
fn the_draft_schema_caps_every_list_at_its_answer_bound_within_the_rules() {
    use crate::persona::Field;

    for dialect in [SchemaDialect::OpenAi, SchemaDialect::Full] {
        let schema = draft_schema_for(dialect);
        for field in Field::ALL {
            let max_items = schema["properties"][field.name()]
                .get("maxItems")
                .and_then(Value::as_u64);
            let bound = bounds::answer_bound(field).and_then(|b| b.max_items);
            assert_eq!(max_items, bound, "{field}");
            assert_eq!(max_items.is_some(), field.max_items().is_some(), "{field}");
            if let (Some(asked), Some(allowed)) = (max_items, field.max_items()) {
                assert!(asked <= allowed as u64, "{field} asks past the rules");
            }
            if let (Some(asked), Some(allowed)) = (bounds::answer_bound(field), field.max_chars()) {
                assert!(
                    asked.max_chars <= allowed as u64,
                    "{field} asks past the rules"
                );
            }
        }
    }
}

/// Every string schema without a `maxLength`, by path.
fn unbounded_strings(node: &Value, path: &str, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            let is_string = match map.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                _ => false,
            };
            if is_string && !map.contains_key("maxLength") {
                out.push(path.to_owned());
            }
            for (key, value) in map {
                unbounded_strings(value, &format!("{path}/{key}"), out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| unbounded_strings(v, path, out)),
        _ => {}
    }
}

#[test]
fn the_full_dialect_bounds_every_string_and_the_openai_one_none() {
    let mut unbounded = Vec::new();
    unbounded_strings(&draft_schema_for(SchemaDialect::Full), "", &mut unbounded);
    assert_eq!(unbounded, Vec::<String>::new());
    assert!(!draft_schema().to_string().contains("maxLength"));
    let full = draft_schema_for(SchemaDialect::Full);
    assert_eq!(full["properties"]["background"]["maxLength"], json!(400));
    assert_eq!(full["properties"]["traits"]["maxItems"], json!(6));
    assert_eq!(
        full["properties"]["traits"]["items"]["maxLength"],
        json!(48)
    );
    assert_eq!(draft_schema()["properties"]["traits"]["maxItems"], json!(6));
}

#[test]
fn the_full_dialect_refuses_a_string_past_its_bound() {
    let v = validator(&draft_schema_for(SchemaDialect::Full));
    assert!(v.is_valid(&sample_draft()));
    let mut long = sample_draft();
    long["occupation"] = json!("x".repeat(81));
    assert!(!v.is_valid(&long));
    assert!(validator(&draft_schema()).is_valid(&long));
}

#[test]
fn the_token_budget_covers_the_longest_valid_answer() {
    let full = draft_schema_for(SchemaDialect::Full);
    let chars = bounds::max_answer_chars(&full);
    // Build the longest answer the bounds allow and check the estimate is not below it.
    let mut longest = sample_draft();
    for bound in bounds::answer_bounds() {
        let text = json!("x".repeat(bound.max_chars as usize));
        match (bound.field, bound.max_items) {
            ("evidence", Some(n)) => {
                let item = json!({"field": "x".repeat(24), "quote": "x".repeat(160),
                    "source": "x".repeat(100)});
                longest["evidence"] = json!(vec![item; n as usize]);
            }
            ("field" | "quote" | "source", _) => {}
            (field, Some(n)) => longest[field] = json!(vec![text; n as usize]),
            (field, None) => longest[field] = text,
        }
    }
    longest["age"] = json!(i64::MIN);
    assert!(validator(&full).is_valid(&longest));
    let written = serde_json::to_string(&longest)
        .expect("json")
        .chars()
        .count();
    assert!(chars >= written, "estimate {chars} < {written}");
    assert!(
        chars < written + 200,
        "estimate {chars} far above {written}"
    );
    assert_eq!(answer_token_budget(&full), chars.div_ceil(3) as u32);
}
