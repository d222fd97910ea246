//! [`RecordStore`] for [`SupabaseStore`]: each record an object `{kind}/{key}.json` in the same
//! private bucket as the personas (`jobs/…`, `process-cache/…`; a persona is `{id}.json` at the
//! root, so neither can take the other's name).
//!
//! - put: `POST /object/{bucket}/{kind}/{key}.json` with `x-upsert: true`, which replaces in one
//!   call (transcript part 2, D11 and D13). Replacing is idempotent, so every failure that may
//!   clear up is retried within the deadline, even one that may have landed.
//! - get: `GET /object/authenticated/…`; `NoSuchKey` is `None` (part 2, B2).
//! - delete: `DELETE /object/{bucket}/…`; `NoSuchKey` (a second delete, B4) is success.
//! - list: `POST /object/list-v2/{bucket}` with `with_delimiter`, which matches the prefix
//!   case-sensitively and sorts by bytes, as keys sort (A22–A24, A29; list v1 ignores case, A19).
//!   Its cursor is opaque, so a listing that starts after a key pages from the start of the kind
//!   and skips what sorts before: sweeps are rare and a kind holds only the records within
//!   their TTL.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use persona_ports::{
    RecordEntry, RecordKey, RecordKind, RecordStore, StoreError, check_record_size,
};
use reqwest::Method;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};
use serde::Deserialize;
use tracing::debug;

use crate::wire::{Fault, FaultKind};
use crate::{JSON, OBJECT_CACHE_CONTROL, SupabaseStore};

/// How many entries one list-v2 call asks for.
const LIST_PAGE: usize = 100;

/// A list-v2 answer (part 2, A22): the page, and the cursor to the next one when there is one.
#[derive(Debug, Deserialize)]
struct ListPage {
    #[serde(rename = "hasNext", default)]
    has_next: bool,
    #[serde(rename = "nextCursor", default)]
    next_cursor: Option<String>,
    #[serde(default)]
    objects: Vec<ListedObject>,
}

/// An object in a delimited listing: `key` is its name within the prefix.
#[derive(Debug, Deserialize)]
struct ListedObject {
    key: Option<String>,
    #[serde(default)]
    updated_at: Option<DateTime<Utc>>,
}

impl SupabaseStore {
    /// A record's object name within the bucket; a key is 1–80 characters of `A-Za-z0-9_-`,
    /// so it needs no escaping and names nothing outside its kind.
    fn record_name(&self, kind: RecordKind, key: &RecordKey) -> String {
        format!("{}/{}/{}.json", self.bucket, kind.prefix(), key.as_str())
    }

    /// The port error for a record's fault; a key (a job id is a bearer capability) is taken
    /// out of the upstream's message before anything can log it.
    fn record_error(&self, mut fault: Fault, key: &RecordKey, size: u64) -> StoreError {
        fault.message = fault.message.replace(key.as_str(), "<key>");
        self.fault_error(fault, size)
    }

    /// One list-v2 call under `kind`'s prefix.
    async fn list_page(
        &self,
        kind: RecordKind,
        cursor: Option<&str>,
        timeout: Duration,
    ) -> Result<ListPage, Fault> {
        let mut body = serde_json::json!({
            "prefix": format!("{}/", kind.prefix()),
            "limit": LIST_PAGE,
            "with_delimiter": true,
        });
        if let Some(cursor) = cursor {
            body["cursor"] = cursor.into();
        }
        let path = format!("/object/list-v2/{}", self.bucket);
        let request = self
            .request(Method::POST, &path, timeout)
            .header(CONTENT_TYPE, JSON)
            .body(body.to_string());
        let bytes = self.call(request).await?;
        serde_json::from_slice(&bytes).map_err(|e| Fault {
            kind: FaultKind::Rejected,
            status: 200,
            code: "UnreadableListing".into(),
            message: format!("the listing is not the recorded shape: {e}"),
        })
    }
}

#[async_trait]
impl RecordStore for SupabaseStore {
    fn name(&self) -> &'static str {
        "supabase"
    }

    #[tracing::instrument(name = "supabase.record_put", skip_all, fields(kind = kind.prefix()))]
    async fn put(
        &self,
        kind: RecordKind,
        key: &RecordKey,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
        check_record_size(&bytes, self.max_document_bytes)?;
        let size = bytes.len() as u64;
        let path = &format!("/object/{}", self.record_name(kind, key));
        let bytes = &bytes;
        self.in_bucket("record_put", |_, timeout| async move {
            let request = self
                .request(Method::POST, path, timeout)
                .header(CONTENT_TYPE, JSON)
                .header(CACHE_CONTROL, OBJECT_CACHE_CONTROL)
                .header("x-upsert", "true")
                .body(bytes.clone());
            self.call(request).await.map(|_| ())
        })
        .await?
        .map_err(|fault| self.record_error(fault, key, size))?;
        debug!(size, "record stored");
        Ok(())
    }

    #[tracing::instrument(name = "supabase.record_get", skip_all, fields(kind = kind.prefix()))]
    async fn get(&self, kind: RecordKind, key: &RecordKey) -> Result<Option<Vec<u8>>, StoreError> {
        let path = &format!("/object/authenticated/{}", self.record_name(kind, key));
        let result = self
            .in_bucket("record_get", |_, timeout| {
                self.call(self.request(Method::GET, path, timeout))
            })
            .await?;
        match result {
            Ok(bytes) => Ok(Some(bytes)),
            Err(fault) if fault.kind == FaultKind::NoSuchKey => Ok(None),
            Err(fault) => Err(self.record_error(fault, key, 0)),
        }
    }

    #[tracing::instrument(name = "supabase.record_delete", skip_all, fields(kind = kind.prefix()))]
    async fn delete(&self, kind: RecordKind, key: &RecordKey) -> Result<(), StoreError> {
        let path = &format!("/object/{}", self.record_name(kind, key));
        let result = self
            .in_bucket("record_delete", |_, timeout| {
                self.call(self.request(Method::DELETE, path, timeout))
            })
            .await?;
        match result {
            Ok(_) => Ok(()),
            // Already gone: what a delete wants, whether this call or an earlier attempt did it.
            Err(fault) if fault.kind == FaultKind::NoSuchKey => Ok(()),
            Err(fault) => Err(self.record_error(fault, key, 0)),
        }
    }

    #[tracing::instrument(name = "supabase.record_list", skip_all, fields(kind = kind.prefix()))]
    async fn list(
        &self,
        kind: RecordKind,
        after: Option<&RecordKey>,
        limit: usize,
    ) -> Result<Vec<RecordEntry>, StoreError> {
        let mut found = Vec::new();
        let mut cursor: Option<String> = None;
        while found.len() < limit {
            let page = self
                .in_bucket("record_list", |_, timeout| {
                    self.list_page(kind, cursor.as_deref(), timeout)
                })
                .await?
                .map_err(|fault| self.fault_error(fault, 0))?;
            for object in page.objects {
                // Anything under the prefix that is not `{key}.json` is not a record.
                let Some(key) = object
                    .key
                    .as_deref()
                    .and_then(|k| k.strip_suffix(".json"))
                    .and_then(|k| RecordKey::parse(k).ok())
                else {
                    continue;
                };
                if after.is_some_and(|after| &key <= after) || found.len() == limit {
                    continue;
                }
                found.push(RecordEntry {
                    key,
                    written_at: object.updated_at.unwrap_or_else(Utc::now),
                });
            }
            match page.next_cursor {
                Some(next) if page.has_next => cursor = Some(next),
                _ => break,
            }
        }
        Ok(found)
    }
}
