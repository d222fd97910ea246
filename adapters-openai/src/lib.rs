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
//! `wire` holds the request and response types, `retry` the retry policy, `transport` the HTTP
//! calls, `sse` and `stream` the reading of a streamed answer, `runaway` the guard that stops a
//! degenerate one, `answer` the judging of a completion, `tokens` the counting, `settings` the
//! configuration and its checks.

mod answer;
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

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use persona_domain::SourceBundle;
use persona_domain::prompt::{SYSTEM_PROMPT, user_prompt};
use persona_domain::schema::{DRAFT_SCHEMA_NAME, answer_token_budget, draft_schema_for};
use persona_ports::{ExtractError, ExtractFailure, Extraction, MeasureUnit, PersonaExtractor};
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use secrecy::ExposeSecret;
use serde_json::Value;

use answer::Verdict;
pub use persona_domain::schema::SchemaDialect;
use settings::endpoint;
pub use settings::{OpenAiConfigError, OpenAiSettings, Sampling};
use tally::Tally;
use tokens::TokenCounter;
use transport::{CallError, Transport};
use wire::{ApiError, ChatRequest, Message, OutputFormat, StreamOptions};

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

    /// The streamed count is the completion tokens of this extraction's earlier calls (re-asks)
    /// and the chunks of answer text of the current one: it only grows.
    #[tracing::instrument(skip_all, fields(model = %self.model, blocks = bundle.text_blocks().len()))]
    async fn extract_observed(
        &self,
        bundle: &SourceBundle,
        streamed: &(dyn Fn(u32) + Send + Sync),
    ) -> Result<Extraction, ExtractFailure> {
        let deadline = Instant::now() + self.deadline;
        let mut format = self.first_format();
        let mut messages = vec![
            Message::system(self.system_prompt(format)),
            Message::user(user_prompt(bundle)),
        ];
        let prompt_tokens = self.count_prompt(&messages, format);
        tracing::debug!(prompt_tokens, "prompt counted");
        if prompt_tokens > self.prompt_limit() {
            return Err(ExtractError::InputTooLong {
                prompt_tokens,
                limit: self.prompt_limit(),
            }
            .into());
        }

        let mut tally = Tally::new(&self.model);
        let told = AtomicU32::new(0);
        let mut budget = self.max_tokens;
        let mut budget_raised = false;
        let mut corrected = false;
        let mut restarted = false;
        let mut sampling = self.sampling;
        loop {
            let response_format = format.response_format(DRAFT_SCHEMA_NAME, &self.schema);
            let body = serde_json::to_vec(&ChatRequest {
                model: &self.model,
                messages: &messages,
                response_format: &response_format,
                max_tokens: budget,
                temperature: sampling.temperature,
                frequency_penalty: sampling.frequency_penalty,
                seed: sampling.seed,
                stream: true,
                stream_options: StreamOptions {
                    include_usage: true,
                },
            })
            .map_err(|e| tally.fail(ExtractError::Unexpected(e.to_string())))?;

            let before = tally.completion_tokens;
            // A retried attempt streams from its first chunk again: told only past the most
            // told so far.
            let so_far = |chunks: u32| {
                let count = before.saturating_add(chunks);
                if told.fetch_max(count, Ordering::Relaxed) < count {
                    streamed(count);
                }
            };
            let answer = match self
                .transport
                .call(&body, deadline, &mut tally.attempts, &so_far)
                .await
            {
                Ok(answer) => answer,
                Err(CallError::Port(error)) => return Err(tally.fail(error)),
                Err(CallError::Rejected { status, error })
                    if format == OutputFormat::JsonSchema && error.rejects_json_schema() =>
                {
                    tracing::warn!(status = status.as_u16(), upstream = %error.label(),
                        "the model rejects structured outputs; falling back to JSON mode");
                    self.json_mode_only.store(true, Ordering::Relaxed);
                    format = OutputFormat::JsonObject;
                    messages[0] = Message::system(self.system_prompt(format));
                    continue;
                }
                Err(CallError::Rejected { status, error }) => {
                    let prompt_tokens = self.count_prompt(&messages, format);
                    return Err(tally.fail(self.rejected(status, &error, prompt_tokens)));
                }
            };
            tally.record(&answer.response, answer.chunks);
            tracing::info!(
                request_id = answer.request_id.as_deref().unwrap_or("-"),
                prompt_tokens = tally.prompt_tokens,
                completion_tokens = tally.completion_tokens,
                attempts = tally.attempts,
                "chat completion answered"
            );

            if let Some(reason) = answer.ran_away {
                if restarted {
                    return Err(tally.fail(ExtractError::InvalidOutput {
                        reason: format!("the answer ran away twice: {reason}"),
                    }));
                }
                tracing::info!(reason = %reason, "answer ran away; asking again");
                restarted = true;
                sampling.frequency_penalty = Some(
                    sampling
                        .frequency_penalty
                        .map_or(RUNAWAY_PENALTY, |p| p.max(RUNAWAY_PENALTY)),
                );
                messages.push(Message::user(answer::runaway_request(&reason)));
                continue;
            }

            match answer::judge(&answer.response, &self.validator) {
                Verdict::Draft(draft) => return Ok(tally.success(*draft)),
                Verdict::Refused { words } => {
                    tracing::warn!(refusal = %words, "the model declined the material");
                    return Err(tally.fail(ExtractError::Refused));
                }
                Verdict::CutOff => {
                    let room = self
                        .context_tokens
                        .saturating_sub(self.count_prompt(&messages, format));
                    let bigger = budget
                        .saturating_mul(2)
                        .min(MAX_COMPLETION_BUDGET)
                        .min(room);
                    if budget_raised || bigger <= budget {
                        return Err(tally.fail(ExtractError::InvalidOutput {
                            reason: format!("the answer was cut off at {budget} tokens"),
                        }));
                    }
                    tracing::info!(
                        from = budget,
                        to = bigger,
                        "answer cut off; raising the budget"
                    );
                    budget_raised = true;
                    budget = bigger;
                }
                Verdict::Invalid { answer, problems } => {
                    if corrected {
                        return Err(tally.fail(ExtractError::InvalidOutput {
                            reason: format!(
                                "the answer did not follow the schema: {}",
                                problems.join("; ")
                            ),
                        }));
                    }
                    tracing::info!(
                        problems = problems.len(),
                        "answer invalid; asking for a correction"
                    );
                    corrected = true;
                    messages.push(Message::assistant(answer));
                    messages.push(Message::user(answer::correction_request(&problems)));
                }
            }
        }
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
