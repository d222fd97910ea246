//! The envelope: every answer as a [`Response`], `{"success": true, "data": …}` or
//! `{"success": false, "error": {…}}` with the headers an error carries (`Retry-After`,
//! `Allow`). What each error says is decided in [`crate::error`]; this only writes it.

use serde::Serialize;
use serde_json::json;

use crate::error::ApiError;
use crate::{Operation, Response};

/// A successful answer before it becomes a response.
pub(crate) enum Answer {
    Data {
        status: u16,
        body: Vec<u8>,
    },
    /// A document generated once at start (the OpenAPI document, a JSON Schema).
    Document(&'static [u8]),
    NoContent,
    /// 202: a background job was queued; `location` is where to follow it.
    Accepted {
        body: Vec<u8>,
        location: String,
    },
}

impl Answer {
    pub(crate) fn ok(data: &impl Serialize) -> Self {
        Self::Data {
            status: 200,
            body: envelope(data),
        }
    }

    pub(crate) fn created(data: &impl Serialize) -> Self {
        Self::Data {
            status: 201,
            body: envelope(data),
        }
    }

    pub(crate) fn accepted(data: &impl Serialize, location: String) -> Self {
        Self::Accepted {
            body: envelope(data),
            location,
        }
    }

    pub(crate) fn into_response(self, operation: Option<Operation>) -> Response {
        match self {
            Self::Data { status, body } => Response {
                status,
                headers: vec![("content-type".into(), "application/json".into())],
                body,
            },
            Self::Document(body) => Response {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.to_vec(),
            },
            Self::Accepted { body, location } => Response {
                status: 202,
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("location".into(), location),
                    ("preference-applied".into(), "respond-async".into()),
                ],
                body,
            },
            Self::NoContent => Response {
                status: 204,
                headers: operation
                    .map(|op| vec![("allow".into(), allow(op).into())])
                    .unwrap_or_default(),
                body: Vec::new(),
            },
        }
    }
}

fn envelope(data: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(&json!({ "success": true, "data": data }))
        .expect("API data always serialises")
}

/// The envelope's `error`, with the request id it is logged under (also what a failed job
/// keeps).
pub(crate) fn error_body(error: &ApiError, request_id: &str) -> serde_json::Value {
    json!({
        "code": error.code,
        "message": error.message,
        "request_id": request_id,
        "retryable": error.retryable,
        "details": error.details,
    })
}

/// `error` in the envelope, with the request id it is logged under.
pub(crate) fn error_response(error: &ApiError, request_id: &str) -> Response {
    let body = json!({ "success": false, "error": error_body(error, request_id) });
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    if let Some(wait) = error.retry_after {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        headers.push(("retry-after".into(), seconds.max(1).to_string()));
    }
    if let Some(allow) = error.allow {
        headers.push(("allow".into(), allow.into()));
    }
    Response {
        status: error.status,
        headers,
        body: serde_json::to_vec(&body).expect("an envelope always serialises"),
    }
}

/// The `Allow` header of `operation`: its method, `HEAD` for a `GET`, and `OPTIONS`.
pub(crate) fn allow(operation: Operation) -> &'static str {
    match operation.method() {
        "POST" => "POST, OPTIONS",
        _ => "GET, HEAD, OPTIONS",
    }
}
