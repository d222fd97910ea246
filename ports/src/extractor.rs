//! The extractor port: material in, persona draft out.

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;
use persona_domain::{PersonaDraft, SourceBundle};
use thiserror::Error;

/// Turns a person's material into a draft persona.
///
/// Implementations: the OpenAI-compatible LLM adapter and the deterministic mock.
#[async_trait]
pub trait PersonaExtractor: Send + Sync + Debug + 'static {
    /// A short, stable name for logs and health (`"mock"`, `"openai"`).
    fn name(&self) -> &'static str;

    /// Everything about this extractor that decides what it makes of given material (its
    /// name, the model and where it is served, the schema dialect, the sampling), written into
    /// the process cache's key so that a change of any of them is a miss. The default, the name
    /// alone, is right only for an extractor without such settings.
    fn fingerprint(&self) -> String {
        self.name().to_owned()
    }

    /// Extracts a draft persona from `bundle`.
    ///
    /// The draft is raw: the caller applies the domain's rules to it. The same bundle MAY give
    /// different drafts on different calls (an LLM is not deterministic); a deterministic adapter
    /// MUST give the same draft every time.
    ///
    /// # Errors
    ///
    /// - MUST return [`ExtractError::RateLimited`] when the upstream refuses for rate, with how
    ///   long to wait when the upstream says so.
    /// - MUST return [`ExtractError::Timeout`] when no answer came within the adapter's deadline.
    /// - MUST return [`ExtractError::Unavailable`] when the upstream cannot serve (down, overloaded,
    ///   misconfigured, out of quota), saying whether trying again later may help.
    /// - MUST return [`ExtractError::Refused`] when the model declines the material.
    /// - MUST return [`ExtractError::InvalidOutput`] when the model's answer stayed unusable (not
    ///   JSON, or not of the draft schema) after the adapter's own retries.
    /// - MUST return [`ExtractError::InputTooLong`] when the material cannot fit the model's
    ///   context, before spending a call on it when the adapter can tell.
    /// - MUST return [`ExtractError::Misconfigured`] when the upstream rejects the service itself
    ///   (bad key, forbidden, unknown model or address), and [`ExtractError::QuotaExhausted`] when
    ///   the account has no quota left; neither is retried.
    /// - MUST NOT put the user's text into any error.
    /// - SHOULD report what the failed attempts cost in [`ExtractFailure::usage`].
    async fn extract(&self, bundle: &SourceBundle) -> Result<Extraction, ExtractFailure>;

    /// [`PersonaExtractor::extract`], telling `streamed` how many completion tokens have arrived
    /// so far in this extraction while the model streams its answer (about one a streamed chunk,
    /// the calls of re-asks added): the progress of one long call, which a background job shows.
    /// The count only grows. The default streams nothing and never calls `streamed`.
    ///
    /// # Errors
    ///
    /// As [`PersonaExtractor::extract`].
    async fn extract_observed(
        &self,
        bundle: &SourceBundle,
        streamed: &(dyn Fn(u32) + Send + Sync),
    ) -> Result<Extraction, ExtractFailure> {
        let _ = streamed;
        self.extract(bundle).await
    }

    /// How much text one call to [`PersonaExtractor::extract`] can take from `bundle`, in the
    /// unit of [`PersonaExtractor::measure`], counting each block's text with its `[block:N]`
    /// heading and separator but not what every prompt carries (the instructions, the schema,
    /// the links). `None` (the default): any material the input rules allow fits one call, and
    /// the service never splits it.
    ///
    /// MUST leave room for the answer, so that a chunk whose text measures at most this is not
    /// refused with [`ExtractError::InputTooLong`]. Material that measures at most this MUST
    /// give the same result as before chunking existed: the service sends it whole.
    fn chunk_budget(&self, bundle: &SourceBundle) -> Option<u32> {
        let _ = bundle;
        None
    }

    /// The size of `text` in the unit of [`PersonaExtractor::chunk_budget`]: tokens for a model
    /// (by default, characters). Called once per block, paragraph or sentence of a long
    /// material, so it MUST be linear in `text`.
    fn measure(&self, text: &str) -> u32 {
        u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
    }

    /// A cheap upper bound of [`PersonaExtractor::measure`] of `text`, or `None` (the default)
    /// when the extractor knows none. Material whose bound fits the
    /// [`PersonaExtractor::chunk_budget`] is sent whole without being measured, so an extractor
    /// that counts its prompt in [`PersonaExtractor::extract`] anyway counts it once. MUST
    /// never be less than `measure(text)`, and MUST be constant time or close to it.
    fn measure_bound(&self, text: &str) -> Option<u32> {
        let _ = text;
        None
    }

    /// What [`PersonaExtractor::measure`] counts, for messages that give a size: MUST be
    /// [`MeasureUnit::Tokens`] when it counts tokens. The default goes with the default measure.
    fn measure_unit(&self) -> MeasureUnit {
        MeasureUnit::Characters
    }
}

/// The unit of an extractor's [`PersonaExtractor::measure`] and
/// [`PersonaExtractor::chunk_budget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureUnit {
    /// Characters (Unicode scalar values): the mock's unit.
    Characters,
    /// The model's tokens.
    Tokens,
}

impl MeasureUnit {
    /// The unit's name in a message, plural: `characters`, `tokens`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Characters => "characters",
            Self::Tokens => "tokens",
        }
    }
}

impl std::fmt::Display for MeasureUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// mockall cannot mock a method taking a `dyn Fn`: the mock leaves `extract_observed` to its
// default, which calls the mocked `extract`.
#[cfg(test)]
mockall::mock! {
    pub PersonaExtractor {}

    #[async_trait]
    impl PersonaExtractor for PersonaExtractor {
        fn name(&self) -> &'static str;
        fn fingerprint(&self) -> String;
        async fn extract(&self, bundle: &SourceBundle) -> Result<Extraction, ExtractFailure>;
        fn chunk_budget(&self, bundle: &SourceBundle) -> Option<u32>;
        fn measure(&self, text: &str) -> u32;
        fn measure_bound(&self, text: &str) -> Option<u32>;
        fn measure_unit(&self) -> MeasureUnit;
    }
}

#[cfg(test)]
impl Debug for MockPersonaExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MockPersonaExtractor")
    }
}

/// A draft and what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extraction {
    pub draft: PersonaDraft,
    pub usage: Usage,
}

/// What an extraction cost, summed over every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    /// The model that answered (`"mock"` for the mock).
    pub model: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    /// Calls made to the model, retries included.
    pub attempts: u32,
}

/// Why an extraction failed. Messages carry no user text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExtractError {
    #[error("the model's service is rate limiting requests")]
    RateLimited { retry_after: Option<Duration> },
    #[error("the model did not answer in time")]
    Timeout,
    #[error("the model's service is unavailable: {reason}")]
    Unavailable { retryable: bool, reason: String },
    #[error("the model declined to process the material")]
    Refused,
    #[error("the model's answer stayed invalid: {reason}")]
    InvalidOutput { reason: String },
    #[error("the material is {prompt_tokens} tokens; the model takes at most {limit}")]
    InputTooLong { prompt_tokens: u32, limit: u32 },
    #[error("the model's service rejected this service's configuration: {reason}")]
    Misconfigured { reason: String },
    #[error("the model's account is out of quota")]
    QuotaExhausted,
    /// The material is too long for one call and cannot be cut into chunks that fit: text block
    /// `block` holds a passage with no sentence or paragraph break that alone measures more than
    /// one call takes (`size` and `limit` in the extractor's `unit`).
    #[error(
        "text block {block} holds a passage of {size} {unit} with no break; one call takes at most {limit}"
    )]
    Unsplittable {
        block: usize,
        size: u32,
        limit: u32,
        unit: MeasureUnit,
    },
    /// The material is too long for one call, and would take more than the most chunks one
    /// request reads (`persona_domain::chunk::MAX_CHUNKS`).
    #[error(
        "the material needs {chunks} calls of the model; at most {max} are made for one request"
    )]
    TooManyChunks { chunks: u32, max: u32 },
    /// Every turn at the model is taken and the wait for one ran out (or too many already wait).
    #[error("every turn at the model is taken")]
    Busy { retry_after: Duration },
    #[error("unexpected extractor failure: {0}")]
    Unexpected(String),
}

/// A failed extraction: why, and what the attempts cost (`None` when no call was made).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{error}")]
pub struct ExtractFailure {
    pub error: ExtractError,
    pub usage: Option<Usage>,
}

impl ExtractFailure {
    /// A failure after calls that cost `usage`.
    pub fn with_usage(error: ExtractError, usage: Usage) -> Self {
        Self {
            error,
            usage: Some(usage),
        }
    }
}

impl From<ExtractError> for ExtractFailure {
    /// A failure before any call was made.
    fn from(error: ExtractError) -> Self {
        Self { error, usage: None }
    }
}
