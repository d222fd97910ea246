//! `POST /object/list-v2/{bucket}`, as transcript part 2 recorded it (A22–A33): a name prefix
//! matched case-sensitively, byte order, folders (with `with_delimiter`) counted toward `limit`,
//! and a cursor that is base64 of `l:{last name}` (then `\no:asc` once a cursor was given).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use super::FakeKeys;
use super::http::{Request, Response};
use super::objects::etag;
use super::storage::{Object, Role, State, authenticate, error, timestamp};

/// The page size when the request names none.
const DEFAULT_LIMIT: usize = 1000;

/// One entry of a listing, by its full name: an object, or a folder (`{name}/`).
enum Entry<'a> {
    Object(&'a str, &'a Object),
    Folder(String),
}

impl Entry<'_> {
    fn name(&self) -> &str {
        match self {
            Entry::Object(name, _) => name,
            Entry::Folder(name) => name,
        }
    }
}

pub(super) fn list_v2(state: &State, keys: &FakeKeys, request: &Request, bucket: &str) -> Response {
    let role = match authenticate(request, keys) {
        Ok(role) => role,
        Err(e) => return e,
    };
    let query: Value = serde_json::from_slice(&request.body).unwrap_or_else(|_| json!({}));
    let prefix = query["prefix"].as_str().unwrap_or_default();
    let limit = query["limit"]
        .as_u64()
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(DEFAULT_LIMIT);
    let delimited = query["with_delimiter"].as_bool().unwrap_or(false);
    let given_cursor = query["cursor"].as_str();
    let after = match given_cursor.map(decode_cursor) {
        None => None,
        Some(Some(after)) => Some(after),
        Some(None) => {
            return error(
                "400",
                "InvalidParameter",
                "Invalid Parameter continuation token",
                "InvalidParameter",
            );
        }
    };
    // The anon key on a private bucket, and a missing bucket, see an empty page (A33).
    let objects = match state.buckets.get(bucket) {
        Some(b) if role == Role::Service || b.public => &b.objects,
        _ => {
            return Response::json(
                200,
                &json!({"hasNext": false, "folders": [], "objects": []}),
            );
        }
    };
    // Names within a listing are relative to the prefix's folder (up to its last '/'): a prefix
    // without a trailing slash is a plain name prefix there (A28).
    let folder_of_prefix = &prefix[..prefix.rfind('/').map_or(0, |i| i + 1)];
    let mut entries: Vec<Entry<'_>> = Vec::new();
    for (name, object) in objects.range(prefix.to_owned()..) {
        if !name.starts_with(prefix) {
            break;
        }
        match name[folder_of_prefix.len()..].split_once('/') {
            Some((folder, _)) if delimited => {
                let folder = format!("{folder_of_prefix}{folder}/");
                if !entries.iter().any(|e| e.name() == folder) {
                    entries.push(Entry::Folder(folder));
                }
            }
            _ => entries.push(Entry::Object(name, object)),
        }
    }
    entries.sort_by(|a, b| a.name().cmp(b.name()));
    entries.retain(|e| after.as_deref().is_none_or(|after| e.name() > after));
    let has_next = entries.len() > limit;
    entries.truncate(limit);
    let (mut folders, mut listed) = (Vec::new(), Vec::new());
    for entry in &entries {
        match entry {
            Entry::Folder(name) => folders.push(folder(folder_of_prefix, name)),
            Entry::Object(name, object) => {
                listed.push(object_entry(folder_of_prefix, name, object, delimited));
            }
        }
    }
    let mut answer = json!({"hasNext": has_next});
    if has_next && let Some(last) = entries.last() {
        let suffix = if given_cursor.is_some() {
            "\no:asc"
        } else {
            ""
        };
        answer["nextCursor"] = BASE64.encode(format!("l:{}{suffix}", last.name())).into();
        answer["nextCursorKey"] = last.name().into();
    }
    answer["folders"] = folders.into();
    answer["objects"] = listed.into();
    Response::json(200, &answer)
}

/// The name a cursor continues after, or `None` when it is not a cursor (A31).
fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = BASE64.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let name = text.strip_prefix("l:")?;
    Some(name.split('\n').next().unwrap_or_default().to_owned())
}

fn folder(prefix: &str, name: &str) -> Value {
    let key = name[prefix.len()..].trim_end_matches('/');
    json!({"key": key, "name": name, "id": null, "updated_at": null, "created_at": null,
           "last_accessed_at": null, "metadata": null})
}

fn object_entry(prefix: &str, name: &str, object: &Object, delimited: bool) -> Value {
    let size = object.body.len();
    let mut entry = json!({
        "name": name, "id": object.id,
        "updated_at": timestamp(object.last_modified),
        "created_at": timestamp(object.created_at),
        "last_accessed_at": timestamp(object.last_modified),
        "metadata": {"eTag": etag(&object.body), "size": size, "mimetype": object.content_type,
                     "cacheControl": object.cache_control,
                     "lastModified": timestamp(object.last_modified),
                     "contentLength": size, "httpStatusCode": 200},
    });
    // A delimited listing names each object within the prefix too (A22); a recursive one does
    // not (A25).
    if delimited {
        entry["key"] = name[prefix.len()..].into();
    }
    entry
}
