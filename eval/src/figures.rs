//! Aggregating case results into the run's figures.
//!
//! - Precision and recall are micro-averaged: the true and false positives and false negatives of
//!   every case are added up, per field and over all fields, before dividing.
//! - The schema-valid rate is the share of cases answered 200 with a persona (the pipeline
//!   validates every persona against the domain's rules, so a 200 is valid and a 422
//!   `EXTRACTION_FAILED` is not).
//! - Grounding shares come from the `grounding.counts` of the answers that carry one; when none
//!   does, every grounding figure is `None` (shown `n/a`), never zero.
//! - Attempts and tokens are means over the answers that report usage.
//! - Latency (p50 by nearest rank, and max) covers every case, errors included; it is kept apart
//!   from [`Figures`] because it is not deterministic.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::answer::{Answer, GroundingCounts};
use crate::labels::{Field, SCORED};
use crate::score::{Tally, ratio};

/// The outcome of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub case: String,
    pub answer: Answer,
    pub tallies: BTreeMap<Field, Tally>,
    pub latency: Duration,
}

/// Every deterministic figure of a run: what a baseline holds and `--check` compares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub cases: u64,
    /// Answers that were a 200 with a persona.
    pub valid: u64,
    pub schema_valid_rate: Option<f64>,
    /// Cases by error code.
    pub errors: BTreeMap<String, u64>,
    /// Every field, labelled or not, in table order.
    pub fields: BTreeMap<Field, FieldFigures>,
    /// All fields together.
    pub all_fields: FieldFigures,
    /// `None` when no answer carries grounding.
    pub grounding: Option<GroundingFigures>,
    /// `None` when no answer reports usage.
    pub usage: Option<UsageFigures>,
}

/// One field's counts, and precision and recall (`None` when the denominator is 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FieldFigures {
    /// Cases that label this field.
    pub labelled: u64,
    #[serde(flatten)]
    pub tally: Tally,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
}

/// What the answers' grounding says, over every value of every answer that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GroundingFigures {
    /// Answers that carry grounding.
    pub answers: u64,
    #[serde(flatten)]
    pub counts: GroundingCounts,
    pub quoted_share: Option<f64>,
    pub stated_share: Option<f64>,
    pub inferred_share: Option<f64>,
    pub fabricated_quotes_per_persona: Option<f64>,
}

/// Means over the answers that report usage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UsageFigures {
    pub answers: u64,
    pub mean_attempts: Option<f64>,
    pub mean_prompt_tokens: Option<f64>,
    pub mean_completion_tokens: Option<f64>,
    /// Answers served from a cache rather than the model.
    pub cached: u64,
}

/// Latency over every case, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub p50_ms: f64,
    pub max_ms: f64,
}

/// Adds up the results of a run.
pub fn aggregate(results: &[CaseResult]) -> Figures {
    let cases = results.len() as u64;
    let mut valid = 0;
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut tallies: BTreeMap<Field, (u64, Tally)> = BTreeMap::new();
    let mut grounding: Option<(u64, GroundingCounts)> = None;
    let (mut usage_answers, mut attempts, mut prompt, mut completion, mut cached) = (0, 0, 0, 0, 0);
    for result in results {
        for (field, tally) in &result.tallies {
            let entry = tallies.entry(*field).or_default();
            entry.0 += 1;
            entry.1 += *tally;
        }
        match &result.answer {
            Answer::Error { code } => *errors.entry(code.clone()).or_default() += 1,
            Answer::Persona {
                usage,
                grounding: counts,
                ..
            } => {
                valid += 1;
                if let Some(u) = usage {
                    usage_answers += 1;
                    attempts += u.attempts;
                    prompt += u.prompt_tokens;
                    completion += u.completion_tokens;
                    cached += u64::from(u.cached);
                }
                if let Some(c) = counts {
                    let (answers, sum) = grounding.get_or_insert_default();
                    *answers += 1;
                    sum.quoted += c.quoted;
                    sum.stated += c.stated;
                    sum.inferred += c.inferred;
                    sum.fabricated_quotes += c.fabricated_quotes;
                }
            }
        }
    }
    let fields: BTreeMap<Field, FieldFigures> = SCORED
        .into_iter()
        .map(|f| {
            let (labelled, tally) = tallies.get(&f).copied().unwrap_or_default();
            (f, field_figures(labelled, tally))
        })
        .collect();
    let mut all = Tally::default();
    for figures in fields.values() {
        all += figures.tally;
    }
    let labelled_cases = results.iter().filter(|r| !r.tallies.is_empty()).count() as u64;
    Figures {
        cases,
        valid,
        schema_valid_rate: ratio(valid, cases),
        errors,
        fields,
        all_fields: field_figures(labelled_cases, all),
        grounding: grounding.map(|(answers, counts)| grounding_figures(answers, counts)),
        usage: (usage_answers > 0).then(|| UsageFigures {
            answers: usage_answers,
            mean_attempts: ratio(attempts, usage_answers),
            mean_prompt_tokens: ratio(prompt, usage_answers),
            mean_completion_tokens: ratio(completion, usage_answers),
            cached,
        }),
    }
}

fn field_figures(labelled: u64, tally: Tally) -> FieldFigures {
    FieldFigures {
        labelled,
        tally,
        precision: tally.precision(),
        recall: tally.recall(),
    }
}

fn grounding_figures(answers: u64, counts: GroundingCounts) -> GroundingFigures {
    let values = counts.quoted + counts.stated + counts.inferred;
    GroundingFigures {
        answers,
        counts,
        quoted_share: ratio(counts.quoted, values),
        stated_share: ratio(counts.stated, values),
        inferred_share: ratio(counts.inferred, values),
        fabricated_quotes_per_persona: ratio(counts.fabricated_quotes, answers),
    }
}

/// The latency of a run's cases, or `None` for no case.
pub fn latency(results: &[CaseResult]) -> Option<Latency> {
    let mut ms: Vec<f64> = results
        .iter()
        .map(|r| r.latency.as_secs_f64() * 1000.0)
        .collect();
    ms.sort_by(f64::total_cmp);
    // Nearest rank: the smallest value with at least half of the values at or below it.
    let p50 = *ms.get(ms.len().div_ceil(2).checked_sub(1)?)?;
    Some(Latency {
        p50_ms: p50,
        max_ms: *ms.last()?,
    })
}

#[cfg(test)]
mod tests;
