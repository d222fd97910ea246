//! Splitting material that does not fit one extraction into chunks that do.
//!
//! [`split`] measures the material with the extractor's own measure (tokens for a model,
//! characters for the mock) against a budget: material that fits is one chunk, the bundle itself,
//! so nothing changes for it. Otherwise the text is cut into units, each a verbatim slice of one
//! block: a whole block when it fits, else its paragraphs, and a paragraph that does not fit into
//! its sentences. A cut never falls inside a sentence, so every quote a model could copy from a
//! chunk is a quote of the whole material. Units are packed in order into chunks up to the budget;
//! each chunk after the first starts with the last unit or two of the one before (the overlap, at
//! most a tenth of the budget, so in practice the last sentence or two of a paragraph that was cut),
//! so a fact whose context runs across a cut is read with that context at least once.
//!
//! Every pass is linear in the material: each character is measured at most three times (as part
//! of its block, its paragraph, its sentence), packing visits each unit once, and the overlap
//! revisits at most [`MAX_OVERLAP_UNITS`] units per chunk. A chunk's blocks keep their indices in
//! the whole material ([`SourceBundle::block_number`]), so `block:N` in a chunk's prompt and in the
//! evidence a model cites names the block of the whole material.

use std::fmt;
use std::ops::Range;

use thiserror::Error;

use crate::prompt::BLOCK_SEPARATOR;
use crate::source::SourceBundle;

/// The version of the splitting rules, part of [`ChunkSettings`]' fingerprint: a cache keyed by it
/// must not answer with a result cut by other rules.
pub const CHUNKING_VERSION: &str = "c1";

/// The most units of one chunk repeated at the start of the next.
pub const MAX_OVERLAP_UNITS: usize = 2;

/// The most chunks one material is cut into: each is a call to the model, and each holds a copy
/// of the links. Within the input rules it takes a context of under 1,000 tokens to need more.
pub const MAX_CHUNKS: usize = 128;

/// How material is cut: the most one chunk's text may measure, and how much of it may repeat the
/// previous chunk. Its [`fmt::Display`] is a stable fingerprint of everything that decides the
/// chunks of a given material under a given measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChunkSettings {
    /// The most material (each block's text with its `[block:N]` heading and separator) may
    /// measure and still go whole, in one chunk.
    pub budget: usize,
    /// The most a chunk of longer material may measure: four fifths of the budget, so that the
    /// difference between measuring the pieces and measuring the prompt, and an extractor's
    /// re-ask, stay within what one call takes.
    pub fill: usize,
    /// The most the units repeated from the previous chunk may measure.
    pub overlap: usize,
}

impl ChunkSettings {
    /// Material that measures up to `budget` whole; else chunks of at most four fifths of it,
    /// overlapping by at most a tenth of it.
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            fill: budget / 5 * 4,
            overlap: budget / 10,
        }
    }
}

impl fmt::Display for ChunkSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{CHUNKING_VERSION}:budget={}:fill={}:overlap={}:units={MAX_OVERLAP_UNITS}",
            self.budget, self.fill, self.overlap
        )
    }
}

/// Why material cannot be cut into chunks that fit. Names the block by its index, never its text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChunkError {
    /// A sentence (or a passage with no sentence end) alone measures more than the budget.
    #[error(
        "textBlocks[{block}] holds a passage of {size} with no sentence or paragraph break; at most {budget} fit one extraction"
    )]
    Unsplittable {
        block: usize,
        size: usize,
        budget: usize,
    },
    /// The material would take more than [`MAX_CHUNKS`] chunks.
    #[error("the material needs {needed} chunks; at most {max} are read for one request")]
    TooManyChunks { needed: usize, max: usize },
}

/// One verbatim slice of a block: the bundle's block `block`, bytes `range`, measuring `cost`.
#[derive(Debug, Clone)]
struct Unit {
    block: usize,
    range: Range<usize>,
    cost: usize,
}

/// Cuts `bundle` into chunks whose text measures at most `settings.fill` under `measure`.
/// Material that measures at most `settings.budget` is returned whole, as one chunk.
///
/// # Errors
///
/// [`ChunkError::Unsplittable`] when a single sentence does not fit a chunk;
/// [`ChunkError::TooManyChunks`] when the material would take more than [`MAX_CHUNKS`].
pub fn split(
    bundle: &SourceBundle,
    settings: ChunkSettings,
    measure: &dyn Fn(&str) -> usize,
) -> Result<Vec<SourceBundle>, ChunkError> {
    let blocks = bundle.text_blocks();
    let overheads: Vec<usize> = (0..blocks.len())
        .map(|i| heading_cost(bundle.block_number(i), measure))
        .collect();
    let block_costs: Vec<usize> = blocks.iter().map(|b| measure(b)).collect();
    let whole: usize = block_costs.iter().zip(&overheads).map(|(c, o)| c + o).sum();
    if whole <= settings.budget {
        return Ok(vec![bundle.clone()]);
    }

    let mut units = Vec::new();
    for (block, text) in blocks.iter().enumerate() {
        let room = settings.fill.saturating_sub(overheads[block]);
        if block_costs[block] <= room {
            units.push(Unit {
                block,
                range: 0..text.len(),
                cost: block_costs[block],
            });
            continue;
        }
        for paragraph in tiles(text, 0..text.len(), paragraph_starts) {
            let cost = measure(&text[paragraph.clone()]);
            if cost <= room {
                units.push(Unit {
                    block,
                    range: paragraph,
                    cost,
                });
                continue;
            }
            for sentence in tiles(text, paragraph, sentence_starts) {
                let cost = measure(&text[sentence.clone()]);
                if cost > room {
                    return Err(ChunkError::Unsplittable {
                        block: bundle.block_number(block),
                        size: cost,
                        budget: room,
                    });
                }
                units.push(Unit {
                    block,
                    range: sentence,
                    cost,
                });
            }
        }
    }

    let chunks = pack(&units, &overheads, settings);
    if chunks.len() > MAX_CHUNKS {
        return Err(ChunkError::TooManyChunks {
            needed: chunks.len(),
            max: MAX_CHUNKS,
        });
    }
    Ok(chunks
        .into_iter()
        .map(|range| excerpt(bundle, &units[range]))
        .collect())
}

/// Whether `bundle` measures at most `settings.budget` under `measure`, headings and separators
/// counted: the test [`split`] starts with, after which it returns the bundle itself. Given an
/// upper bound of the measure (never less than it), `true` means [`split`] would send the
/// material whole, found without measuring it exactly. Sums saturate, so a bound of
/// `usize::MAX` ("none known") gives `false` under any budget an extractor gives (a `u32`).
pub fn fits_whole(
    bundle: &SourceBundle,
    settings: ChunkSettings,
    measure: &dyn Fn(&str) -> usize,
) -> bool {
    let mut whole: usize = 0;
    for (i, block) in bundle.text_blocks().iter().enumerate() {
        whole = whole
            .saturating_add(heading_cost(bundle.block_number(i), measure))
            .saturating_add(measure(block));
        if whole > settings.budget {
            return false;
        }
    }
    true
}

/// What a block's `[block:N]` heading and its separator from the next block add to a prompt.
fn heading_cost(number: usize, measure: &dyn Fn(&str) -> usize) -> usize {
    measure(&format!("[block:{number}]\n")).saturating_add(measure(BLOCK_SEPARATOR))
}

/// Groups units, in order, into chunks (ranges of unit indices) that fit the budget, each after
/// the first starting with up to [`MAX_OVERLAP_UNITS`] units of the one before. Every unit fits on
/// its own, so every chunk holds at least one unit no earlier chunk held.
fn pack(units: &[Unit], overheads: &[usize], settings: ChunkSettings) -> Vec<Range<usize>> {
    let fill = |from: usize| {
        let mut cost = 0;
        let mut end = from;
        let mut block = None;
        while end < units.len() {
            let unit = &units[end];
            let heading = if block == Some(unit.block) {
                0
            } else {
                overheads[unit.block]
            };
            if end > from && cost + heading + unit.cost > settings.fill {
                break;
            }
            cost += heading + unit.cost;
            block = Some(unit.block);
            end += 1;
        }
        end
    };
    let mut chunks = Vec::new();
    let (mut from, mut done) = (0, 0);
    while done < units.len() {
        let mut end = fill(from);
        if end <= done {
            // The overlap left no room for anything new: this chunk starts fresh.
            from = done;
            end = fill(from);
        }
        chunks.push(from..end);
        done = end;
        from = overlap_start(units, from, done, settings.overlap);
    }
    chunks
}

/// Where the chunk after `from..done` starts: back from `done` by the last units that measure at
/// most `overlap` together, at most [`MAX_OVERLAP_UNITS`] of them, never back to `from` itself.
fn overlap_start(units: &[Unit], from: usize, done: usize, overlap: usize) -> usize {
    let mut start = done;
    let mut cost = 0;
    while start > from + 1
        && done - start < MAX_OVERLAP_UNITS
        && cost + units[start - 1].cost <= overlap
    {
        cost += units[start - 1].cost;
        start -= 1;
    }
    start
}

/// The chunk holding `units`: for each block they come from, the verbatim slice from its first
/// unit's start to its last unit's end (trimmed), under the block's number in the whole material.
fn excerpt(bundle: &SourceBundle, units: &[Unit]) -> SourceBundle {
    let blocks = bundle.text_blocks();
    let mut pieces: Vec<(usize, String)> = Vec::new();
    let mut i = 0;
    while i < units.len() {
        let block = units[i].block;
        let start = units[i].range.start;
        let mut end = units[i].range.end;
        while i < units.len() && units[i].block == block {
            end = units[i].range.end;
            i += 1;
        }
        let text = blocks[block][start..end].trim();
        pieces.push((bundle.block_number(block), text.to_owned()));
    }
    SourceBundle::excerpt(pieces, bundle.links().to_vec())
}

/// Cuts `range` of `text` into consecutive ranges that cover it, each beginning at one of the
/// positions `starts` finds (the first at `range.start`).
fn tiles(
    text: &str,
    range: Range<usize>,
    starts: fn(&str) -> Vec<usize>,
) -> impl Iterator<Item = Range<usize>> {
    let base = range.start;
    let mut bounds: Vec<usize> = starts(&text[range.clone()])
        .into_iter()
        .map(|at| base + at)
        .filter(|&at| at > base && at < range.end)
        .collect();
    bounds.insert(0, base);
    bounds.push(range.end);
    (0..bounds.len() - 1).map(move |i| bounds[i]..bounds[i + 1])
}

/// Where paragraphs begin: the first non-blank character after a blank line.
fn paragraph_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut offset = 0;
    let mut after_blank = false;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            after_blank = true;
        } else if after_blank {
            starts.push(offset + (line.len() - line.trim_start().len()));
            after_blank = false;
        }
        offset += line.len();
    }
    starts
}

/// Where sentences begin: the first non-whitespace character after a line break, or after `.`,
/// `!` or `?` followed by whitespace ("Dr.", "Mr." and initials such as "J." end no sentence).
fn sentence_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut ended = false;
    let mut word_start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c.is_whitespace() {
            word_start = at + c.len_utf8();
            if c == '\n' {
                ended = true;
            }
            continue;
        }
        if ended {
            starts.push(at);
            ended = false;
        }
        let next_is_space = chars.peek().is_none_or(|(_, n)| n.is_whitespace());
        if matches!(c, '.' | '!' | '?') && next_is_space {
            ended = c != '.' || !is_abbreviation(&text[word_start..at]);
        }
    }
    starts
}

/// Whether a word before a full stop is a title or an initial, after which a sentence goes on.
fn is_abbreviation(word: &str) -> bool {
    let single_capital = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
    single_capital
        || matches!(
            word,
            "Dr" | "Mr" | "Mrs" | "Ms" | "Prof" | "St" | "Jr" | "Sr"
        )
}

#[cfg(test)]
mod tests;
