//! One extraction's conversation with the model: the prompt counted and sent, the answer
//! streamed and judged, and the re-asks the crate documentation lists, until a draft or a
//! failure, with every call's tokens summed.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use persona_domain::SourceBundle;
use persona_domain::prompt::user_prompt;
use persona_domain::schema::DRAFT_SCHEMA_NAME;
use persona_ports::{ExtractError, ExtractFailure, Extraction};

use crate::answer::{self, Verdict};
use crate::tally::Tally;
use crate::transport::CallError;
use crate::wire::{ChatRequest, Message, OutputFormat, StreamOptions};
use crate::{MAX_COMPLETION_BUDGET, OpenAiExtractor, RUNAWAY_PENALTY};

impl OpenAiExtractor {
    /// The streamed count is the completion tokens of this extraction's earlier calls (re-asks)
    /// and the chunks of answer text of the current one: it only grows.
    #[tracing::instrument(skip_all, fields(model = %self.model, blocks = bundle.text_blocks().len()))]
    pub(crate) async fn converse(
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
}
