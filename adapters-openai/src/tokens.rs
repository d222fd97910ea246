//! Prompt token counts, before anything is sent, so an input that cannot fit the model's
//! context is refused without spending a call.
//!
//! The count uses the model family's tokenizer: `cl100k_base` for GPT-4 and GPT-3.5,
//! `o200k_base` for the GPT-4o family, the o-series and any model tiktoken does not know (most
//! compatible servers run other tokenizers; the count is then an estimate). Each tokenizer is
//! built once per process by `tiktoken-rs`'s singletons.

use tiktoken_rs::CoreBPE;
use tiktoken_rs::tokenizer::{Tokenizer, get_tokenizer};

/// Tokens the chat format adds around each message (role and separators).
const PER_MESSAGE_OVERHEAD: u32 = 4;
/// Tokens that prime the assistant's reply.
const REPLY_PRIMING: u32 = 3;

/// Counts tokens the way one model does.
#[derive(Clone, Copy)]
pub(crate) struct TokenCounter {
    bpe: &'static CoreBPE,
}

impl std::fmt::Debug for TokenCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCounter").finish_non_exhaustive()
    }
}

impl TokenCounter {
    /// The counter for `model`, building its tokenizer on first use (slow: do it at startup).
    pub fn for_model(model: &str) -> Self {
        let bpe = match get_tokenizer(model) {
            Some(Tokenizer::Cl100kBase) => tiktoken_rs::cl100k_base_singleton(),
            _ => tiktoken_rs::o200k_base_singleton(),
        };
        Self { bpe }
    }

    /// Tokens in `text`, special-token look-alikes counted as ordinary text.
    pub fn count(&self, text: &str) -> u32 {
        u32::try_from(self.bpe.encode_ordinary(text).len()).unwrap_or(u32::MAX)
    }

    /// Tokens a prompt of these message contents takes, with the chat format's overhead.
    pub fn count_messages<'a>(&self, contents: impl IntoIterator<Item = &'a str>) -> u32 {
        contents
            .into_iter()
            .map(|c| self.count(c).saturating_add(PER_MESSAGE_OVERHEAD))
            .fold(REPLY_PRIMING, u32::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o200k(text: &str) -> u32 {
        tiktoken_rs::o200k_base_singleton()
            .encode_ordinary(text)
            .len() as u32
    }

    fn cl100k(text: &str) -> u32 {
        tiktoken_rs::cl100k_base_singleton()
            .encode_ordinary(text)
            .len() as u32
    }

    #[test]
    fn gpt_4o_models_use_o200k_and_older_gpt_4_uses_cl100k() {
        let text = "Größenordnung 東京都庁舎 ист ночь 🙂🙂🙂";
        assert_ne!(
            o200k(text),
            cl100k(text),
            "a text the two tokenizers split differently"
        );
        for model in ["gpt-4o-mini", "gpt-4o", "o3-mini", "gpt-4.1"] {
            assert_eq!(
                TokenCounter::for_model(model).count(text),
                o200k(text),
                "{model}"
            );
        }
        for model in ["gpt-4", "gpt-4-turbo", "gpt-3.5-turbo"] {
            assert_eq!(
                TokenCounter::for_model(model).count(text),
                cl100k(text),
                "{model}"
            );
        }
    }

    #[test]
    fn unknown_models_fall_back_to_o200k() {
        let text = "Größenordnung 東京都庁舎 ист ночь 🙂🙂🙂";
        assert_eq!(
            TokenCounter::for_model("llama3.1:8b").count(text),
            o200k(text)
        );
    }

    #[test]
    fn each_message_adds_its_overhead() {
        let counter = TokenCounter::for_model("gpt-4o");
        let one = counter.count_messages(["hello"]);
        let two = counter.count_messages(["hello", "hello"]);
        assert_eq!(
            one,
            REPLY_PRIMING + counter.count("hello") + PER_MESSAGE_OVERHEAD
        );
        assert_eq!(two - one, counter.count("hello") + PER_MESSAGE_OVERHEAD);
    }
}
