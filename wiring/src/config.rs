//! [`Config`]: every setting, read from the environment once, in one place.
//!
//! Nothing below the composition root reads an environment variable.

use std::path::PathBuf;
use std::time::Duration;

use persona_adapters_openai::OpenAiSettings;
use persona_adapters_supabase::SupabaseSettings;
use persona_api::{ClientAddress, CorsPolicy, MockFaults, RateLimitPolicy};
use persona_ports::GroundingMode;
use secrecy::SecretString;
use thiserror::Error;

use crate::signing::{SigningConfig, SigningConfigError};
use crate::telemetry::{LogFormat, Logging};

mod jobs;
mod openai_generation;
mod persona_cache;
mod process_cache;
pub use jobs::JobSettings;
pub use openai_generation::Generation;
pub use persona_cache::{DEFAULT_PERSONA_CACHE_BYTES, DEFAULT_PERSONA_CACHE_TTL, PersonaCache};
pub use process_cache::ProcessCacheConfig;

/// The server's settings. `Debug` never shows a key (they are [`SecretString`]s).
///
/// The adapters' settings are the adapters' own types ([`OpenAiSettings`], [`SupabaseSettings`],
/// [`Logging`]): their defaults are defined once, there, and a variable overrides one field.
#[derive(Debug, Clone)]
pub struct Config {
    /// `HOST` (default `127.0.0.1`; use `0.0.0.0` in a container).
    pub host: String,
    /// `PORT` (default 8080; 0 picks a free port).
    pub port: u16,
    /// `LOG_FORMAT` and `RUST_LOG`: how the tracing subscriber writes, and what it keeps.
    pub logging: Logging,
    /// `USE_MOCK_DATA` (or `NEXT_PUBLIC_USE_MOCK_DATA`): mock extractor and in-memory store.
    pub mock_mode: bool,
    /// Where mock mode keeps saved personas. Not read from the environment: the front door
    /// decides (the server keeps them in memory; a function, whose memory dies with each call,
    /// in files).
    pub mock_store: MockStore,
    /// `PERSONA_DATA_DIR` (default `./data`): where the file store keeps personas.
    pub data_dir: PathBuf,
    /// `ALLOWED_ORIGINS`: `*` or a comma-separated list; default any origin in mock mode, none
    /// otherwise.
    pub cors: CorsPolicy,
    /// The model's settings, read by `openai_settings`; used unless in mock mode, and only when
    /// [`Config::openai_configured`].
    pub openai: OpenAiSettings,
    /// Whether a model is configured: `OPENAI_API_KEY` or `OPENAI_BASE_URL` is set (local
    /// servers need no key). Otherwise process-persona uses the mock extractor.
    pub openai_configured: bool,
    /// Supabase Storage: `SUPABASE_URL` and `SUPABASE_SERVICE_ROLE_KEY` (both or neither),
    /// `SUPABASE_BUCKET` and `STORE_DEADLINE_MS` (the most one store operation may take,
    /// retries included).
    pub supabase: Option<SupabaseSettings>,
    /// `GROUNDING` (default `flag`): `flag` keeps values the source does not support and marks
    /// them `inferred`; `strict` removes them.
    pub grounding: GroundingMode,
    /// `RATE_LIMIT_PER_MINUTE`, and where the client's address is read
    /// (`TRUSTED_CLIENT_IP_HEADER`, `TRUSTED_PROXY_HOPS`).
    pub rate_limits: RateLimitPolicy,
    /// `REQUEST_DEADLINE_MS`: the most any request may take before it is answered 504; longer
    /// than `PROCESS_DEADLINE_MS`. Default: 30,000, or `PROCESS_DEADLINE_MS` plus
    /// [`REQUEST_DEADLINE_MARGIN`] when that is longer.
    pub request_deadline: Duration,
    /// `LLM_MAX_CONCURRENCY`, `LLM_QUEUE_TIMEOUT_MS` and `LLM_MAX_WAITING`.
    pub llm_limit: LlmLimit,
    /// `GROUNDING_SIGNING_KEY` and `GROUNDING_SIGNATURES`.
    pub signing: SigningConfig,
    /// `MOCK_FAULT_RATE` and `MOCK_LATENCY_MS` (mock mode only; none by default).
    pub mock_faults: MockFaults,
    /// `MOCK_CHUNK_CHARS` (mock mode only): the most characters the mock extractor reads in one
    /// call; unset, any material in one call.
    pub mock_chunk_chars: Option<u32>,
    /// `PROCESS_CACHE`, `PROCESS_CACHE_TTL` and `PROCESS_CACHE_KEY`.
    pub process_cache: ProcessCacheConfig,
    /// `JOB_TTL`, `JOB_STALE_AFTER_MS`, `JOB_MAX_RUNS`, `JOB_WORKERS`, `JOB_QUEUE`.
    pub jobs: JobSettings,
    /// `PERSONA_CACHE_BYTES` and `PERSONA_CACHE_TTL_MS`: the cache of saved personas.
    pub persona_cache: PersonaCache,
    /// When the Supabase bucket is checked: at start, unless a front door says otherwise.
    pub bucket_check: BucketCheck,
}

/// The default `REQUEST_DEADLINE_MS`.
pub const DEFAULT_REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// What a request deadline derived from `PROCESS_DEADLINE_MS` leaves after the model's deadline:
/// time to ground, store and answer, so a slow model is reported as such (504
/// `UPSTREAM_TIMEOUT` from the model) rather than by the request's own deadline.
pub const REQUEST_DEADLINE_MARGIN: Duration = Duration::from_secs(5);

/// How many model calls run at once, and how long and how many others may wait for a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LlmLimit {
    /// `LLM_MAX_CONCURRENCY` (default 8): extractions running at once.
    pub max_concurrency: u32,
    /// `LLM_QUEUE_TIMEOUT_MS` (default 10,000): the longest a request waits for a turn before
    /// it is answered 503 with `Retry-After`.
    pub queue_timeout: Duration,
    /// `LLM_MAX_WAITING` (default 256): requests allowed to wait at once; more are answered 503
    /// at once, so memory stays bounded however many clients call.
    pub max_waiting: u32,
}

impl Default for LlmLimit {
    fn default() -> Self {
        Self {
            max_concurrency: 8,
            queue_timeout: Duration::from_secs(10),
            max_waiting: 256,
        }
    }
}

/// The store behind mock mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MockStore {
    /// In memory, seeded with two samples; gone when the process ends.
    Memory,
    /// The file store in `PERSONA_DATA_DIR`.
    Files,
}

/// When the Supabase bucket is checked (that it exists and is private; created when missing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketCheck {
    /// Before serving: a server starts once and fails early on a bucket it cannot use.
    AtStart,
    /// On the first bucket error: a function starts for every cold request, which then makes
    /// the one storage call it needs.
    OnBucketError,
}

/// A setting that cannot be understood; names the variable and what it takes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("{name} must be true or false (also accepted: 1/0, yes/no)")]
    NotABool { name: &'static str },
    #[error("PORT must be a number from 0 to 65535")]
    BadPort,
    #[error("{name} must be a whole number from {min} to {max}")]
    NotANumber {
        name: &'static str,
        min: u64,
        max: u64,
    },
    #[error("{set} is set but {missing} is not; set both to use Supabase Storage, or neither")]
    Incomplete {
        set: &'static str,
        missing: &'static str,
    },
    #[error("RATE_LIMIT_PER_MINUTE: {0}")]
    RateLimit(String),
    #[error("{0}")]
    ClientAddress(String),
    #[error(
        "TRUST_PROXY_HEADERS=true is no longer read: it trusted any proxy header, which a client \
         can forge. Say which header your proxy sets: TRUSTED_CLIENT_IP_HEADER=\
         x-nf-client-connection-ip behind Netlify's edge, or TRUSTED_CLIENT_IP_HEADER=\
         x-forwarded-for with TRUSTED_PROXY_HOPS=N (the proxies in front of the service); then \
         remove TRUST_PROXY_HEADERS"
    )]
    TrustProxyHeaders,
    #[error(
        "REQUEST_DEADLINE_MS ({request_ms}, or PROCESS_DEADLINE_MS plus 5,000 when unset) must be \
         at most {max_ms}: {platform}"
    )]
    OverPlatformLimit {
        request_ms: u128,
        max_ms: u128,
        platform: &'static str,
    },
    #[error(
        "PROCESS_DEADLINE_MS ({process_ms}) must be shorter than REQUEST_DEADLINE_MS \
         ({request_ms}), so a slow model is reported as such before the request's own deadline"
    )]
    DeadlineOrder { process_ms: u128, request_ms: u128 },
    #[error("{name} must be a number from {range}")]
    NotADecimal {
        name: &'static str,
        range: &'static str,
    },
    #[error("OPENAI_SEED must be a whole number")]
    NotASeed,
    #[error("{name} must be one of: {allowed}")]
    NotOneOf {
        name: &'static str,
        allowed: &'static str,
    },
    #[error(transparent)]
    Signing(#[from] SigningConfigError),
    #[error(
        "PROCESS_CACHE_KEY has {found} bytes; it needs at least 32: make one with \
         `openssl rand -base64 32` and give every instance that shares the cache the same"
    )]
    ProcessCacheKeyTooShort { found: usize },
    #[error("{name} only works in mock mode (USE_MOCK_DATA=true); remove it, or turn mock mode on")]
    MockOnly { name: &'static str },
    #[error(
        "MOCK_LATENCY_MS must be milliseconds, fixed (800) or a range (500..2500), each at most \
         60000 and the first no more than the second"
    )]
    LatencyRange,
}

impl Config {
    /// Reads the settings from the process environment.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first variable that cannot be understood.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(env)
    }

    /// Reads the settings through `lookup` (the environment, or a map in tests). Empty values
    /// count as unset.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first variable that cannot be understood.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = &trimmed(lookup);
        let mock_mode = match (get("USE_MOCK_DATA"), get("NEXT_PUBLIC_USE_MOCK_DATA")) {
            (Some(v), _) => parse_bool("USE_MOCK_DATA", &v)?,
            (None, Some(v)) => parse_bool("NEXT_PUBLIC_USE_MOCK_DATA", &v)?,
            (None, None) => false,
        };
        let port = match get("PORT") {
            Some(p) => p.parse().map_err(|_| ConfigError::BadPort)?,
            None => 8080,
        };
        let cors = match get("ALLOWED_ORIGINS") {
            Some(list) => CorsPolicy::parse(&list),
            None if mock_mode => CorsPolicy::AnyOrigin,
            None => CorsPolicy::Origins(Vec::new()),
        };
        let openai = openai_settings(get)?;
        // Unset, the request deadline makes room for a raised model deadline rather than
        // refusing to start; an explicit pair that cannot work is still refused below.
        let derived = DEFAULT_REQUEST_DEADLINE.max(openai.deadline + REQUEST_DEADLINE_MARGIN);
        let request_deadline = millis(get, "REQUEST_DEADLINE_MS", derived, 1_000, 900_000)?;
        if openai.deadline >= request_deadline {
            return Err(ConfigError::DeadlineOrder {
                process_ms: openai.deadline.as_millis(),
                request_ms: request_deadline.as_millis(),
            });
        }
        let client_address = client_address(get)?;
        let rate_limits = RateLimitPolicy {
            client_address,
            ..match get("RATE_LIMIT_PER_MINUTE") {
                Some(v) => RateLimitPolicy::parse(&v).map_err(ConfigError::RateLimit)?,
                None => RateLimitPolicy::default(),
            }
        };
        let limit = LlmLimit::default();
        let llm_limit = LlmLimit {
            max_concurrency: number(get, "LLM_MAX_CONCURRENCY", limit.max_concurrency, 1, 10_000)?,
            queue_timeout: millis(get, "LLM_QUEUE_TIMEOUT_MS", limit.queue_timeout, 0, 600_000)?,
            max_waiting: number(get, "LLM_MAX_WAITING", limit.max_waiting, 0, 100_000)?,
        };
        let grounding = match get("GROUNDING") {
            Some(mode) => mode.parse().map_err(|_| ConfigError::NotOneOf {
                name: "GROUNDING",
                allowed: "flag, strict",
            })?,
            None => GroundingMode::Flag,
        };
        Ok(Self {
            host: get("HOST").unwrap_or_else(|| "127.0.0.1".to_owned()),
            port,
            logging: logging(get),
            mock_mode,
            mock_store: MockStore::Memory,
            data_dir: get("PERSONA_DATA_DIR")
                .map_or_else(|| PathBuf::from("./data"), PathBuf::from),
            cors,
            openai_configured: get("OPENAI_API_KEY").is_some() || get("OPENAI_BASE_URL").is_some(),
            openai,
            supabase: supabase_settings(get)?,
            rate_limits,
            request_deadline,
            llm_limit,
            grounding,
            signing: SigningConfig::from_lookup(get)?,
            mock_faults: mock::mock_faults(&get, mock_mode)?,
            mock_chunk_chars: mock::mock_chunk_chars(&get, mock_mode)?,
            process_cache: process_cache::read(get)?,
            jobs: jobs::job_settings(get)?,
            persona_cache: persona_cache::persona_cache(get)?,
            bucket_check: BucketCheck::AtStart,
        })
    }
}

/// `LOG_FORMAT` and `RUST_LOG` from the process environment: what a front door logs with when
/// the rest of the configuration cannot be read (these two cannot be wrong).
pub fn logging_from_env() -> Logging {
    logging(&trimmed(env))
}

/// `LOG_FORMAT` (`json`, or text for anything else) and `RUST_LOG` (the filter).
fn logging(get: &impl Fn(&str) -> Option<String>) -> Logging {
    Logging {
        format: LogFormat::parse(get("LOG_FORMAT").as_deref()),
        filter: get("RUST_LOG"),
    }
}

/// The model's settings: every `OPENAI_*` variable, `MAX_TOKENS` and `PROCESS_DEADLINE_MS` over
/// the adapter's own defaults. A new OpenAI setting is read here and nowhere else.
fn openai_settings(get: &impl Fn(&str) -> Option<String>) -> Result<OpenAiSettings, ConfigError> {
    let default = OpenAiSettings::default();
    // The schema dialect and the sampling settings are read in their own module.
    let generation = openai_generation::read(get)?;
    Ok(OpenAiSettings {
        api_key: get("OPENAI_API_KEY").map(SecretString::from),
        base_url: get("OPENAI_BASE_URL").unwrap_or(default.base_url),
        model: get("OPENAI_MODEL").unwrap_or(default.model),
        max_tokens: number(get, "MAX_TOKENS", default.max_tokens, 16, 100_000)?,
        max_retries: number(get, "OPENAI_MAX_RETRIES", default.max_retries, 0, 10)?,
        context_tokens: number(
            get,
            "OPENAI_CONTEXT_TOKENS",
            default.context_tokens,
            1_024,
            10_000_000,
        )?,
        deadline: millis(get, "PROCESS_DEADLINE_MS", default.deadline, 1_000, 600_000)?,
        attempt_timeout: match get("OPENAI_TIMEOUT_MS") {
            Some(v) => Some(as_millis(parse_number(
                "OPENAI_TIMEOUT_MS",
                &v,
                100,
                600_000,
            )?)),
            None => default.attempt_timeout,
        },
        schema_dialect: generation.schema_dialect,
        sampling: generation.sampling,
    })
}

/// Supabase Storage's settings over the adapter's own defaults, or `None` when neither the URL
/// nor the key is set. The bucket and the deadline are checked either way, so a bad value is
/// refused before the day Supabase is turned on.
fn supabase_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<SupabaseSettings>, ConfigError> {
    let default = SupabaseSettings::default();
    let bucket = get("SUPABASE_BUCKET").unwrap_or(default.bucket.clone());
    let deadline = millis(get, "STORE_DEADLINE_MS", default.deadline, 100, 600_000)?;
    match (get("SUPABASE_URL"), get("SUPABASE_SERVICE_ROLE_KEY")) {
        (Some(url), Some(key)) => Ok(Some(SupabaseSettings {
            url,
            service_role_key: SecretString::from(key),
            bucket,
            deadline,
            ..default
        })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError::Incomplete {
            set: "SUPABASE_URL",
            missing: "SUPABASE_SERVICE_ROLE_KEY",
        }),
        (None, Some(_)) => Err(ConfigError::Incomplete {
            set: "SUPABASE_SERVICE_ROLE_KEY",
            missing: "SUPABASE_URL",
        }),
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// `lookup` with values trimmed and empty values as unset.
fn trimmed(lookup: impl Fn(&str) -> Option<String>) -> impl Fn(&str) -> Option<String> {
    move |name| {
        lookup(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}

/// The whole number `name` holds, within `min..=max`, or `default` when unset.
fn number(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32, ConfigError> {
    get(name).map_or(Ok(default), |v| parse_number(name, &v, min, max))
}

/// The milliseconds `name` holds, within `min..=max`, or `default` when unset.
fn millis(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: Duration,
    min: u32,
    max: u32,
) -> Result<Duration, ConfigError> {
    get(name).map_or(Ok(default), |v| {
        parse_number(name, &v, min, max).map(as_millis)
    })
}

fn as_millis(ms: u32) -> Duration {
    Duration::from_millis(ms.into())
}

/// Where the rate limits read the client's address. `TRUST_PROXY_HEADERS=true` is refused with
/// what to set instead: which header it meant depended on the request, and a client could pick.
fn client_address(get: &impl Fn(&str) -> Option<String>) -> Result<ClientAddress, ConfigError> {
    if let Some(v) = get("TRUST_PROXY_HEADERS")
        && parse_bool("TRUST_PROXY_HEADERS", &v)?
    {
        return Err(ConfigError::TrustProxyHeaders);
    }
    ClientAddress::parse(
        get("TRUSTED_CLIENT_IP_HEADER").as_deref(),
        get("TRUSTED_PROXY_HOPS").as_deref(),
    )
    .map_err(ConfigError::ClientAddress)
}

fn parse_number(name: &'static str, value: &str, min: u32, max: u32) -> Result<u32, ConfigError> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or(ConfigError::NotANumber {
            name,
            min: min.into(),
            max: max.into(),
        })
}

/// A decimal number from `min` to `max`; `range` says them in words for the message.
fn parse_decimal(
    name: &'static str,
    value: &str,
    (min, max): (f64, f64),
    range: &'static str,
) -> Result<f64, ConfigError> {
    value
        .parse::<f64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or(ConfigError::NotADecimal { name, range })
}

fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::NotABool { name }),
    }
}

mod mock;
#[cfg(test)]
mod tests;
