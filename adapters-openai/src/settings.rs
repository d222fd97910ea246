//! [`OpenAiSettings`], what the composition root configures, and the checks
//! [`crate::OpenAiExtractor::new`] makes of it.

use std::time::Duration;

use persona_domain::schema::SchemaDialect;
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
    /// The most completion tokens a call may ask for, 2000 by default. The budget itself is
    /// derived from the draft schema's bounds (`answer_token_budget` in the domain's schema, about
    /// 1,900 tokens) and this caps it; an answer cut off at the budget is asked again once with
    /// twice the budget, within this cap's double and the context.
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
    /// Which schema keywords the server enforces; `None` (the default) chooses by the base
    /// URL: [`SchemaDialect::OpenAi`] for OpenAI's and Azure OpenAI's hosts, else
    /// [`SchemaDialect::Full`] (llama.cpp, vLLM, Ollama and LM Studio compile the schema into
    /// a grammar, so bounded strings cannot run on).
    pub schema_dialect: Option<SchemaDialect>,
    /// How the model picks its tokens.
    pub sampling: Sampling,
}

/// Sampling settings sent with every call. The defaults suit extraction: a low temperature, so
/// the same material gives nearly the same persona, and no penalty or seed unless asked for
/// (a frequency penalty also pushes against the JSON's own repeated keys and quotes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    /// `temperature`, 0 to 2; 0.2 by default.
    pub temperature: f64,
    /// `frequency_penalty`, -2 to 2; not sent by default. llama.cpp, vLLM and Ollama apply it
    /// as OpenAI does. The ask after a stopped runaway sends at least 0.5.
    pub frequency_penalty: Option<f64>,
    /// `seed`, for repeatable answers where the server honours it; not sent by default.
    pub seed: Option<i64>,
}

impl Default for Sampling {
    fn default() -> Self {
        Self {
            temperature: 0.2,
            frequency_penalty: None,
            seed: None,
        }
    }
}

impl OpenAiSettings {
    /// The dialect to send: the one set, else the one the base URL implies.
    pub fn dialect(&self) -> SchemaDialect {
        self.schema_dialect.unwrap_or_else(|| {
            let host = Url::parse(self.base_url.trim())
                .ok()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
                .unwrap_or_default();
            if host == "api.openai.com" || host.ends_with(".openai.azure.com") {
                SchemaDialect::OpenAi
            } else {
                SchemaDialect::Full
            }
        })
    }
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
            schema_dialect: None,
            sampling: Sampling::default(),
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
    #[error("the temperature must be from 0 to 2")]
    BadTemperature,
    #[error("the frequency penalty must be from -2 to 2")]
    BadFrequencyPenalty,
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
