//! The Storage API's wire: the bucket shapes this adapter reads and writes, and the one mapping
//! from an answer (or a transport failure) to a [`Fault`].
//!
//! Storage answers almost every error with HTTP 400 and the real status as a *string* in the body:
//! `{"statusCode":"404","error":"not_found","message":"Object not found","code":"NoSuchKey"}`. So a
//! fault is classified by `code` first, then by `statusCode`, and only then by the HTTP status
//! (which is all a gateway 502/503 or a dropped connection leaves us).

use std::fmt;

use persona_ports::{IdTag, PersonaId};
use serde::{Deserialize, Serialize};

/// What `GET /bucket/{id}` says about a bucket; only the fields this adapter checks.
#[derive(Debug, Deserialize)]
pub(crate) struct Bucket {
    pub public: bool,
    #[serde(default)]
    pub file_size_limit: Option<u64>,
    #[serde(default)]
    pub allowed_mime_types: Option<Vec<String>>,
}

/// The body of `POST /bucket`. `file_size_limit` is a number of bytes: the server reads the
/// string `"5MB"` as 5,000,000.
#[derive(Debug, Serialize)]
pub(crate) struct NewBucket<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub public: bool,
    pub file_size_limit: u64,
    pub allowed_mime_types: [&'a str; 1],
}

/// An error body. `statusCode` is a string on the recorded server; a number is accepted too.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(default)]
    status_code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// What kind of failure an answer is, in the terms the adapter decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind {
    NoSuchKey,
    KeyAlreadyExists,
    BucketAlreadyExists,
    EntityTooLarge,
    /// The bucket is missing, or (on a private bucket) the key cannot see it.
    NoSuchBucket,
    /// The key was refused: a bad or expired token, or a role without rights.
    Denied,
    /// May clear up on its own: 5xx, 408, 429, timeouts, refused or dropped connections.
    Temporary,
    /// Anything else: the request itself is wrong, retrying will not help.
    Rejected,
}

/// A failed call: its kind plus what to log. Never holds the key or a persona's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    pub kind: FaultKind,
    /// The upstream status (from `statusCode` when present); 0 when no answer arrived.
    pub status: u16,
    /// The upstream `code`, or a transport label (`timeout`, `connect`, `transport`).
    pub code: String,
    pub message: String,
}

impl Fault {
    /// Classifies an answer that was not a success.
    pub(crate) fn from_answer(http_status: u16, body: &[u8]) -> Self {
        let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
        let status = parsed
            .status_code
            .as_ref()
            .and_then(|v| match v {
                serde_json::Value::String(s) => s.parse().ok(),
                serde_json::Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
                _ => None,
            })
            .unwrap_or(http_status);
        let code = parsed.code.unwrap_or_default();
        let kind = match code.as_str() {
            "NoSuchKey" => FaultKind::NoSuchKey,
            "KeyAlreadyExists" => FaultKind::KeyAlreadyExists,
            "BucketAlreadyExists" => FaultKind::BucketAlreadyExists,
            "EntityTooLarge" => FaultKind::EntityTooLarge,
            "NoSuchBucket" => FaultKind::NoSuchBucket,
            "AccessDenied" | "InvalidJWT" | "Unauthorized" => FaultKind::Denied,
            _ => match status {
                401 | 403 => FaultKind::Denied,
                408 | 429 | 500..=599 => FaultKind::Temporary,
                _ if http_status >= 500 => FaultKind::Temporary,
                _ => FaultKind::Rejected,
            },
        };
        Self {
            kind,
            status,
            code,
            message: parsed.message.unwrap_or_default(),
        }
    }

    /// A call that got no complete answer. All of these may clear up, and for an upload all of
    /// them may have happened after the server stored the object.
    ///
    /// The message leaves the URL out (it names the object, so it holds the persona id, which
    /// must not reach a log) and keeps the causes, which say what went wrong.
    pub(crate) fn from_transport(e: reqwest::Error) -> Self {
        let code = if e.is_timeout() {
            "timeout"
        } else if e.is_connect() {
            "connect"
        } else {
            "transport"
        };
        let e = e.without_url();
        let mut message = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(inner) = cause {
            message.push_str(": ");
            message.push_str(&inner.to_string());
            cause = inner.source();
        }
        Self::temporary(code, message)
    }

    /// The same fault with every mention of `id` in the upstream's message replaced by its tag:
    /// the message is logged, and the id is the key to the persona.
    pub(crate) fn without_id(mut self, id: &PersonaId) -> Self {
        if self.message.contains(id.as_str()) {
            self.message = self
                .message
                .replace(id.as_str(), &format!("<id {}>", IdTag::of(id)));
        }
        self
    }

    pub(crate) fn temporary(code: &str, message: impl Into<String>) -> Self {
        Self {
            kind: FaultKind::Temporary,
            status: 0,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn is_retryable(&self) -> bool {
        self.kind == FaultKind::Temporary
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} (status {}, code {:?}",
            self.kind, self.status, self.code
        )?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(http: u16, body: &str) -> FaultKind {
        Fault::from_answer(http, body.as_bytes()).kind
    }

    #[test]
    fn codes_decide_before_statuses() {
        // Bodies as recorded in the transcript (B15, A8, D2, B18, A3).
        let cases = [
            (
                r#"{"statusCode":"404","error":"not_found","message":"Object not found","code":"NoSuchKey"}"#,
                FaultKind::NoSuchKey,
            ),
            (
                r#"{"statusCode":"409","error":"Duplicate","message":"The resource already exists","code":"KeyAlreadyExists"}"#,
                FaultKind::KeyAlreadyExists,
            ),
            (
                r#"{"statusCode":"413","error":"Payload too large","message":"The object exceeded the maximum allowed size","code":"EntityTooLarge"}"#,
                FaultKind::EntityTooLarge,
            ),
            (
                r#"{"statusCode":"404","error":"Bucket not found","message":"Bucket not found","code":"NoSuchBucket"}"#,
                FaultKind::NoSuchBucket,
            ),
            (
                r#"{"statusCode":"409","error":"Duplicate","message":"The resource already exists","code":"BucketAlreadyExists"}"#,
                FaultKind::BucketAlreadyExists,
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(kind(400, body), expected, "{body}");
        }
    }

    #[test]
    fn auth_failures_are_denied() {
        // C8, C10, C18 and F11 of the transcript.
        for body in [
            r#"{"statusCode":"403","error":"Unauthorized","message":"Invalid Compact JWS","code":"AccessDenied"}"#,
            r#"{"statusCode":"403","error":"Unauthorized","message":"\"exp\" claim timestamp check failed","code":"AccessDenied"}"#,
            r#"{"statusCode":"403","error":"Unauthorized","message":"new row violates row-level security policy","code":"AccessDenied"}"#,
            r#"{"statusCode":"400","error":"InvalidJWT","message":"signature verification failed","code":"InvalidJWT"}"#,
            r#"{"statusCode":"401","error":"x","message":"y","code":"SomethingNew"}"#,
        ] {
            assert_eq!(kind(400, body), FaultKind::Denied, "{body}");
        }
    }

    #[test]
    fn the_status_in_the_body_beats_the_http_status() {
        let fault = Fault::from_answer(
            400,
            br#"{"statusCode":"500","error":"Internal","message":"Internal Server Error","code":"InternalError"}"#,
        );
        assert_eq!(fault.kind, FaultKind::Temporary);
        assert_eq!(fault.status, 500);
        assert_eq!(fault.code, "InternalError");
        assert_eq!(
            kind(400, r#"{"statusCode":503,"code":"SlowDown"}"#),
            FaultKind::Temporary
        );
        assert_eq!(
            kind(400, r#"{"statusCode":"429","code":"TooMany"}"#),
            FaultKind::Temporary
        );
    }

    #[test]
    fn a_gateway_error_without_a_json_body_is_temporary() {
        assert_eq!(kind(503, "<html>busy</html>"), FaultKind::Temporary);
        assert_eq!(kind(502, ""), FaultKind::Temporary);
    }

    #[test]
    fn a_request_the_server_finds_wrong_is_rejected_not_retried() {
        // D8: the charset suffix is refused.
        let fault = Fault::from_answer(
            400,
            br#"{"statusCode":"415","error":"invalid_mime_type","message":"mime type application/json; charset=utf-8 is not supported","code":"InvalidMimeType"}"#,
        );
        assert_eq!(fault.kind, FaultKind::Rejected);
        assert!(!fault.is_retryable());
        assert_eq!(kind(404, "not json"), FaultKind::Rejected);
    }
}
