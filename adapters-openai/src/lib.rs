//! [`OpenAiExtractor`]: a [`PersonaExtractor`] over any OpenAI-compatible Chat Completions API
//! (OpenAI, Azure's compatible endpoint, Ollama, vLLM, llama.cpp, LM Studio).
//!
//! One extraction is one conversation: the domain's system and user prompts, the draft's strict
//! schema as `response_format` (in the dialect the server enforces: string lengths for local
//! servers, OpenAI's strict subset for OpenAI), and the answer validated against that same
//! schema before it becomes a [`PersonaDraft`](persona_domain::PersonaDraft). Around it:
//!
//! - the prompt is counted with `tiktoken-rs` first, and refused when it cannot fit the context;
//! - the completion budget is derived from the schema's bounds, not fixed;
//! - the answer is streamed and read as it comes (`stream`); one that runs away (a loop, a
//!   string or a list past its bound: `runaway`) is stopped there and asked again once, with
//!   the reason and a frequency penalty of at least 0.5;
//! - transport failures are retried with the official client's policy (`retry`) inside the
//!   request's deadline (`transport`);
//! - an answer cut off at the token budget is asked again once with twice the budget; an answer
//!   that is not a draft is asked again once with the validation problems (`answer`);
//! - a model without structured outputs falls back, once and for good, to JSON mode with the
//!   schema in the system prompt.
//!
//! Tokens and calls are summed over all of it. Logs carry statuses, attempts, upstream request
//! ids, token counts and waits; never the material, never the key.
//!
//! # Layout
//!
//! `converse` is one extraction's conversation with the model, `wire` holds the request and
//! response types, `retry` the retry policy, `transport` the HTTP
//! calls, `sse` and `stream` the reading of a streamed answer, `runaway` the guard that stops a
//! degenerate one, `answer` the judging of a completion, `tokens` the counting, `settings` the
//! configuration and its checks.

mod answer;
mod converse;
mod retry;
mod runaway;
mod settings;
mod sse;
mod stream;
mod tally;
mod tokens;
mod transport;
mod wire;

#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use persona_domain::SourceBundle;
use persona_domain::prompt::{SYSTEM_PROMPT, user_prompt};
use persona_domain::schema::{answer_token_budget, draft_schema_for};
use persona_ports::{ExtractError, ExtractFailure, Extraction, MeasureUnit, PersonaExtractor};
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use secrecy::ExposeSecret;
use serde_json::Value;

pub use persona_domain::schema::SchemaDialect;
use settings::endpoint;
pub use settings::{OpenAiConfigError, OpenAiSettings, Sampling};
use tokens::TokenCounter;
use transport::Transport;
use wire::{ApiError, Message, OutputFormat};

/// The name this extractor reports.
const NAME: &str = "openai";
/// The least frequency penalty the ask after a runaway is sent with: a loop is what a penalty
/// on repeated tokens breaks. On SmolLM2-135M the same looping request answered with a valid
/// persona in 376 tokens with it (EVAL.md).
const RUNAWAY_PENALTY: f64 = 0.5;
/// The most tokens a cut-off answer is retried with.
const MAX_COMPLETION_BUDGET: u32 = 16_384;

/// A [`PersonaExtractor`] over `POST {base_url}/chat/completions`. See the crate documentation.
pub struct OpenAiExtractor {
    transport: Transport,
    model: String,
    /// The first call's completion budget: the schema's bound, capped by the settings.
    max_tokens: u32,
    sampling: Sampling,
    dialect: SchemaDialect,
    deadline: Duration,
    context_tokens: u32,
    tokens: TokenCounter,
    /// The strict draft schema, sent as `response_format` and stated in JSON mode's prompt.
    schema: Value,
    /// The same schema, compiled once, that every answer must pass.
    validator: jsonschema::Validator,
    /// What the schema adds to a structured-output prompt, counted once.
    schema_tokens: u32,
    /// Set once the model has rejected structured outputs: later calls go straight to JSON mode.
    json_mode_only: AtomicBool,
}

impl std::fmt::Debug for OpenAiExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiExtractor")
            .field("endpoint", &self.transport.endpoint.as_str())
            .field("api_key", &self.transport.api_key)
            .field("model", &self.model)
            .field("max_tokens", &self.max_tokens)
            .field("dialect", &self.dialect)
            .field("sampling", &self.sampling)
            .field("max_retries", &self.transport.max_retries)
            .field("deadline", &self.deadline)
            .field("context_tokens", &self.context_tokens)
            .field(
                "json_mode_only",
                &self.json_mode_only.load(Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}

impl OpenAiExtractor {
    /// Checks `settings`, compiles the draft schema and loads the model's tokenizer (slow, so
    /// it happens here rather than on the first request).
    ///
    /// # Errors
    ///
    /// [`OpenAiConfigError`] naming the first setting that cannot work.
    pub fn new(settings: OpenAiSettings) -> Result<Self, OpenAiConfigError> {
        let endpoint = endpoint(&settings.base_url)?;
        if settings.model.trim().is_empty() {
            return Err(OpenAiConfigError::EmptyModel);
        }
        if let Some(key) = &settings.api_key {
            HeaderValue::from_str(&format!("Bearer {}", key.expose_secret()))
                .map_err(|_| OpenAiConfigError::BadApiKey)?;
        }
        if settings.max_tokens == 0 {
            return Err(OpenAiConfigError::ZeroMaxTokens);
        }
        if settings.deadline.is_zero() {
            return Err(OpenAiConfigError::ZeroDeadline);
        }
        if !(0.0..=2.0).contains(&settings.sampling.temperature) {
            return Err(OpenAiConfigError::BadTemperature);
        }
        if settings
            .sampling
            .frequency_penalty
            .is_some_and(|p| !(-2.0..=2.0).contains(&p))
        {
            return Err(OpenAiConfigError::BadFrequencyPenalty);
        }
        if settings.context_tokens <= settings.max_tokens {
            return Err(OpenAiConfigError::ContextTooSmall {
                context_tokens: settings.context_tokens,
                max_tokens: settings.max_tokens,
            });
        }
        let http =
            reqwest::Client::builder()
                .build()
                .map_err(|e| OpenAiConfigError::HttpClient {
                    reason: e.to_string(),
                })?;
        let dialect = settings.dialect();
        let schema = draft_schema_for(dialect);
        // The budget and the guard go by the full dialect's bounds whichever dialect is sent:
        // they are what a compact answer needs, enforced by the server or not.
        let bounded = draft_schema_for(SchemaDialect::Full);
        let max_tokens = answer_token_budget(&bounded).min(settings.max_tokens);
        let validator =
            jsonschema::validator_for(&schema).map_err(|e| OpenAiConfigError::DraftSchema {
                reason: e.to_string(),
            })?;
        let tokens = TokenCounter::for_model(&settings.model);
        let schema_tokens = tokens.count(&schema.to_string());
        Ok(Self {
            transport: Transport {
                http,
                endpoint,
                api_key: settings.api_key,
                max_retries: settings.max_retries,
                attempt_timeout: settings.attempt_timeout,
                max_answer_chars: runaway::max_total_chars(&bounded),
            },
            tokens,
            schema_tokens,
            model: settings.model,
            max_tokens,
            sampling: settings.sampling,
            dialect,
            deadline: settings.deadline,
            context_tokens: settings.context_tokens,
            schema,
            validator,
            json_mode_only: AtomicBool::new(false),
        })
    }

    /// The schema dialect this extractor sends.
    pub fn dialect(&self) -> SchemaDialect {
        self.dialect
    }

    /// The first call's completion budget.
    pub fn max_tokens(&self) -> u32 {
        self.max_tokens
    }

    /// The longest prompt that leaves room for the answer.
    fn prompt_limit(&self) -> u32 {
        self.context_tokens - self.max_tokens
    }

    fn first_format(&self) -> OutputFormat {
        if self.json_mode_only.load(Ordering::Relaxed) {
            OutputFormat::JsonObject
        } else {
            OutputFormat::JsonSchema
        }
    }

    /// The system prompt; JSON mode states the schema in it, since the server does not enforce
    /// one.
    fn system_prompt(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::JsonSchema => SYSTEM_PROMPT.to_owned(),
            OutputFormat::JsonObject => format!(
                "{SYSTEM_PROMPT}\n\nAnswer with one JSON object, and nothing else, that is valid \
                 against this JSON Schema:\n{}",
                self.schema
            ),
        }
    }

    /// Prompt tokens of `messages`, with the schema a structured-output request carries.
    fn count_prompt(&self, messages: &[Message], format: OutputFormat) -> u32 {
        let messages = self
            .tokens
            .count_messages(messages.iter().map(|m| m.content.as_str()));
        match format {
            OutputFormat::JsonSchema => messages.saturating_add(self.schema_tokens),
            OutputFormat::JsonObject => messages,
        }
    }

    /// Maps a client error no retry fixes.
    fn rejected(&self, status: StatusCode, error: &ApiError, prompt_tokens: u32) -> ExtractError {
        if error.is("context_length_exceeded") || error.is("exceed_context_size_error") {
            return ExtractError::InputTooLong {
                prompt_tokens,
                limit: self.prompt_limit(),
            };
        }
        tracing::warn!(status = status.as_u16(), upstream = %error.label(), "chat completion rejected");
        ExtractError::Unavailable {
            retryable: false,
            reason: format!(
                "the model's service refused the request: {status} ({})",
                error.label()
            ),
        }
    }
}

#[async_trait]
impl PersonaExtractor for OpenAiExtractor {
    fn name(&self) -> &'static str {
        NAME
    }

    /// The endpoint and model (the same name may be another model elsewhere), the schema
    /// dialect, the sampling and the completion budget: what decides the answer besides the
    /// prompt, whose version the cache keys on itself.
    fn fingerprint(&self) -> String {
        format!(
            "{NAME}|{}|{}|{:?}|{:?}|{}",
            self.transport.endpoint.as_str(),
            self.model,
            self.dialect,
            self.sampling,
            self.max_tokens
        )
    }

    async fn extract(&self, bundle: &SourceBundle) -> Result<Extraction, ExtractFailure> {
        self.extract_observed(bundle, &|_| {}).await
    }

    async fn extract_observed(
        &self,
        bundle: &SourceBundle,
        streamed: &(dyn Fn(u32) + Send + Sync),
    ) -> Result<Extraction, ExtractFailure> {
        self.converse(bundle, streamed).await
    }

    /// The context left for the material's text once the answer's budget, the instructions, the
    /// schema, the prompt's frame and the links are counted: what [`Self::extract`] refuses
    /// beyond, up to the few tokens that counting the blocks one by one differs from counting
    /// the whole prompt.
    fn chunk_budget(&self, bundle: &SourceBundle) -> Option<u32> {
        let format = self.first_format();
        // The prompt of this material's links around one one-letter block: all but the text.
        let frame = SourceBundle::parse(&["x".to_owned()], bundle.links())
            .map(|frame| user_prompt(&frame))
            .unwrap_or_else(|_| user_prompt(bundle));
        let messages = [
            Message::system(self.system_prompt(format)),
            Message::user(frame),
        ];
        Some(
            self.prompt_limit()
                .saturating_sub(self.count_prompt(&messages, format)),
        )
    }

    /// Tokens, counted with the model's tokenizer as the prompt is.
    fn measure(&self, text: &str) -> u32 {
        self.tokens.count(text)
    }

    /// The text's length in bytes: the tokenizers are byte-level BPE, whose every token stands
    /// for at least one byte.
    fn measure_bound(&self, text: &str) -> Option<u32> {
        Some(u32::try_from(text.len()).unwrap_or(u32::MAX))
    }

    fn measure_unit(&self) -> MeasureUnit {
        MeasureUnit::Tokens
    }
}
