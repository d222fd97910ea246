//! The object routes: upload and update, download, info and delete, with Storage's checks on
//! keys, content types, sizes and user metadata.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::FakeKeys;
use super::http::{Request, Response};
use super::storage::*;

pub(super) fn object_route(
    state: &mut State,
    keys: &FakeKeys,
    request: &Request,
    route: &str,
    rest: &str,
) -> Handled {
    let method = request.method.as_str();
    let head = method == "HEAD";
    let reads = matches!(method, "GET" | "HEAD");
    if let Some(bucket) = rest.strip_prefix("list-v2/")
        && method == "POST"
    {
        return super::lists::list_v2(state, keys, request, &decode(bucket)).into();
    }
    if ["list/", "list-v2/", "sign/", "upload/"]
        .iter()
        .any(|p| rest.starts_with(p))
        || matches!(rest, "move" | "copy")
    {
        return not_implemented(request).into();
    }
    let split = |path: &str| {
        path.split_once('/')
            .map(|(bucket, key)| (decode(bucket), decode(key)))
    };
    let (kind, path) = if let Some(p) = rest.strip_prefix("info/authenticated/") {
        (Route::Info { lenient: false }, p)
    } else if let Some(p) = rest.strip_prefix("info/") {
        (Route::Info { lenient: true }, p)
    } else if let Some(p) = rest.strip_prefix("authenticated/") {
        (Route::Read { lenient: false }, p)
    } else if let Some(p) = rest.strip_prefix("public/") {
        (Route::Public, p)
    } else {
        (Route::Plain, rest)
    };
    let Some((bucket, key)) = split(path) else {
        // DELETE /object/{bucket} with {prefixes}: the bulk delete.
        return if method == "DELETE" && kind == Route::Plain {
            not_implemented(request).into()
        } else {
            route_not_found(request, route).into()
        };
    };
    let response = match (kind, method) {
        (Route::Info { lenient }, "GET") => {
            let role = if lenient {
                authenticate_leniently(request, keys)
            } else {
                match authenticate(request, keys) {
                    Ok(role) => role,
                    Err(e) => return e.into(),
                }
            };
            find(state, role, &bucket, &key).map(|o| info(&bucket, &key, o))
        }
        (Route::Read { .. } | Route::Plain, _) if reads => {
            let role = if kind == Route::Plain {
                authenticate_leniently(request, keys)
            } else {
                match authenticate(request, keys) {
                    Ok(role) => role,
                    Err(e) => return e.into(),
                }
            };
            find(state, role, &bucket, &key).map(|o| download(request, o))
        }
        (Route::Public, _) if reads => match state.buckets.get(&bucket) {
            Some(b) if b.public => b
                .objects
                .get(&key)
                .map(|o| download(request, o))
                .ok_or_else(no_such_key),
            _ => Err(no_such_bucket()),
        },
        (Route::Plain, "POST" | "PUT") => {
            return write(state, keys, request, &bucket, &key, method == "PUT");
        }
        (Route::Plain, "DELETE") => delete_object(state, keys, request, &bucket, &key),
        _ => Err(route_not_found(request, route)),
    };
    let mut response = response.unwrap_or_else(|e| e);
    response.omit_body = head;
    response.into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Info { lenient: bool },
    Read { lenient: bool },
    Public,
    Plain,
}

/// The object a reader may see, or the error the server gives that reader.
pub(super) fn find<'a>(
    state: &'a State,
    role: Role,
    bucket: &str,
    key: &str,
) -> Result<&'a Object, Response> {
    let found = state.buckets.get(bucket);
    match (role, found) {
        (_, None) | (Role::Nobody, Some(Bucket { public: false, .. })) => Err(no_such_bucket()),
        (Role::Restricted, Some(Bucket { public: false, .. })) => Err(no_such_key()),
        (_, Some(b)) => {
            if !valid_key(key) {
                return Err(invalid_key(&format!("Invalid key: {key}")));
            }
            b.objects.get(key).ok_or_else(no_such_key)
        }
    }
}

pub(super) fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

pub(super) fn download(request: &Request, object: &Object) -> Response {
    let tag = etag(&object.body);
    let mut status = 200;
    let mut body = object.body.clone();
    let mut extra = Vec::new();
    if request.header("if-none-match") == Some(tag.as_str()) {
        status = 304;
        body.clear();
    } else if let Some((start, end)) = request.header("range").and_then(parse_range) {
        let end = end.min(object.body.len().saturating_sub(1));
        if start <= end {
            status = 206;
            body = object.body[start..=end].to_vec();
            extra.push((
                "content-range".to_owned(),
                format!("bytes {start}-{end}/{}", object.body.len()),
            ));
        }
    }
    if let Some(name) = request.query_param("download").filter(|n| !n.is_empty()) {
        extra.push((
            "content-disposition".to_owned(),
            format!("attachment; filename={name}; filename*=UTF-8''{name}"),
        ));
    }
    let mut headers = vec![
        ("accept-ranges".to_owned(), "bytes".to_owned()),
        ("content-type".to_owned(), object.content_type.clone()),
        ("etag".to_owned(), tag),
        ("x-robots-tag".to_owned(), "none".to_owned()),
        ("last-modified".to_owned(), http_date(object.last_modified)),
        ("content-length".to_owned(), body.len().to_string()),
        ("cache-control".to_owned(), object.cache_control.clone()),
    ];
    headers.extend(extra);
    Response {
        status,
        headers,
        body,
        omit_body: false,
    }
}

/// `bytes=A-B` (both given).
pub(super) fn parse_range(value: &str) -> Option<(usize, usize)> {
    let (a, b) = value.strip_prefix("bytes=")?.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

pub(super) fn info(bucket: &str, key: &str, object: &Object) -> Response {
    let tag = etag(&object.body);
    let body = json!({
        "id": object.id, "name": key, "version": object.version, "bucket_id": bucket,
        "size": object.body.len(), "content_type": object.content_type,
        "cache_control": object.cache_control, "etag": tag, "metadata": object.metadata,
        "last_modified": timestamp(object.last_modified), "created_at": timestamp(object.created_at),
    })
    .to_string();
    Response {
        status: 200,
        headers: vec![
            ("content-type".into(), JSON_UTF8.into()),
            ("etag".into(), tag),
            ("last-modified".into(), http_date(object.last_modified)),
            ("cache-control".into(), object.cache_control.clone()),
            ("content-length".into(), body.len().to_string()),
        ],
        body: body.into_bytes(),
        omit_body: false,
    }
}

/// An upload (`POST`, refusing an existing key unless `x-upsert` is exactly `true`) or an update
/// (`PUT`, which replaces or creates).
pub(super) fn write(
    state: &mut State,
    keys: &FakeKeys,
    request: &Request,
    bucket_name: &str,
    key: &str,
    update: bool,
) -> Handled {
    let role = match authenticate(request, keys) {
        Ok(role) => role,
        Err(e) => return e.into(),
    };
    if !valid_bucket_name(bucket_name) {
        return invalid_bucket_name().into();
    }
    let Some(bucket) = state.buckets.get_mut(bucket_name) else {
        return no_such_bucket().into();
    };
    if let Err(e) = check_key(bucket_name, key) {
        return e.into();
    }
    if role != Role::Service {
        return row_level_security().into();
    }
    let content_type = request
        .header("content-type")
        .unwrap_or("application/octet-stream");
    if let Some(allowed) = bucket.allowed_mime_types.as_ref().filter(|a| !a.is_empty())
        && !allowed.iter().any(|a| mime_allowed(a, content_type))
    {
        return error(
            "415",
            "invalid_mime_type",
            &format!("mime type {content_type} is not supported"),
            "InvalidMimeType",
        )
        .into();
    }
    if bucket
        .file_size_limit
        .is_some_and(|limit| request.body.len() as u64 > limit)
    {
        return error(
            "413",
            "Payload too large",
            "The object exceeded the maximum allowed size",
            "EntityTooLarge",
        )
        .into();
    }
    let metadata = match user_metadata(request.header("x-metadata")) {
        Ok(m) => m,
        Err(e) => return e.into(),
    };
    let previous = bucket.objects.get(key);
    let upsert = update || request.header("x-upsert") == Some("true");
    if previous.is_some() && !upsert {
        return Handled {
            response: error(
                "409",
                "Duplicate",
                "The resource already exists",
                "KeyAlreadyExists",
            ),
            wrote: false,
            conflict: true,
        };
    }
    let object = new_object(
        previous,
        request.body.clone(),
        content_type,
        request.header("cache-control").unwrap_or("no-cache"),
        metadata,
    );
    let id = object.id.clone();
    bucket.objects.insert(key.to_owned(), object);
    Handled {
        response: Response::json(
            200,
            &json!({"Key": format!("{bucket_name}/{key}"), "Id": id}),
        ),
        wrote: true,
        conflict: false,
    }
}

/// An exact type, or a `type/*` wildcard.
pub(super) fn mime_allowed(allowed: &str, given: &str) -> bool {
    match allowed.strip_suffix("/*") {
        Some(family) => given
            .strip_prefix(family)
            .is_some_and(|rest| rest.starts_with('/')),
        None => allowed == given,
    }
}

/// `x-metadata`: base64 of a JSON object. Not base64 (or not JSON) is stored as `{}` (A16, G12);
/// JSON that is not an object is refused (F17).
pub(super) fn user_metadata(header: Option<&str>) -> Result<Value, Response> {
    let Some(bytes) = header.and_then(|h| BASE64.decode(h).ok()) else {
        return Ok(json!({}));
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(value @ Value::Object(_)) => Ok(jsonb_order(value)),
        Ok(_) => Err(error(
            "400",
            "InvalidParameter",
            "invalid input syntax for type json",
            "InvalidParameter",
        )),
        Err(_) => Ok(json!({})),
    }
}

/// Postgres `jsonb` key order: shorter keys first, then bytewise (A14 shows it).
pub(super) fn jsonb_order(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, jsonb_order(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(jsonb_order).collect()),
        other => other,
    }
}

/// The checks an upload's key goes through, in the server's order.
pub(super) fn check_key(bucket: &str, key: &str) -> Result<(), Response> {
    if !valid_key(key) {
        return Err(invalid_key(&format!("Invalid key: {key}")));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(Response::json(
            500,
            &json!({"statusCode": "500", "error": "Internal",
                    "message": "Internal Server Error", "code": "InternalError"}),
        ));
    }
    if key.split('/').any(|s| s == "." || s == "..") {
        return Err(invalid_key(&format!(
            "Invalid key: stub/stub/{bucket}/{key}/{} contains dot path segment",
            uuid::Uuid::new_v4()
        )));
    }
    Ok(())
}

pub(super) fn delete_object(
    state: &mut State,
    keys: &FakeKeys,
    request: &Request,
    bucket: &str,
    key: &str,
) -> Result<Response, Response> {
    if authenticate(request, keys)? != Role::Service {
        return Err(denied("Access denied"));
    }
    let objects = &mut state
        .buckets
        .get_mut(bucket)
        .ok_or_else(no_such_key)?
        .objects;
    objects.remove(key).ok_or_else(no_such_key)?;
    Ok(message("Successfully deleted"))
}
