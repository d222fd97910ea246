//! [`OpenAiSettings`], what the composition root configures, and the checks
//! [`crate::OpenAiExtractor::new`] makes of it.

use std::time::Duration;

use secrecy::SecretString;
use thiserror::Error;
use url::Url;

/// How to reach the model. Built by the composition root from the environment.
#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    /// The API root, `https://api.openai.com/v1` by default; requests go to
    /// `{base_url}/chat/completions`. Must be an http or https URL.
    pub base_url: String,
    /// Sent as `Authorization: Bearer`; none for local servers that need no key.
    pub api_key: Option<SecretString>,
    /// `gpt-4o-mini` by default.
    pub model: String,
    /// The completion budget per call, 2000 by default.
    pub max_tokens: u32,
    /// Transport retries per call, 2 by default, as the official client.
    pub max_retries: u32,
    /// The whole extraction's deadline, retries and re-asks included: 25 s by default.
    pub deadline: Duration,
    /// The model's context window in tokens, 128 000 by default.
    pub context_tokens: u32,
    /// The most one HTTP call may take, so a hung call leaves time to retry within the
    /// deadline; `None` (the default) gives each call what is left of the deadline.
    pub attempt_timeout: Option<Duration>,
}

impl Default for OpenAiSettings {
    fn default() -> Self {
        Self {
            base_url: "https://api.openai.com/v1".into(),
            api_key: None,
            model: "gpt-4o-mini".into(),
            max_tokens: 2000,
            max_retries: 2,
            deadline: Duration::from_secs(25),
            context_tokens: 128_000,
            attempt_timeout: None,
        }
    }
}

/// Settings that cannot work. Messages never include the key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OpenAiConfigError {
    #[error("the OpenAI base URL is not a valid http(s) URL: {reason}")]
    BadBaseUrl { reason: String },
    #[error("the OpenAI model name is empty")]
    EmptyModel,
    #[error("the OpenAI API key cannot be sent in an HTTP header")]
    BadApiKey,
    #[error("max_tokens must be positive")]
    ZeroMaxTokens,
    #[error("the deadline must be positive")]
    ZeroDeadline,
    #[error(
        "context_tokens ({context_tokens}) leaves no room for a prompt after max_tokens ({max_tokens})"
    )]
    ContextTooSmall {
        context_tokens: u32,
        max_tokens: u32,
    },
    #[error("the HTTP client could not be built: {reason}")]
    HttpClient { reason: String },
    #[error("the draft schema does not compile: {reason}")]
    DraftSchema { reason: String },
}

/// The request URL for `base_url`: `{base_url}/chat/completions`.
pub(crate) fn endpoint(base_url: &str) -> Result<Url, OpenAiConfigError> {
    let bad = |reason: &str| OpenAiConfigError::BadBaseUrl {
        reason: reason.to_owned(),
    };
    let base = Url::parse(base_url.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(base.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if base.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    if base.query().is_some() || base.fragment().is_some() {
        return Err(bad("it must not have a query or a fragment"));
    }
    let path = format!("{}/chat/completions", base.path().trim_end_matches('/'));
    let mut endpoint = base;
    endpoint.set_path(&path);
    Ok(endpoint)
}
