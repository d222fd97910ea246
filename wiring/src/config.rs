//! [`Config`]: every setting, read from the environment once, in one place.
//!
//! Nothing below the composition root reads an environment variable.

use std::path::PathBuf;
use std::time::Duration;

use persona_api::{ClientAddress, CorsPolicy, RateLimitPolicy};
use persona_ports::GroundingMode;
use secrecy::SecretString;
use thiserror::Error;

use crate::signing::{SigningConfig, SigningConfigError};

// --- issue 16.
mod openai_generation;
pub use openai_generation::Generation;

/// The server's settings. `Debug` never shows a key (they are [`SecretString`]s).
#[derive(Debug, Clone)]
pub struct Config {
    /// `HOST` (default `127.0.0.1`; use `0.0.0.0` in a container).
    pub host: String,
    /// `PORT` (default 8080; 0 picks a free port).
    pub port: u16,
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
    /// The LLM settings; used unless in mock mode.
    pub openai: OpenAiConfig,
    /// `SUPABASE_URL` and `SUPABASE_SERVICE_ROLE_KEY` (both or neither).
    pub supabase: Option<SupabaseConfig>,
    /// `SUPABASE_BUCKET` (default `personas`).
    pub supabase_bucket: String,
    /// `GROUNDING` (default `flag`): `flag` keeps values the source does not support and marks
    /// them `inferred`; `strict` removes them.
    pub grounding: GroundingMode,
    /// `STORE_DEADLINE_MS` (default 10,000): the most one store operation may take, retries
    /// included (Supabase).
    pub store_deadline: Duration,
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

/// The store behind mock mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MockStore {
    /// In memory, seeded with two samples; gone when the process ends.
    Memory,
    /// The file store in `PERSONA_DATA_DIR`.
    Files,
}

/// How to reach an OpenAI-compatible model.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// `OPENAI_API_KEY`.
    pub api_key: Option<SecretString>,
    /// `OPENAI_BASE_URL` (default `https://api.openai.com/v1`).
    pub base_url: Option<String>,
    /// `OPENAI_MODEL` (default `gpt-4o-mini`).
    pub model: String,
    /// `MAX_TOKENS` (default 2000): the completion budget.
    pub max_tokens: u32,
    /// `OPENAI_MAX_RETRIES` (default 2).
    pub max_retries: u32,
    /// `OPENAI_CONTEXT_TOKENS` (default 128,000): the model's context window.
    pub context_tokens: u32,
    /// `PROCESS_DEADLINE_MS` (default 25,000): the most a process-persona request may take.
    pub deadline: Duration,
    /// `OPENAI_TIMEOUT_MS`: the most one HTTP call may take, so a hung call leaves time for a
    /// retry (default: whatever is left of the deadline).
    pub attempt_timeout: Option<Duration>,
    // --- issue 16: generation settings (schema dialect, sampling), see `openai_generation`.
    /// `OPENAI_SCHEMA_DIALECT`, `OPENAI_TEMPERATURE`, `OPENAI_FREQUENCY_PENALTY`, `OPENAI_SEED`.
    pub generation: Generation,
    // --- end issue 16.
}

impl OpenAiConfig {
    /// Whether an LLM is configured: a key, or a base URL (local servers need no key).
    pub fn is_configured(&self) -> bool {
        self.api_key.is_some() || self.base_url.is_some()
    }
}

/// Where Supabase Storage is, and the key that opens it.
#[derive(Debug, Clone)]
pub struct SupabaseConfig {
    pub url: String,
    pub service_role_key: SecretString,
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
    // --- issue 16: the generation settings' errors.
    #[error("{name} must be a number from {range}")]
    NotADecimal {
        name: &'static str,
        range: &'static str,
    },
    #[error("OPENAI_SEED must be a whole number")]
    NotASeed,
    // --- end issue 16.
    #[error("{name} must be one of: {allowed}")]
    NotOneOf {
        name: &'static str,
        allowed: &'static str,
    },
    #[error(transparent)]
    Signing(#[from] SigningConfigError),
}

impl Config {
    /// Reads the settings from the process environment.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first variable that cannot be understood.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (the environment, or a map in tests). Empty values
    /// count as unset.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first variable that cannot be understood.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
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
        let number = |name: &'static str, default: u32, min: u32, max: u32| {
            get(name).map_or(Ok(default), |v| parse_number(name, &v, min, max))
        };
        let openai = OpenAiConfig {
            api_key: get("OPENAI_API_KEY").map(SecretString::from),
            base_url: get("OPENAI_BASE_URL"),
            model: get("OPENAI_MODEL").unwrap_or_else(|| "gpt-4o-mini".to_owned()),
            max_tokens: number("MAX_TOKENS", 2_000, 16, 100_000)?,
            max_retries: number("OPENAI_MAX_RETRIES", 2, 0, 10)?,
            context_tokens: number("OPENAI_CONTEXT_TOKENS", 128_000, 1_024, 10_000_000)?,
            deadline: Duration::from_millis(
                number("PROCESS_DEADLINE_MS", 25_000, 1_000, 600_000)?.into(),
            ),
            attempt_timeout: get("OPENAI_TIMEOUT_MS")
                .map(|v| parse_number("OPENAI_TIMEOUT_MS", &v, 100, 600_000))
                .transpose()?
                .map(|ms| Duration::from_millis(ms.into())),
            // --- issue 16.
            generation: openai_generation::read(get)?,
        };
        let millis = |name: &'static str, default: u32, min: u32, max: u32| {
            number(name, default, min, max).map(|ms| Duration::from_millis(ms.into()))
        };
        // Unset, the request deadline makes room for a raised model deadline rather than
        // refusing to start; an explicit pair that cannot work is still refused below.
        let derived = DEFAULT_REQUEST_DEADLINE.max(openai.deadline + REQUEST_DEADLINE_MARGIN);
        let request_deadline = match get("REQUEST_DEADLINE_MS") {
            Some(v) => Duration::from_millis(
                parse_number("REQUEST_DEADLINE_MS", &v, 1_000, 900_000)?.into(),
            ),
            None => derived,
        };
        if openai.deadline >= request_deadline {
            return Err(ConfigError::DeadlineOrder {
                process_ms: openai.deadline.as_millis(),
                request_ms: request_deadline.as_millis(),
            });
        }
        let client_address = client_address(&get)?;
        let rate_limits = RateLimitPolicy {
            client_address,
            ..match get("RATE_LIMIT_PER_MINUTE") {
                Some(v) => RateLimitPolicy::parse(&v).map_err(ConfigError::RateLimit)?,
                None => RateLimitPolicy::default(),
            }
        };
        let llm_limit = LlmLimit {
            max_concurrency: number("LLM_MAX_CONCURRENCY", 8, 1, 10_000)?,
            queue_timeout: millis("LLM_QUEUE_TIMEOUT_MS", 10_000, 0, 600_000)?,
            max_waiting: number("LLM_MAX_WAITING", 256, 0, 100_000)?,
        };
        let grounding = match get("GROUNDING") {
            Some(mode) => mode.parse().map_err(|_| ConfigError::NotOneOf {
                name: "GROUNDING",
                allowed: "flag, strict",
            })?,
            None => GroundingMode::Flag,
        };
        let supabase = match (
            get("SUPABASE_URL"),
            get("SUPABASE_SERVICE_ROLE_KEY").map(SecretString::from),
        ) {
            (Some(url), Some(service_role_key)) => Some(SupabaseConfig {
                url,
                service_role_key,
            }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::Incomplete {
                    set: "SUPABASE_URL",
                    missing: "SUPABASE_SERVICE_ROLE_KEY",
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError::Incomplete {
                    set: "SUPABASE_SERVICE_ROLE_KEY",
                    missing: "SUPABASE_URL",
                });
            }
        };
        Ok(Self {
            host: get("HOST").unwrap_or_else(|| "127.0.0.1".to_owned()),
            port,
            mock_mode,
            mock_store: MockStore::Memory,
            data_dir: get("PERSONA_DATA_DIR")
                .map_or_else(|| PathBuf::from("./data"), PathBuf::from),
            cors,
            openai,
            supabase,
            supabase_bucket: get("SUPABASE_BUCKET").unwrap_or_else(|| "personas".to_owned()),
            store_deadline: millis("STORE_DEADLINE_MS", 10_000, 100, 600_000)?,
            rate_limits,
            request_deadline,
            llm_limit,
            grounding,
            signing: SigningConfig::from_lookup(get)?,
        })
    }
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

fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::NotABool { name }),
    }
}

#[cfg(test)]
mod tests;
