//! Finding words in the source: every block folded once (and split into words once, when a
//! quote needs a fuzzy search), then searched for each quote and value.

use std::cell::OnceCell;
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

/// The text blocks of a bundle, folded; split into words on the first fuzzy search.
#[derive(Debug)]
pub(super) struct Source {
    blocks: Vec<Folded>,
    /// Only a quote found nowhere exactly needs the words: indexing them costs a hash and an
    /// allocation per distinct word, most of a request's grounding time on a 300,000-character
    /// source, so it waits until a fuzzy search asks.
    index: OnceCell<Index>,
}

/// Every block's words and the vocabulary they share.
#[derive(Debug)]
struct Index {
    /// Every distinct word of the source and its number.
    vocabulary: HashMap<String, u32>,
    /// For each block, each word: its number in the vocabulary and its folded bytes.
    words: Vec<Vec<(u32, usize, usize)>>,
}

impl Index {
    fn new(blocks: &[Folded]) -> Self {
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let words = blocks
            .iter()
            .map(|folded| {
                folded
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
                    .collect()
            })
            .collect();
        Self { vocabulary, words }
    }
}

impl Source {
    pub(super) fn new(bundle: &SourceBundle) -> Self {
        Self {
            blocks: bundle
                .text_blocks()
                .iter()
                .map(|t| Folded::new(t))
                .collect(),
            index: OnceCell::new(),
        }
    }

    /// The folded source text of a match.
    pub(super) fn folded_text(&self, found: &Found) -> &str {
        &self.blocks[found.block].text[found.folded.0..found.folded.1]
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
        let folded = &self.blocks[b];
        let text = &folded.text;
        let fits = |at: usize| {
            let end = at + needle.len();
            folded.is_aligned(at..end) && fits(text, at, end)
        };
        // The usual case: the first occurrence fits, found by the standard library's fast search.
        let first = text.find(needle)?;
        if fits(first) {
            return Some(self.found(b, first, first + needle.len()));
        }
        // Otherwise every later occurrence, overlapping ones too, in one linear pass. Restarting
        // `find` after each rejected occurrence cost a needle's length per occurrence: seconds
        // for a value written thousands of times inside longer words.
        let at = occurrences(text.as_bytes(), needle.as_bytes(), first + 1).find(|&at| fits(at))?;
        Some(self.found(b, at, at + needle.len()))
    }

    fn found(&self, block: usize, at: usize, end: usize) -> Found {
        let chars = self.blocks[block].original(at..end);
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
        let index = self.index.get_or_init(|| Index::new(&self.blocks));
        let mut wanted: HashMap<u32, usize> = HashMap::new();
        for range in quote_words {
            if let Some(&id) = index.vocabulary.get(&quote.text[range]) {
                *wanted.entry(id).or_default() += 1;
            }
        }
        if wanted.values().sum::<usize>() < required {
            return None;
        }
        // (shared words, block, first word, last word) of the best run so far.
        let mut best: Option<(usize, usize, usize, usize)> = None;
        for &b in order {
            let words = &index.words[b];
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
        let words = &index.words[b][first..=last];
        let is_shared = |&&(id, _, _): &&(u32, usize, usize)| wanted.contains_key(&id);
        let start = words.iter().find(is_shared)?.1;
        let end = words.iter().rev().find(is_shared)?.2;
        Some(self.found(b, start, end))
    }
}

/// The starts of every occurrence of `needle` in `text` at or after `from`, overlapping ones
/// included, in order: Knuth–Morris–Pratt, so `O(text + needle)` whatever the text holds.
///
/// On bytes of valid UTF-8 an occurrence of a non-empty valid UTF-8 needle always starts on a
/// character boundary, so these are exactly the places where `str::find` would match.
fn occurrences<'t>(
    text: &'t [u8],
    needle: &'t [u8],
    from: usize,
) -> impl Iterator<Item = usize> + 't {
    // failure[i]: the length of the longest proper prefix of needle[..=i] that is also its suffix.
    let mut failure = vec![0usize; needle.len()];
    let mut k = 0;
    for i in 1..needle.len() {
        while k > 0 && needle[i] != needle[k] {
            k = failure[k - 1];
        }
        if needle[i] == needle[k] {
            k += 1;
        }
        failure[i] = k;
    }
    let mut matched = 0;
    (from..text.len()).filter_map(move |i| {
        if needle.is_empty() {
            return None;
        }
        while matched > 0 && text[i] != needle[matched] {
            matched = failure[matched - 1];
        }
        if text[i] == needle[matched] {
            matched += 1;
        }
        if matched == needle.len() {
            matched = failure[matched - 1];
            Some(i + 1 - needle.len())
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn source(blocks: &[&str]) -> Source {
        let blocks: Vec<String> = blocks.iter().map(|b| (*b).to_owned()).collect();
        Source::new(&SourceBundle::parse(&blocks, &[]).expect("a valid bundle"))
    }

    /// Every start of `needle` in `text`, overlapping ones too, by trying each byte.
    fn naive(text: &str, needle: &str, from: usize) -> Vec<usize> {
        (from..text.len())
            .filter(|&at| text.as_bytes()[at..].starts_with(needle.as_bytes()))
            .collect()
    }

    #[test]
    fn occurrences_overlap_and_start_where_asked() {
        assert_eq!(
            occurrences(b"aaaa", b"aa", 0).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert_eq!(
            occurrences(b"abababa", b"aba", 1).collect::<Vec<_>>(),
            [2, 4]
        );
        assert_eq!(occurrences(b"abc", b"abcd", 0).count(), 0);
    }

    #[test]
    fn a_phrase_is_found_after_many_occurrences_inside_longer_words() {
        // "java" thousands of times inside "javas", then once as a word: the first fitting place.
        let text = format!("{} java.", "javas ".repeat(5_000));
        let found = source(&[&text]).phrase("Java").expect("found as a word");
        assert_eq!((found.block, found.start, found.end), (0, 30_001, 30_005));
        assert!(source(&["javas javascript"]).phrase("java").is_none());
    }

    #[test]
    fn a_number_is_found_after_it_appears_inside_longer_numbers() {
        let text = format!("{} aged 34", "1345 ".repeat(1_000));
        let found = source(&[&text]).number(34).expect("found alone");
        assert_eq!((found.start, found.end), (5_006, 5_008));
    }

    proptest! {
        #[test]
        fn occurrences_are_those_of_a_naive_search(
            text in "[ab]{0,40}",
            needle in "[ab]{1,5}",
            from in 0usize..40,
        ) {
            let from = from.min(text.len());
            let found: Vec<usize> =
                occurrences(text.as_bytes(), needle.as_bytes(), from).collect();
            prop_assert_eq!(found, naive(&text, &needle, from));
        }
    }
}
