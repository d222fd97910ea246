//! Finding words in the source: every block folded and split into words once, then searched for
//! each quote and value.

use std::collections::HashMap;

use super::fold::{Folded, on_word_boundaries};
use super::{FUZZY_MIN_OVERLAP_PERCENT, FUZZY_MIN_WORDS};
use crate::source::SourceBundle;

/// Where something was found: characters `start..end` of text block `block`, as the bundle holds
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Found {
    pub block: usize,
    pub start: usize,
    pub end: usize,
    /// The folded bytes of the match, in the block's folded text.
    folded: (usize, usize),
}

/// The text blocks of a bundle, folded and split into words.
#[derive(Debug)]
pub(super) struct Source {
    blocks: Vec<Block>,
    /// Every distinct word of the source and its number.
    vocabulary: HashMap<String, u32>,
}

#[derive(Debug)]
struct Block {
    folded: Folded,
    /// Each word: its number in the vocabulary and its folded bytes.
    words: Vec<(u32, usize, usize)>,
}

impl Source {
    pub(super) fn new(bundle: &SourceBundle) -> Self {
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let blocks = bundle
            .text_blocks()
            .iter()
            .map(|text| {
                let folded = Folded::new(text);
                let words = folded
                    .words()
                    .into_iter()
                    .map(|range| {
                        let word = &folded.text[range.clone()];
                        let id = match vocabulary.get(word) {
                            Some(&id) => id,
                            None => {
                                let id = u32::try_from(vocabulary.len()).unwrap_or(u32::MAX);
                                vocabulary.insert(word.to_owned(), id);
                                id
                            }
                        };
                        (id, range.start, range.end)
                    })
                    .collect();
                Block { folded, words }
            })
            .collect();
        Self { blocks, vocabulary }
    }

    /// The folded source text of a match.
    pub(super) fn folded_text(&self, found: &Found) -> &str {
        &self.blocks[found.block].folded.text[found.folded.0..found.folded.1]
    }

    /// Where `quote` is: an exact match of the folded quote anywhere in a block, else the best
    /// fuzzy match (see [`super::FUZZY_MIN_OVERLAP_PERCENT`]). The block `claimed` is searched
    /// first; `None` when the quote is nowhere.
    pub(super) fn quote(&self, quote: &str, claimed: Option<usize>) -> Option<Found> {
        let folded = Folded::new(quote);
        if folded.is_empty() {
            return None;
        }
        let order: Vec<usize> = claimed
            .filter(|&b| b < self.blocks.len())
            .into_iter()
            .chain((0..self.blocks.len()).filter(|&b| Some(b) != claimed))
            .collect();
        order
            .iter()
            .find_map(|&b| self.first_in(b, &folded.text, |_, _, _| true))
            .or_else(|| self.fuzzy(&folded, &order))
    }

    /// The first place where `value`, folded, stands as whole words.
    pub(super) fn phrase(&self, value: &str) -> Option<Found> {
        let folded = Folded::new(value);
        if folded.is_empty() {
            return None;
        }
        self.first_bounded(&folded.text, |text, at, end| {
            on_word_boundaries(text, at..end)
        })
    }

    /// The first place where the number `n` is written in digits, not as part of a longer number.
    pub(super) fn number(&self, n: u8) -> Option<Found> {
        let digits = n.to_string();
        self.first_bounded(&digits, |text, at, end| {
            let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
            !digit(text[..at].chars().next_back()) && !digit(text[end..].chars().next())
        })
    }

    fn first_bounded(
        &self,
        needle: &str,
        fits: impl Fn(&str, usize, usize) -> bool,
    ) -> Option<Found> {
        (0..self.blocks.len()).find_map(|b| self.first_in(b, needle, &fits))
    }

    /// The first occurrence of `needle` in block `b` that `fits` and is aligned with original
    /// characters.
    fn first_in(
        &self,
        b: usize,
        needle: &str,
        fits: impl Fn(&str, usize, usize) -> bool,
    ) -> Option<Found> {
        let folded = &self.blocks[b].folded;
        let text = &folded.text;
        let mut from = 0;
        while let Some(offset) = text[from..].find(needle) {
            let at = from + offset;
            let end = at + needle.len();
            if folded.is_aligned(at..end) && fits(text, at, end) {
                return Some(self.found(b, at, end));
            }
            from = at + text[at..].chars().next().map_or(1, char::len_utf8);
        }
        None
    }

    fn found(&self, block: usize, at: usize, end: usize) -> Found {
        let chars = self.blocks[block].folded.original(at..end);
        Found {
            block,
            start: chars.start,
            end: chars.end,
            folded: (at, end),
        }
    }

    /// The run of source words that shares the most words with the quote, if it shares enough.
    ///
    /// A quote of `n` words is compared with every run of `n` consecutive words of a block
    /// (counting repeated words as often as the quote has them); the best run in search order
    /// wins, and its span runs from its first to its last shared word.
    fn fuzzy(&self, quote: &Folded, order: &[usize]) -> Option<Found> {
        let quote_words = quote.words();
        let n = quote_words.len();
        if n < FUZZY_MIN_WORDS {
            return None;
        }
        let required = (n * FUZZY_MIN_OVERLAP_PERCENT).div_ceil(100);
        let mut wanted: HashMap<u32, usize> = HashMap::new();
        for range in quote_words {
            if let Some(&id) = self.vocabulary.get(&quote.text[range]) {
                *wanted.entry(id).or_default() += 1;
            }
        }
        if wanted.values().sum::<usize>() < required {
            return None;
        }
        // (shared words, block, first word, last word) of the best run so far.
        let mut best: Option<(usize, usize, usize, usize)> = None;
        for &b in order {
            let words = &self.blocks[b].words;
            let width = n.min(words.len());
            let mut held: HashMap<u32, usize> = HashMap::new();
            let mut shared = 0;
            for (i, &(id, _, _)) in words.iter().enumerate() {
                if let Some(&want) = wanted.get(&id) {
                    let count = held.entry(id).or_default();
                    *count += 1;
                    if *count <= want {
                        shared += 1;
                    }
                }
                if i >= width {
                    let (gone, _, _) = words[i - width];
                    if let Some(&want) = wanted.get(&gone) {
                        let count = held.entry(gone).or_default();
                        if *count <= want {
                            shared -= 1;
                        }
                        *count -= 1;
                    }
                }
                if i + 1 >= width && best.is_none_or(|(s, ..)| shared > s) {
                    best = Some((shared, b, i + 1 - width, i));
                }
            }
        }
        let (shared, b, first, last) = best?;
        if shared < required {
            return None;
        }
        let words = &self.blocks[b].words[first..=last];
        let is_shared = |&&(id, _, _): &&(u32, usize, usize)| wanted.contains_key(&id);
        let start = words.iter().find(is_shared)?.1;
        let end = words.iter().rev().find(is_shared)?.2;
        Some(self.found(b, start, end))
    }
}
