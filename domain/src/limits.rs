//! Every size limit of the domain, in one place, so the rules, the schemas and the docs agree.
//!
//! Lengths are counted in Unicode scalar values (Rust `char`s), not bytes.

/// At least one and at most this many text blocks per request.
pub const MAX_TEXT_BLOCKS: usize = 50;
/// Characters in one text block, after trimming.
pub const MAX_BLOCK_CHARS: usize = 100_000;
/// Characters in all text blocks together, after trimming.
pub const MAX_TOTAL_CHARS: usize = 300_000;
/// Links per request, before de-duplication.
pub const MAX_LINKS: usize = 50;
/// Characters in one link.
pub const MAX_LINK_CHARS: usize = 2_048;

/// Items in each list field (`traits`, `interests`, …, `quotes`).
pub const MAX_LIST_ITEMS: usize = 20;
/// Characters in one list item.
pub const MAX_ITEM_CHARS: usize = 200;
/// Characters in `name`, `occupation` and `location`.
pub const MAX_SHORT_CHARS: usize = 200;
/// Characters in `communication_style`.
pub const MAX_STYLE_CHARS: usize = 500;
/// Characters in `background`.
pub const MAX_BACKGROUND_CHARS: usize = 2_000;
/// Characters in one quote (in `quotes` and in `evidence`).
pub const MAX_QUOTE_CHARS: usize = 500;
/// Items in `evidence`.
pub const MAX_EVIDENCE: usize = 50;
/// Characters in an evidence item's `field`.
pub const MAX_EVIDENCE_FIELD_CHARS: usize = 64;
/// Characters in an evidence item's `source` (a block name or a link).
pub const MAX_EVIDENCE_SOURCE_CHARS: usize = MAX_LINK_CHARS + 16;
/// The oldest age a persona may have; anything outside `0..=MAX_AGE` becomes null.
pub const MAX_AGE: i64 = 130;
/// The furthest a grounding span may end: a request body holds at most 1 MiB, so no character of
/// a text block as a client sent it lies beyond this.
pub const MAX_SPAN_END: usize = 1_048_576;

// What a model is asked for (the answer bounds of `schema::bounds`): well inside the limits
// above, enough for a one-paragraph source and a page of notes. A small local model repeats
// itself inside an unbounded string, so the schema a grammar-compiling server gets bounds each.

/// Items in each list field of a model's answer.
pub const ANSWER_LIST_ITEMS: usize = 6;
/// Characters in one list item of a model's answer.
pub const ANSWER_ITEM_CHARS: usize = 48;
/// Characters in `name`, `occupation` and `location` of a model's answer.
pub const ANSWER_SHORT_CHARS: usize = 80;
/// Characters in `background` of a model's answer.
pub const ANSWER_BACKGROUND_CHARS: usize = 400;
/// Characters in `communication_style` of a model's answer.
pub const ANSWER_STYLE_CHARS: usize = 120;
/// Items in `quotes` of a model's answer.
pub const ANSWER_QUOTES: usize = 3;
/// Characters in one quote (in `quotes` and in `evidence`) of a model's answer.
pub const ANSWER_QUOTE_CHARS: usize = 160;
/// Items in `evidence` of a model's answer.
pub const ANSWER_EVIDENCE: usize = 8;
/// Characters in an evidence item's `field` in a model's answer.
pub const ANSWER_EVIDENCE_FIELD_CHARS: usize = 24;
/// Characters in an evidence item's `source` in a model's answer.
pub const ANSWER_EVIDENCE_SOURCE_CHARS: usize = 100;
