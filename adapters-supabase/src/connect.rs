//! Connecting: the settings, their checks, and the bucket bootstrap that runs once at start.

use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::{Method, Url};
use secrecy::{ExposeSecret, SecretString};
use thiserror::Error;
use tracing::{error, info, warn};

use persona_ports::StoreError;

use crate::clients::Clients;
use crate::retry::Policy;
use crate::wire::{Bucket, Fault, FaultKind, NewBucket};
use crate::{Auth, CONNECT_TIMEOUT, DEFAULT_BUCKET, JSON, MAX_DOCUMENT_BYTES, SupabaseStore};

/// How to reach the bucket. `Debug` shows the key as `[REDACTED]`.
#[derive(Debug, Clone)]
pub struct SupabaseSettings {
    /// `SUPABASE_URL`: the project's http(s) base URL, without `/storage/v1`.
    pub url: String,
    /// `SUPABASE_SERVICE_ROLE_KEY`: sent as `Authorization: Bearer …` and as `apikey`.
    pub service_role_key: SecretString,
    /// `SUPABASE_BUCKET`, default [`DEFAULT_BUCKET`].
    pub bucket: String,
    /// Retries after a first attempt that failed in a way that may clear up (default 2).
    pub max_retries: u32,
    /// The time one store operation may take, retries included (default 10 s).
    pub deadline: Duration,
    /// The first retry's pause; each later one doubles it, with jitter (default 200 ms).
    pub backoff_base: Duration,
}

impl SupabaseSettings {
    /// Settings with the defaults for everything but the URL and the key.
    pub fn new(url: impl Into<String>, service_role_key: SecretString) -> Self {
        Self {
            url: url.into(),
            service_role_key,
            ..Self::default()
        }
    }
}

/// The defaults, with an empty URL and key that [`SupabaseStore::connect`] refuses: fill them in
/// with struct update syntax.
impl Default for SupabaseSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            service_role_key: SecretString::from(""),
            bucket: DEFAULT_BUCKET.to_owned(),
            max_retries: 2,
            deadline: Duration::from_secs(10),
            backoff_base: Duration::from_millis(200),
        }
    }
}

/// Why [`SupabaseStore::connect`] failed. Messages never carry the key.
#[derive(Debug, Error)]
pub enum ConnectError {
    #[error("SUPABASE_URL is not a usable http(s) URL: {reason}")]
    InvalidUrl { reason: String },
    #[error("the bucket name {bucket:?} is not usable (1 to 100 characters of A-Z a-z 0-9 _ - .)")]
    InvalidBucket { bucket: String },
    #[error("the service role key is empty or is not a valid HTTP header value")]
    InvalidKey,
    #[error("bucket {bucket:?} is public; personas must never be world-readable")]
    PublicBucket { bucket: String },
    #[error(
        "Supabase Storage rejected the service role key or the bucket {bucket:?} \
         (status {status}, {code}: {message})"
    )]
    Rejected {
        bucket: String,
        status: u16,
        code: String,
        message: String,
    },
    #[error("Supabase Storage at {url} is unreachable: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

impl SupabaseStore {
    /// Checks the settings, then the bucket: creates it private (5 MiB, `application/json` only)
    /// when it is missing, and refuses it when it is public.
    ///
    /// # Errors
    ///
    /// A [`ConnectError`] saying what is wrong: the URL, the bucket name, the key, a public
    /// bucket, an answer refusing the key or bucket, or a server that cannot be reached.
    pub async fn connect(settings: SupabaseSettings) -> Result<Self, ConnectError> {
        let mut store = Self::configure(settings)?;
        let bucket = store.bootstrap().await?;
        store.bucket_checked = tokio::sync::OnceCell::new_with(Some(()));
        if let Some(limit) = bucket.file_size_limit.filter(|l| *l > 0) {
            store.max_document_bytes = store.max_document_bytes.min(limit);
        }
        if bucket
            .allowed_mime_types
            .as_ref()
            .is_some_and(|types| !types.is_empty() && !types.iter().any(|t| t == JSON))
        {
            warn!(bucket = %store.bucket, "the bucket does not allow application/json; saves will fail");
        }
        info!(bucket = %store.bucket, max_document_bytes = store.max_document_bytes, "supabase store ready");
        Ok(store)
    }

    /// Checks the settings, without any request: the bucket is checked (and created when
    /// missing, refused when public) only when a call meets a bucket error. What a cold function
    /// uses, so that serving one request costs one storage call, not two.
    ///
    /// # Errors
    ///
    /// A [`ConnectError`] saying which setting is wrong: the URL, the bucket name or the key.
    pub fn open(settings: SupabaseSettings) -> Result<Self, ConnectError> {
        let store = Self::configure(settings)?;
        info!(bucket = %store.bucket, "supabase store opened; the bucket is checked on a bucket error");
        Ok(store)
    }

    /// After a call that got `result`: when it met a missing bucket on a store whose bucket
    /// was never checked, checks it now (creating it private when missing) and says the call
    /// should be made again; `false` otherwise.
    ///
    /// # Errors
    ///
    /// When the bucket cannot be used: a public bucket, a rejected key, an unreachable server.
    pub(crate) async fn bucket_missing<T>(
        &self,
        result: &Result<T, Fault>,
    ) -> Result<bool, StoreError> {
        let missing = matches!(result, Err(f) if f.kind == FaultKind::NoSuchBucket);
        if !missing || self.bucket_checked.initialized() {
            return Ok(false);
        }
        self.bucket_checked
            .get_or_try_init(|| async { self.bootstrap().await.map(drop) })
            .await
            .map_err(|e| StoreError::Unavailable {
                retryable: matches!(e, ConnectError::Unreachable { .. }),
                reason: format!("the storage bucket cannot be used: {e}"),
            })?;
        Ok(true)
    }

    /// Validates the settings and builds the client, without any request.
    fn configure(settings: SupabaseSettings) -> Result<Self, ConnectError> {
        let storage = storage_url(&settings.url)?;
        if !valid_bucket_name(&settings.bucket) {
            return Err(ConnectError::InvalidBucket {
                bucket: settings.bucket,
            });
        }
        let key = settings.service_role_key.expose_secret();
        if key.trim().is_empty() {
            return Err(ConnectError::InvalidKey);
        }
        let sensitive = |value: String| {
            let mut value = HeaderValue::try_from(value).map_err(|_| ConnectError::InvalidKey)?;
            value.set_sensitive(true);
            Ok::<_, ConnectError>(value)
        };
        let auth = Auth {
            bearer: sensitive(format!("Bearer {key}"))?,
            apikey: sensitive(key.to_owned())?,
        };
        let http = Clients::new(CONNECT_TIMEOUT.min(settings.deadline))
            .map_err(|e| ConnectError::Client(e.to_string()))?;
        Ok(Self {
            http,
            storage,
            bucket: settings.bucket,
            auth,
            policy: Policy {
                max_retries: settings.max_retries,
                backoff_base: settings.backoff_base,
                deadline: settings.deadline,
            },
            max_document_bytes: MAX_DOCUMENT_BYTES,
            bucket_checked: tokio::sync::OnceCell::new(),
        })
    }

    /// Finds or creates the bucket; returns it once it is known to be private.
    #[tracing::instrument(name = "supabase.bootstrap", skip_all, fields(bucket = %self.bucket))]
    async fn bootstrap(&self) -> Result<Bucket, ConnectError> {
        match self.fetch_bucket().await {
            Ok(bucket) => return self.refuse_public(bucket),
            Err(f) if f.kind == FaultKind::NoSuchBucket => {}
            Err(f) => return Err(self.connect_error(f)),
        }
        let new = &NewBucket {
            id: &self.bucket,
            name: &self.bucket,
            public: false,
            file_size_limit: MAX_DOCUMENT_BYTES,
            allowed_mime_types: [JSON],
        };
        let created = self
            .retrying("create_bucket", |_, timeout| async move {
                let request = self.request(Method::POST, "/bucket", timeout).json(new);
                self.call(request).await.map(drop)
            })
            .await;
        match created {
            Ok(()) => {
                info!("created the private bucket");
                Ok(Bucket {
                    public: false,
                    file_size_limit: Some(MAX_DOCUMENT_BYTES),
                    allowed_mime_types: Some(vec![JSON.to_owned()]),
                })
            }
            // Another instance starting at the same time created it: check what it made.
            Err(f) if f.kind == FaultKind::BucketAlreadyExists => {
                let bucket = self
                    .fetch_bucket()
                    .await
                    .map_err(|f| self.connect_error(f))?;
                self.refuse_public(bucket)
            }
            Err(f) => Err(self.connect_error(f)),
        }
    }

    async fn fetch_bucket(&self) -> Result<Bucket, Fault> {
        let path = &format!("/bucket/{}", self.bucket);
        self.retrying("get_bucket", |_, timeout| async move {
            let request = self.request(Method::GET, path, timeout);
            let body = self.call(request).await?;
            serde_json::from_slice::<Bucket>(&body).map_err(|e| Fault {
                kind: FaultKind::Rejected,
                status: 200,
                code: "UnreadableBucket".into(),
                message: e.to_string(),
            })
        })
        .await
    }

    fn refuse_public(&self, bucket: Bucket) -> Result<Bucket, ConnectError> {
        if bucket.public {
            error!("the bucket is public; refusing to store personas in it");
            return Err(ConnectError::PublicBucket {
                bucket: self.bucket.clone(),
            });
        }
        Ok(bucket)
    }

    fn connect_error(&self, fault: Fault) -> ConnectError {
        error!(status = fault.status, code = %fault.code, "supabase bootstrap failed");
        if fault.is_retryable() {
            ConnectError::Unreachable {
                url: self.storage.clone(),
                reason: fault.to_string(),
            }
        } else {
            ConnectError::Rejected {
                bucket: self.bucket.clone(),
                status: fault.status,
                code: fault.code,
                message: fault.message,
            }
        }
    }
}

/// `{url}/storage/v1` for an http(s) URL with a host and no query or fragment.
pub(crate) fn storage_url(url: &str) -> Result<String, ConnectError> {
    let invalid = |reason: &str| ConnectError::InvalidUrl {
        reason: reason.to_owned(),
    };
    let parsed = Url::parse(url.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("the URL must not have a query or a fragment"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid("the URL must not carry credentials"));
    }
    Ok(format!(
        "{}/storage/v1",
        parsed.as_str().trim_end_matches('/')
    ))
}

/// Bucket names this adapter accepts: a safe subset of Storage's, never needing escaping.
fn valid_bucket_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && name != "."
        && name != ".."
}
