//! Reading a streamed completion (`stream: true`): server-sent events ([`crate::sse`]), each a
//! `CreateChatCompletionStreamResponse` chunk, assembled into the completion a non-streamed call
//! would have returned, with the [`Guard`] reading along so that a runaway is stopped as soon as
//! it shows.

use crate::runaway::Guard;
use crate::sse::{SseDecoder, SseError};
use crate::wire::{AnswerMessage, ApiError, ChatResponse, Choice, StreamChunk, TokenUsage};

/// What one piece of the stream did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Fed {
    /// More is to come.
    More,
    /// The server sent `[DONE]`.
    Done,
    /// The answer ran away, for this reason: stop reading.
    RanAway(String),
}

/// A stream this reader refuses.
#[derive(Debug)]
pub(crate) enum StreamFault {
    /// The event stream broke its bounds.
    Sse(SseError),
    /// An event that is not a chunk.
    NotAChunk,
    /// The server sent an error instead of the rest of the answer.
    Upstream(Box<ApiError>),
}

/// Assembles one streamed completion.
pub(crate) struct StreamReader {
    decoder: SseDecoder,
    guard: Guard,
    events: Vec<String>,
    content: String,
    refusal: String,
    finish_reason: Option<String>,
    model: Option<String>,
    usage: Option<TokenUsage>,
    /// Chunks that carried answer text.
    pub chunks: u32,
}

impl std::fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamReader")
            .field("chunks", &self.chunks)
            .field("finish_reason", &self.finish_reason)
            .finish_non_exhaustive()
    }
}

impl StreamReader {
    /// A reader whose guard lets answers of up to `max_chars` through.
    pub fn new(max_chars: usize) -> Self {
        Self {
            decoder: SseDecoder::default(),
            guard: Guard::new(max_chars),
            events: Vec::new(),
            content: String::new(),
            refusal: String::new(),
            finish_reason: None,
            model: None,
            usage: None,
            chunks: 0,
        }
    }

    /// Reads the next bytes of the body.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Fed, StreamFault> {
        let mut events = std::mem::take(&mut self.events);
        self.decoder
            .feed(bytes, &mut events)
            .map_err(StreamFault::Sse)?;
        let mut outcome = Ok(Fed::More);
        for event in events.drain(..) {
            outcome = self.event(&event);
            if !matches!(outcome, Ok(Fed::More)) {
                break;
            }
        }
        events.clear();
        self.events = events;
        outcome
    }

    fn event(&mut self, data: &str) -> Result<Fed, StreamFault> {
        if data.trim() == "[DONE]" {
            return Ok(Fed::Done);
        }
        let chunk: StreamChunk = serde_json::from_str(data).map_err(|_| StreamFault::NotAChunk)?;
        if let Some(error) = chunk.error {
            return Err(StreamFault::Upstream(Box::new(error)));
        }
        if let Some(model) = chunk.model.filter(|m| !m.is_empty()) {
            self.model = Some(model);
        }
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        // Only the first choice is read: the adapter asks for one (`n` is left at 1).
        let Some(choice) = chunk.choices.into_iter().next() else {
            return Ok(Fed::More);
        };
        if let Some(reason) = choice.finish_reason {
            self.finish_reason = Some(reason);
        }
        if let Some(refusal) = choice.delta.refusal {
            self.refusal.push_str(&refusal);
        }
        let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) else {
            return Ok(Fed::More);
        };
        self.chunks += 1;
        self.content.push_str(&text);
        Ok(self.guard.feed(&text).map_or(Fed::More, Fed::RanAway))
    }

    /// Whether the server said why the answer ended.
    pub fn finished(&self) -> bool {
        self.finish_reason.is_some()
    }

    /// The completion as a non-streamed call would have returned it.
    pub fn into_response(self) -> ChatResponse {
        let refusal = (!self.refusal.is_empty()).then_some(self.refusal);
        ChatResponse {
            model: self.model,
            choices: vec![Choice {
                message: AnswerMessage {
                    content: Some(self.content),
                    refusal,
                },
                finish_reason: self.finish_reason,
            }],
            usage: self.usage,
        }
    }
}
