//! Storage's state, who is asking, the error answers, and the routing of a request to the bucket
//! and object routes (`buckets.rs`, `objects.rs`). Every answer is built by these three files;
//! `mod.rs` only adds faults around it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::buckets::{
    create_bucket, delete_bucket, empty_bucket, get_bucket, list_buckets, update_bucket,
};
use super::http::{Request, Response};
use super::objects::object_route;
use super::{FakeKeys, StoredObject};

pub(super) const PREFIX: &str = "/storage/v1";
pub(super) const JSON_UTF8: &str = "application/json; charset=utf-8";
/// Keys longer than this make the recorded server fail with a 500 (transcript D39).
pub(super) const MAX_KEY_BYTES: usize = 1024;

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) buckets: BTreeMap<String, Bucket>,
}

#[derive(Debug)]
pub(super) struct Bucket {
    pub public: bool,
    pub(super) file_size_limit: Option<u64>,
    pub(super) allowed_mime_types: Option<Vec<String>>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) objects: BTreeMap<String, Object>,
}

#[derive(Debug, Clone)]
pub(super) struct Object {
    pub(super) id: String,
    pub(super) version: String,
    pub(super) body: Vec<u8>,
    pub(super) content_type: String,
    pub(super) cache_control: String,
    pub(super) metadata: Value,
    pub(super) created_at: DateTime<Utc>,
    pub(super) last_modified: DateTime<Utc>,
}

/// An answer, and what it did, for the fault layer and the statistics.
pub(super) struct Handled {
    pub response: Response,
    /// An object was written (created or replaced).
    pub wrote: bool,
    /// An upload was refused with `KeyAlreadyExists`.
    pub conflict: bool,
}

impl From<Response> for Handled {
    fn from(response: Response) -> Self {
        Self {
            response,
            wrote: false,
            conflict: false,
        }
    }
}

impl State {
    pub(super) fn add_bucket(
        &mut self,
        name: &str,
        public: bool,
        file_size_limit: Option<u64>,
        allowed_mime_types: Option<Vec<String>>,
    ) {
        let now = Utc::now();
        self.buckets.insert(
            name.to_owned(),
            Bucket {
                public,
                file_size_limit,
                allowed_mime_types,
                created_at: now,
                updated_at: now,
                objects: BTreeMap::new(),
            },
        );
    }

    pub(super) fn bucket(&self, name: &str) -> Option<&Bucket> {
        self.buckets.get(name)
    }

    pub(super) fn put_raw(&mut self, bucket: &str, key: &str, body: &[u8]) {
        if !self.buckets.contains_key(bucket) {
            self.add_bucket(bucket, false, None, None);
        }
        let objects = &mut self.buckets.get_mut(bucket).expect("just added").objects;
        objects.insert(
            key.to_owned(),
            new_object(
                None,
                body.to_vec(),
                "application/json",
                "no-cache",
                json!({}),
            ),
        );
    }

    pub(super) fn object(&self, bucket: &str, key: &str) -> Option<StoredObject> {
        let object = self.buckets.get(bucket)?.objects.get(key)?;
        Some(StoredObject {
            body: object.body.clone(),
            content_type: object.content_type.clone(),
            cache_control: object.cache_control.clone(),
            metadata: object.metadata.clone(),
        })
    }

    pub(super) fn keys(&self, bucket: &str) -> Vec<String> {
        self.buckets
            .get(bucket)
            .map(|b| b.objects.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Service,
    /// The anon key or a signed-in user: no storage policies exist, so they see and write
    /// nothing private.
    Restricted,
    /// No token, or one that failed, on a route that allows that.
    Nobody,
}

pub(super) fn authenticate(request: &Request, keys: &FakeKeys) -> Result<Role, Response> {
    let Some(value) = request.header("authorization") else {
        return Err(error(
            "400",
            "Error",
            "headers must have required property 'authorization'",
            "InvalidRequest",
        ));
    };
    // The scheme is optional and its case does not matter (transcript C11, G3).
    let token = match value.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => &value[7..],
        _ => value,
    };
    if token == keys.service {
        Ok(Role::Service)
    } else if token == keys.anon || token == keys.authenticated {
        Ok(Role::Restricted)
    } else if token == keys.expired_service {
        Err(denied("\"exp\" claim timestamp check failed"))
    } else if token.split('.').count() == 3 {
        Err(denied("signature verification failed"))
    } else {
        Err(denied("Invalid Compact JWS"))
    }
}

/// Routes that serve public buckets take a missing or bad token as nobody.
pub(super) fn authenticate_leniently(request: &Request, keys: &FakeKeys) -> Role {
    authenticate(request, keys).unwrap_or(Role::Nobody)
}

pub(super) fn error(status: &str, error: &str, message: &str, code: &str) -> Response {
    Response::json(
        400,
        &json!({"statusCode": status, "error": error, "message": message, "code": code}),
    )
}

pub(super) fn denied(message: &str) -> Response {
    error("403", "Unauthorized", message, "AccessDenied")
}

pub(super) fn row_level_security() -> Response {
    denied("new row violates row-level security policy")
}

pub(super) fn no_such_key() -> Response {
    error("404", "not_found", "Object not found", "NoSuchKey")
}

pub(super) fn no_such_bucket() -> Response {
    error(
        "404",
        "Bucket not found",
        "Bucket not found",
        "NoSuchBucket",
    )
}

pub(super) fn invalid_key(message: &str) -> Response {
    error("400", "InvalidKey", message, "InvalidKey")
}

pub(super) fn invalid_bucket_name() -> Response {
    error(
        "400",
        "Invalid Input",
        "Bucket name invalid",
        "InvalidBucketName",
    )
}

pub(super) fn message(text: &str) -> Response {
    Response::json(200, &json!({ "message": text }))
}

pub(super) fn not_implemented(request: &Request) -> Response {
    Response::json(
        501,
        &json!({"statusCode": "501", "error": "Not Implemented",
                "message": format!("the fake does not implement {} {}", request.method, request.path),
                "code": "NotImplemented"}),
    )
}

/// Answers one request.
pub(super) fn handle(state: &mut State, keys: &FakeKeys, request: &Request) -> Handled {
    let Some(route) = request.path.strip_prefix(PREFIX) else {
        // What the recorded nginx in front of Storage answers outside /storage/v1 (F7).
        return Response::with_body(
            404,
            "text/plain",
            "{\"message\":\"no route (use /storage/v1/...)\"}\n",
        )
        .into();
    };
    let method = request.method.as_str();
    if route == "/status" && method == "GET" {
        return Response {
            status: 200,
            headers: vec![("content-length".into(), "0".into())],
            body: Vec::new(),
            omit_body: false,
        }
        .into();
    }
    if route == "/health" {
        // As recorded (G10), keys in this order.
        return Response::json(
            400,
            &json!({"statusCode": "403", "code": "AccessDenied", "error": "Unauthorized",
                    "message": "Invalid Compact JWS"}),
        )
        .into();
    }
    if route == "/bucket" {
        return match method {
            "GET" => list_buckets(state, keys, request),
            "POST" => create_bucket(state, keys, request),
            _ => route_not_found(request, route),
        }
        .into();
    }
    if let Some(rest) = route.strip_prefix("/bucket/") {
        if let Some(id) = rest.strip_suffix("/empty")
            && method == "POST"
        {
            return empty_bucket(state, keys, request, &decode(id)).into();
        }
        let id = decode(rest);
        return match method {
            "GET" => get_bucket(state, keys, request, &id),
            "PUT" => update_bucket(state, keys, request, &id),
            "DELETE" => delete_bucket(state, keys, request, &id),
            _ => route_not_found(request, route),
        }
        .into();
    }
    if let Some(rest) = route.strip_prefix("/object/") {
        return object_route(state, keys, request, route, rest);
    }
    route_not_found(request, route).into()
}

pub(super) fn route_not_found(request: &Request, route: &str) -> Response {
    Response::with_body(
        404,
        "application/json",
        json!({"statusCode": "404", "error": "Not Found",
               "message": format!("Route {}:{route} not found", request.method),
               "code": "InvalidRequest"})
        .to_string(),
    )
}

pub(super) fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub(super) fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

pub(super) fn new_object(
    previous: Option<&Object>,
    body: Vec<u8>,
    content_type: &str,
    cache_control: &str,
    metadata: Value,
) -> Object {
    let now = Utc::now();
    Object {
        id: previous.map_or_else(|| uuid::Uuid::new_v4().to_string(), |p| p.id.clone()),
        version: uuid::Uuid::new_v4().to_string(),
        body,
        content_type: content_type.to_owned(),
        cache_control: cache_control.to_owned(),
        metadata,
        created_at: previous.map_or(now, |p| p.created_at),
        last_modified: now,
    }
}

/// The characters Storage allows in a key (its `isValidKey`), as the transcript's D cases show.
pub(super) fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_/!-.*'() &$@=;:+,?".contains(c))
}

pub(super) fn valid_bucket_name(name: &str) -> bool {
    !name.contains('/') && valid_key(name)
}

/// Percent-decodes a path segment (invalid UTF-8 is replaced, as it cannot be a valid key).
pub(super) fn decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
