//! [`SupabaseStore`]: a [`PersonaStore`] over the Supabase Storage REST API
//! (`{SUPABASE_URL}/storage/v1`), on reqwest with rustls.
//!
//! Layout: one private bucket (default `personas`), one object `{id}.json` per persona, holding
//! [`StoredPersona::to_json`] as `application/json`, with [`StoredPersona::metadata`] as the
//! object's user metadata (`x-metadata`, base64 JSON).
//!
//! - [`SupabaseStore::connect`] checks the bucket once and creates it (private, 5 MiB, JSON only)
//!   when missing; it refuses a public bucket. [`SupabaseStore::open`] makes no request: the same
//!   check runs when a call first meets a bucket error, and the call is made again once.
//! - A create never overwrites (`x-upsert: false`). A create whose earlier attempt may have landed
//!   (timeout, dropped connection, 5xx) is retried under the same id, and the `KeyAlreadyExists`
//!   that follows counts as success only when the stored document is the one being saved.
//! - A get reads `/object/authenticated/…` and returns a document only when
//!   [`StoredPersona::from_json`] finds it whole and stored under its id.
//!
//! # Layout
//!
//! - `clients`: one HTTP client per calling thread (a call keeps to its own runtime's
//!   connections).
//! - `connect`: the settings and the bucket bootstrap.
//! - `wire`: bucket shapes and the one mapping from an answer to a fault.
//! - `retry`: the backoff schedule inside a per-operation deadline.
//! - `records`: jobs and the process cache (`RecordStore`), each kind under its own prefix.

mod clients;
mod connect;
mod records;
mod retry;
mod wire;

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use persona_ports::{IdTag, PersonaId, PersonaStore, StoreError, StoredPersona, document_bytes};
use reqwest::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, RequestBuilder};
use tracing::{debug, error, info, warn};

use crate::clients::Clients;
pub use crate::connect::{ConnectError, SupabaseSettings};
use crate::retry::{Attempts, Policy};
use crate::wire::{Fault, FaultKind};

/// Documents larger than this are refused before sending; a bucket this adapter creates has
/// this `file_size_limit`.
pub use persona_ports::MAX_DOCUMENT_BYTES;

/// The bucket used when none is configured.
pub const DEFAULT_BUCKET: &str = "personas";

/// The one content type uploads carry. The server compares it as a string: with a
/// `; charset=utf-8` suffix it is refused (transcript D8).
const JSON: &str = "application/json";

/// Personas are private and never change once written; nothing between us and the bucket should
/// serve a copy without asking. (Also what the server stores when the header is absent.)
const OBJECT_CACHE_CONTROL: &str = "no-cache";

/// The longest wait for a TCP and TLS connection, within the operation's deadline.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A persona store in one private Supabase Storage bucket.
pub struct SupabaseStore {
    http: Clients,
    /// `{SUPABASE_URL}/storage/v1`, without a trailing slash.
    storage: String,
    bucket: String,
    auth: Auth,
    policy: Policy,
    /// The smaller of [`MAX_DOCUMENT_BYTES`] and the bucket's own `file_size_limit` (when the
    /// bucket was checked at start).
    max_document_bytes: u64,
    /// Set once the bucket is known to exist and be private: at start
    /// ([`SupabaseStore::connect`]), or on the first bucket error of a store opened without a
    /// request ([`SupabaseStore::open`]).
    bucket_checked: tokio::sync::OnceCell<()>,
}

/// The two headers that carry the key, marked sensitive so no `Debug` of a request shows them.
#[derive(Clone)]
struct Auth {
    bearer: HeaderValue,
    apikey: HeaderValue,
}

impl fmt::Debug for SupabaseStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupabaseStore")
            .field("storage", &self.storage)
            .field("bucket", &self.bucket)
            .field("key", &"[REDACTED]")
            .field("policy", &self.policy)
            .field("max_document_bytes", &self.max_document_bytes)
            .finish_non_exhaustive()
    }
}

impl SupabaseStore {
    /// The bucket the documents live in.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn object_path(&self, id: &PersonaId) -> String {
        // A PersonaId is 21 characters of [A-Za-z0-9_-] and the bucket name is checked: neither
        // needs escaping nor can leave the bucket.
        format!("/object/{}/{id}.json", self.bucket)
    }

    fn request(&self, method: Method, path: &str, timeout: Duration) -> RequestBuilder {
        self.http
            .get()
            .request(method, format!("{}{path}", self.storage))
            .header(AUTHORIZATION, self.auth.bearer.clone())
            .header("apikey", self.auth.apikey.clone())
            .timeout(timeout)
    }

    /// Sends one request; the body of a success, or the fault.
    async fn call(&self, request: RequestBuilder) -> Result<Vec<u8>, Fault> {
        let started = Instant::now();
        let response = request.send().await.map_err(Fault::from_transport)?;
        let status = response.status();
        let body = response.bytes().await;
        // One exchange with Storage, body read: what bench/storage-floor subtracts from a
        // request's time to find the time beyond the storage call.
        debug!(
            status = status.as_u16(),
            call_ms = started.elapsed().as_secs_f64() * 1000.0,
            "supabase call"
        );
        match body {
            Ok(body) if status.is_success() => Ok(body.to_vec()),
            Ok(body) => Err(Fault::from_answer(status.as_u16(), &body)),
            Err(e) if status.is_success() => Err(Fault::from_transport(e)),
            Err(_) => Err(Fault::from_answer(status.as_u16(), b"")),
        }
    }

    /// Runs `call` until it succeeds, fails for good, or the retries or the deadline run out.
    /// `call` gets the attempt's number (1 for the first) and its timeout (what is left of the
    /// deadline).
    async fn retrying<T, F, Fut>(&self, op: &'static str, mut call: F) -> Result<T, Fault>
    where
        F: FnMut(u32, Duration) -> Fut,
        Fut: Future<Output = Result<T, Fault>>,
    {
        let mut attempts = Attempts::start(self.policy);
        loop {
            match call(attempts.number(), attempts.remaining()).await {
                Ok(value) => return Ok(value),
                Err(fault) => {
                    let attempt = attempts.number();
                    if fault.is_retryable() && attempts.next().await {
                        warn!(op, attempt, status = fault.status, code = %fault.code, "supabase call failed; retrying");
                        continue;
                    }
                    debug!(op, attempt, status = fault.status, code = %fault.code, "supabase call failed");
                    return Err(fault);
                }
            }
        }
    }

    /// [`Self::retrying`], and once more after the bucket was checked (and created when
    /// missing) when the call met a missing bucket on a store opened without that check
    /// ([`SupabaseStore::open`]). Every operation goes through here, records too. The outer
    /// error: the bucket cannot be used.
    async fn in_bucket<T, F, Fut>(
        &self,
        op: &'static str,
        mut call: F,
    ) -> Result<Result<T, Fault>, StoreError>
    where
        F: FnMut(u32, Duration) -> Fut,
        Fut: Future<Output = Result<T, Fault>>,
    {
        let result = self.retrying(op, &mut call).await;
        if self.bucket_missing(&result).await? {
            return Ok(self.retrying(op, call).await);
        }
        Ok(result)
    }

    async fn download(&self, id: &PersonaId, timeout: Duration) -> Result<Vec<u8>, Fault> {
        let path = format!("/object/authenticated/{}/{id}.json", self.bucket);
        self.call(self.request(Method::GET, &path, timeout)).await
    }

    /// After `KeyAlreadyExists` on a retried create: `Ok` when the stored document is the one
    /// being saved (an earlier attempt landed), `KeyAlreadyExists` when it is anything else.
    ///
    /// The whole document is compared, not only `content_sha256`: the contract promises that a
    /// later get returns an *equal* document, `created_at` included.
    async fn confirm_own_write(
        &self,
        document: &StoredPersona,
        timeout: Duration,
    ) -> Result<(), Fault> {
        let conflict = Fault {
            kind: FaultKind::KeyAlreadyExists,
            status: 409,
            code: "KeyAlreadyExists".into(),
            message: "another document is stored under the id".into(),
        };
        match self.download(document.id(), timeout).await {
            Ok(bytes) => match StoredPersona::from_json(&bytes, document.id()) {
                Ok(stored) if stored == *document => {
                    info!("an earlier attempt had stored the document");
                    Ok(())
                }
                Ok(_) => Err(conflict),
                Err(e) => {
                    error!(error = %e, "the object under the id is not a whole persona document");
                    Err(conflict)
                }
            },
            // Said to exist, yet not readable: ask again rather than guess.
            Err(f) if f.kind == FaultKind::NoSuchKey => Err(Fault::temporary(
                "NotYetReadable",
                "the object exists but could not be read yet",
            )),
            Err(f) => Err(f),
        }
    }

    /// The port error for a fault, logging what an operator needs to fix a permanent one.
    fn store_error(&self, fault: Fault, id: &PersonaId, size: u64) -> StoreError {
        self.fault_error(fault.without_id(id), size)
    }

    /// The port error for a fault whose message names nothing a log may not show.
    fn fault_error(&self, fault: Fault, size: u64) -> StoreError {
        match fault.kind {
            FaultKind::NoSuchKey => StoreError::NotFound,
            FaultKind::KeyAlreadyExists => StoreError::AlreadyExists,
            FaultKind::EntityTooLarge => StoreError::TooLarge {
                size,
                max: self.max_document_bytes,
            },
            FaultKind::NoSuchBucket => {
                error!(bucket = %self.bucket, "Supabase Storage says the bucket does not exist: the bucket is missing or the service role key is wrong");
                StoreError::Unavailable {
                    retryable: false,
                    reason: "the storage bucket is missing or the service role key is wrong".into(),
                }
            }
            FaultKind::Denied => {
                error!(status = fault.status, code = %fault.code, "Supabase Storage refused the service role key");
                StoreError::Unavailable {
                    retryable: false,
                    reason: format!("storage refused the service role key ({})", fault.code),
                }
            }
            FaultKind::Temporary => StoreError::Unavailable {
                retryable: true,
                reason: format!("storage did not answer in time or failed: {fault}"),
            },
            FaultKind::BucketAlreadyExists | FaultKind::Rejected => {
                error!(status = fault.status, code = %fault.code, "Supabase Storage rejected the request");
                StoreError::Unexpected(format!("storage rejected the request: {fault}"))
            }
        }
    }
}

#[async_trait]
impl PersonaStore for SupabaseStore {
    fn name(&self) -> &'static str {
        "supabase"
    }

    #[tracing::instrument(name = "supabase.create", skip_all, fields(persona_tag = %IdTag::of(document.id())))]
    async fn create(&self, document: &StoredPersona) -> Result<(), StoreError> {
        let bytes = document_bytes(document, self.max_document_bytes)?;
        let size = bytes.len() as u64;
        let metadata = serde_json::to_vec(document.metadata())
            .map_err(|e| StoreError::Unexpected(format!("metadata did not serialise: {e}")))?;
        let metadata = &BASE64.encode(metadata);
        let path = &self.object_path(document.id());
        let bytes = &bytes;
        let result = self
            .in_bucket("upload", |attempt, timeout| async move {
                let request = self
                    .request(Method::POST, path, timeout)
                    .header(CONTENT_TYPE, JSON)
                    .header(CACHE_CONTROL, OBJECT_CACHE_CONTROL)
                    .header("x-upsert", "false")
                    .header("x-metadata", metadata.as_str())
                    .body(bytes.clone());
                match self.call(request).await {
                    Ok(_) => Ok(()),
                    // Only retries follow a failure that may have landed (see `retrying`).
                    Err(f) if f.kind == FaultKind::KeyAlreadyExists && attempt > 1 => {
                        self.confirm_own_write(document, timeout).await
                    }
                    Err(f) => Err(f),
                }
            })
            .await?;
        match result {
            Ok(()) => {
                debug!(size, "stored");
                Ok(())
            }
            Err(fault) => Err(self.store_error(fault, document.id(), size)),
        }
    }

    #[tracing::instrument(name = "supabase.get", skip_all, fields(persona_tag = %IdTag::of(id)))]
    async fn get(&self, id: &PersonaId) -> Result<StoredPersona, StoreError> {
        let bytes = self
            .in_bucket("download", |_, timeout| self.download(id, timeout))
            .await?
            .map_err(|fault| self.store_error(fault, id, 0))?;
        StoredPersona::from_json(&bytes, id).map_err(|e| {
            error!(error = %e, "stored persona document is damaged");
            StoreError::Unexpected(e.to_string())
        })
    }
}

#[cfg(test)]
mod tests;
