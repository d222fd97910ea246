//! [`Tally`]: the tokens and calls one extraction has spent, summed over every call, reported
//! with its outcome whether it succeeded or not.

use persona_domain::PersonaDraft;
use persona_ports::{ExtractError, ExtractFailure, Extraction, Usage};

use crate::wire;

/// Tokens and calls spent on one extraction so far.
#[derive(Debug)]
pub(crate) struct Tally {
    model: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub attempts: u32,
}

impl Tally {
    pub fn new(model: &str) -> Self {
        Self {
            model: model.to_owned(),
            prompt_tokens: 0,
            completion_tokens: 0,
            attempts: 0,
        }
    }

    /// Adds a completion's usage; the model that answered replaces the configured name. A
    /// stream stopped early carries no usage: its `chunks` (about a token each) count instead.
    pub fn record(&mut self, response: &wire::ChatResponse, chunks: u32) {
        if let Some(usage) = response.usage {
            self.prompt_tokens = self.prompt_tokens.saturating_add(usage.prompt_tokens);
            self.completion_tokens = self
                .completion_tokens
                .saturating_add(usage.completion_tokens);
        } else {
            self.completion_tokens = self.completion_tokens.saturating_add(chunks);
        }
        if let Some(model) = response.model.as_deref().filter(|m| !m.is_empty()) {
            model.clone_into(&mut self.model);
        }
    }

    fn usage(&self) -> Usage {
        Usage {
            model: self.model.clone(),
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            attempts: self.attempts,
        }
    }

    pub fn success(&self, draft: PersonaDraft) -> Extraction {
        Extraction {
            draft,
            usage: self.usage(),
        }
    }

    /// A failure, with what was spent when any call was made.
    pub fn fail(&self, error: ExtractError) -> ExtractFailure {
        if self.attempts == 0 {
            error.into()
        } else {
            ExtractFailure::with_usage(error, self.usage())
        }
    }
}
