//! The bucket routes: list, get, create, update, delete and empty.

use chrono::Utc;
use serde_json::{Value, json};

use super::FakeKeys;
use super::http::{Request, Response};
use super::storage::*;

pub(super) fn bucket_json(id: &str, bucket: &Bucket, with_type: bool) -> Value {
    let mut value = json!({"id": id, "name": id, "owner": "", "public": bucket.public});
    let map = value.as_object_mut().expect("an object");
    if with_type {
        map.insert("type".into(), json!("STANDARD"));
    }
    map.insert("file_size_limit".into(), json!(bucket.file_size_limit));
    map.insert(
        "allowed_mime_types".into(),
        json!(bucket.allowed_mime_types),
    );
    map.insert("created_at".into(), json!(timestamp(bucket.created_at)));
    map.insert("updated_at".into(), json!(timestamp(bucket.updated_at)));
    value
}

pub(super) fn list_buckets(state: &State, keys: &FakeKeys, request: &Request) -> Response {
    match authenticate(request, keys) {
        Err(e) => e,
        Ok(Role::Service) => {
            let offset = request
                .query_param("offset")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let limit = request
                .query_param("limit")
                .and_then(|v| v.parse().ok())
                .unwrap_or(usize::MAX);
            let list: Vec<Value> = state
                .buckets
                .iter()
                .skip(offset)
                .take(limit)
                .map(|(id, b)| bucket_json(id, b, true))
                .collect();
            Response::json(200, &Value::Array(list))
        }
        Ok(_) => Response::json(200, &json!([])),
    }
}

pub(super) fn get_bucket(state: &State, keys: &FakeKeys, request: &Request, id: &str) -> Response {
    match authenticate(request, keys) {
        Err(e) => e,
        Ok(Role::Service) => state.buckets.get(id).map_or_else(no_such_bucket, |b| {
            Response::json(200, &bucket_json(id, b, false))
        }),
        Ok(_) => no_such_bucket(),
    }
}

/// `file_size_limit` as a number of bytes, or a string with a unit (`"5MB"` is 5,000,000).
pub(super) fn parse_size(value: &Value) -> Option<Option<u64>> {
    match value {
        Value::Null => Some(None),
        Value::Number(n) => n.as_u64().map(Some),
        Value::String(s) => {
            let s = s.trim().to_ascii_uppercase();
            let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            let factor = match s[digits.len()..].trim() {
                "" | "B" => 1,
                "KB" => 1_000,
                "MB" => 1_000_000,
                "GB" => 1_000_000_000,
                _ => return None,
            };
            digits.trim().parse::<u64>().ok().map(|n| Some(n * factor))
        }
        _ => None,
    }
}

pub(super) fn mime_types(value: &Value) -> Option<Vec<String>> {
    value.as_array().map(|types| {
        types
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect()
    })
}

pub(super) fn invalid_body() -> Response {
    error("400", "Error", "body must be object", "InvalidRequest")
}

pub(super) fn create_bucket(state: &mut State, keys: &FakeKeys, request: &Request) -> Response {
    let role = match authenticate(request, keys) {
        Ok(role) => role,
        Err(e) => return e,
    };
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return invalid_body();
    };
    if role != Role::Service {
        return row_level_security();
    }
    let Some(name) = body["name"].as_str().or(body["id"].as_str()) else {
        return error(
            "400",
            "Error",
            "body must have required property 'name'",
            "InvalidRequest",
        );
    };
    let id = body["id"].as_str().unwrap_or(name).to_owned();
    if !valid_bucket_name(&id) || id.len() > 100 {
        return invalid_bucket_name();
    }
    if state.buckets.contains_key(&id) {
        return error(
            "409",
            "Duplicate",
            "The resource already exists",
            "BucketAlreadyExists",
        );
    }
    let Some(limit) = parse_size(&body["file_size_limit"]) else {
        return error("400", "Error", "invalid file_size_limit", "InvalidRequest");
    };
    let public = body["public"].as_bool().unwrap_or(false);
    state.add_bucket(&id, public, limit, mime_types(&body["allowed_mime_types"]));
    Response::json(200, &json!({ "name": id }))
}

pub(super) fn update_bucket(
    state: &mut State,
    keys: &FakeKeys,
    request: &Request,
    id: &str,
) -> Response {
    let role = match authenticate(request, keys) {
        Ok(role) => role,
        Err(e) => return e,
    };
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return invalid_body();
    };
    if role != Role::Service {
        return row_level_security();
    }
    let Some(bucket) = state.buckets.get_mut(id) else {
        return no_such_bucket();
    };
    if let Some(public) = body["public"].as_bool() {
        bucket.public = public;
    }
    if body.get("file_size_limit").is_some() {
        match parse_size(&body["file_size_limit"]) {
            Some(limit) => bucket.file_size_limit = limit,
            None => return error("400", "Error", "invalid file_size_limit", "InvalidRequest"),
        }
    }
    if body.get("allowed_mime_types").is_some() {
        bucket.allowed_mime_types = mime_types(&body["allowed_mime_types"]);
    }
    bucket.updated_at = Utc::now();
    message("Successfully updated")
}

pub(super) fn delete_bucket(
    state: &mut State,
    keys: &FakeKeys,
    request: &Request,
    id: &str,
) -> Response {
    match authenticate(request, keys) {
        Err(e) => return e,
        Ok(Role::Service) => {}
        Ok(_) => return row_level_security(),
    }
    match state.buckets.get(id) {
        None => no_such_bucket(),
        Some(b) if !b.objects.is_empty() => error(
            "409",
            "ResourceNotEmpty",
            "The bucket you tried to delete is not empty",
            "ResourceNotEmpty",
        ),
        Some(_) => {
            state.buckets.remove(id);
            message("Successfully deleted")
        }
    }
}

pub(super) fn empty_bucket(
    state: &mut State,
    keys: &FakeKeys,
    request: &Request,
    id: &str,
) -> Response {
    match authenticate(request, keys) {
        Err(e) => return e,
        Ok(Role::Service) => {}
        Ok(_) => return row_level_security(),
    }
    match state.buckets.get_mut(id) {
        None => no_such_bucket(),
        Some(b) => {
            b.objects.clear();
            message("Empty bucket has been queued. Completion may take up to an hour.")
        }
    }
}
