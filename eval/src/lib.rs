//! `persona-eval`: runs the process-persona pipeline over a corpus of labelled sources and says
//! how well the extractor did, so models and prompts can be compared on the same data.
//!
//! The pipeline is the real one, built by the composition root (`persona-wiring`) and driven
//! through [`persona_api::Api::handle`] exactly as the server drives it, with either the mock
//! extractor or any OpenAI-compatible endpoint, always over an in-memory store. Each case is one
//! `POST /api/process-persona` with its `textBlocks` and `links`; the JSON answer is read and
//! scored against the case's labels.
//!
//! # What is measured
//!
//! - **Schema-valid rate**: answers that are a 200 with a persona, over all cases (the pipeline
//!   validates every persona, so a 200 is valid and a 422 `EXTRACTION_FAILED` is not), and the
//!   other answers counted by error code.
//! - **Precision and recall per field** (`name`, `age`, `occupation`, `location`, `skills`,
//!   `interests`, `languages`, `values`, `goals`, `traits`) and over all fields, micro-averaged.
//!   Matching rules are in [`matching`], counting rules in [`score`]: values are lowercased,
//!   trimmed, whitespace-collapsed and stripped of punctuation at the ends; a text value matches
//!   when equal or when one contains the other as whole words; `age` matches only when equal;
//!   "Unnamed persona" counts as no name; list items are paired at most once each. A field a
//!   case does not label is not scored; a denominator of 0 shows `n/a`.
//! - **Grounding**: the share of values quoted, stated and inferred, and fabricated quotes (in
//!   total and per persona), from `data.grounding.counts` of the answers that carry it; `n/a`
//!   when none does.
//! - **Cost**: mean attempts, prompt and completion tokens per persona, from `data.usage`.
//! - **Latency**: p50 and max per case. Shown, never compared: it is not deterministic.
//!
//! A baseline holds every figure but latency; [`check::compare`] says which figures got worse.
//!
//! # Layout
//!
//! - [`args`]: the command line.
//! - [`corpus`] and [`labels`]: the labelled cases.
//! - [`run`]: the configuration, the pipeline, one request per case.
//! - [`answer`]: reading an answer. [`matching`] and [`score`]: scoring one answer.
//! - [`figures`]: adding up a run. [`table`]: the report and its Markdown.
//! - [`check`]: comparing with a baseline.

pub mod answer;
pub mod args;
pub mod check;
pub mod corpus;
pub mod figures;
pub mod labels;
pub mod matching;
pub mod run;
pub mod score;
pub mod table;

use std::path::Path;

use figures::Figures;

/// Reads a baseline written by [`write_baseline`].
///
/// # Errors
///
/// A sentence naming the file and what is wrong with it.
pub fn read_baseline(path: &Path) -> Result<Figures, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a persona-eval baseline: {e}", path.display()))
}

/// Writes `figures` as a baseline: pretty JSON, one trailing newline.
///
/// # Errors
///
/// When the file cannot be written.
pub fn write_baseline(path: &Path, figures: &Figures) -> Result<(), String> {
    write_json(path, figures)
}

/// Writes `value` as pretty JSON with one trailing newline.
///
/// # Errors
///
/// When the file cannot be written.
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| format!("cannot encode {}: {e}", path.display()))?;
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
