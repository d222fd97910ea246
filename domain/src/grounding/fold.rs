//! Text as the grounding rules compare it, with a map back to the text it came from.
//!
//! Folding applies, in order: Unicode NFKC (each base character with its combining marks),
//! lower case, one form of each quote mark and dash, invisible characters (zero-width, bidi
//! controls, soft hyphens: the persona's strings lose bidi controls) dropped, and whitespace
//! collapsed to single spaces with none at either end. Both sides of every comparison are folded the same way, so a quote
//! matches whatever its source says up to these differences.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

use crate::text::is_invisible;
use unicode_normalization::char::canonical_combining_class;

/// A folded text and, for each of its bytes, the characters of the original it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Folded {
    pub(super) text: String,
    /// `origin[b]`: the original characters `start..end` (Unicode scalar values) that produced
    /// the folded character holding byte `b`.
    origin: Vec<(u32, u32)>,
}

impl Folded {
    pub(super) fn new(original: &str) -> Self {
        let mut folded = Self {
            text: String::with_capacity(original.len()),
            origin: Vec::with_capacity(original.len()),
        };
        let mut segment = String::new();
        let mut chars = original.chars().peekable();
        let mut at: u32 = 0;
        while let Some(c) = chars.next() {
            // A segment is a character and the combining marks after it: NFKC composes within
            // one, so folding each segment alone keeps every folded character traceable.
            segment.clear();
            segment.push(c);
            while let Some(&mark) = chars.peek() {
                if canonical_combining_class(mark) == 0 {
                    break;
                }
                segment.push(mark);
                chars.next();
            }
            let width = u32::try_from(segment.chars().count()).unwrap_or(u32::MAX);
            let from = (at, at.saturating_add(width));
            if c.is_ascii() && segment.len() == 1 {
                folded.push(c, from);
            } else {
                for normal in segment.nfkc() {
                    folded.push(normal, from);
                }
            }
            at = from.1;
        }
        if folded.text.ends_with(' ') {
            folded.text.pop();
            folded.origin.pop();
        }
        folded
    }

    fn push(&mut self, c: char, from: (u32, u32)) {
        for lower in c.to_lowercase() {
            let c = fold_mark(lower);
            if is_invisible(c) {
                continue;
            }
            if c.is_whitespace() {
                if self.text.is_empty() || self.text.ends_with(' ') {
                    continue;
                }
                self.text.push(' ');
                self.origin.push(from);
            } else {
                self.text.push(c);
                self.origin.extend(std::iter::repeat_n(from, c.len_utf8()));
            }
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The original characters behind the folded bytes `bytes` (a non-empty range on character
    /// boundaries).
    pub(super) fn original(&self, bytes: Range<usize>) -> Range<usize> {
        let start = self.origin[bytes.start].0 as usize;
        let end = self.origin[bytes.end - 1].1 as usize;
        start..end
    }

    /// Whether the folded bytes `bytes` begin and end where an original character's folding
    /// does, so a match never starts or ends halfway through, say, the "fi" of a ligature.
    pub(super) fn is_aligned(&self, bytes: Range<usize>) -> bool {
        (bytes.start == 0 || self.origin[bytes.start - 1] != self.origin[bytes.start])
            && (bytes.end == self.origin.len()
                || self.origin[bytes.end] != self.origin[bytes.end - 1])
    }

    /// The folded text's words: maximal runs of letters and digits, as byte ranges.
    pub(super) fn words(&self) -> Vec<Range<usize>> {
        words(&self.text)
    }
}

/// The words of `text`: maximal runs of letters and digits, as byte ranges.
pub(super) fn words(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(at),
            (false, Some(s)) => {
                found.push(s..at);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        found.push(s..text.len());
    }
    found
}

/// One form for each quote mark and dash (after NFKC, which already maps the full-width ones).
fn fold_mark(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' | '`'
        | '\u{00B4}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{2E3A}' | '\u{2E3B}' => '-',
        c => c,
    }
}

/// Whether `text[at..at + len]` stands as whole words: no letter or digit joins it on either
/// side where it itself begins or ends with one.
pub(super) fn on_word_boundaries(text: &str, bytes: Range<usize>) -> bool {
    let inner = &text[bytes.clone()];
    let joins = |outside: Option<char>, inside: Option<char>| {
        outside.is_some_and(char::is_alphanumeric) && inside.is_some_and(char::is_alphanumeric)
    };
    !joins(
        text[..bytes.start].chars().next_back(),
        inner.chars().next(),
    ) && !joins(text[bytes.end..].chars().next(), inner.chars().next_back())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_quotes_dashes_and_whitespace_fold_to_one_form() {
        let folded =
            Folded::new("  It\u{2019}s  \u{201C}Caf\u{00E9}\u{201D}\u{2014}Open\n\t24\u{00A0}h ");
        assert_eq!(folded.text, "it's \"café\"-open 24 h");
    }

    #[test]
    fn nfkc_joins_compatibility_forms_and_decomposed_accents() {
        assert_eq!(
            Folded::new("\u{FB01}ne \u{FF21}\u{FF22} 2\u{00B2}").text,
            "fine ab 22"
        );
        assert_eq!(
            Folded::new("Cafe\u{0301}").text,
            Folded::new("Caf\u{00E9}").text
        );
    }

    #[test]
    fn every_folded_byte_knows_its_original_characters() {
        let folded = Folded::new("A  \u{FB01}e\u{0301}!");
        assert_eq!(folded.text, "a fié!");
        // "a" is char 0, the space comes from chars 1, "fi" from the ligature at 3, "é" from 4..6.
        assert_eq!(folded.original(0..1), 0..1);
        assert_eq!(folded.original(1..2), 1..2);
        assert_eq!(folded.original(2..4), 3..4);
        assert_eq!(folded.original(4..6), 4..6);
        assert_eq!(folded.original(2..7), 3..7);
    }

    #[test]
    fn a_range_inside_one_characters_folding_is_not_aligned() {
        let folded = Folded::new("a \u{FB01}n");
        assert_eq!(folded.text, "a fin");
        assert!(folded.is_aligned(2..5));
        assert!(!folded.is_aligned(3..5));
        assert!(!folded.is_aligned(0..3));
    }

    #[test]
    fn words_are_runs_of_letters_and_digits() {
        let text = "i'm 34, a co-founder";
        let found: Vec<&str> = words(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(found, ["i", "m", "34", "a", "co", "founder"]);
    }

    #[test]
    fn a_match_inside_a_word_is_not_on_word_boundaries() {
        let text = "i am 34 in 2034";
        assert!(on_word_boundaries(text, 5..7));
        assert!(!on_word_boundaries(text, 13..15));
        assert!(on_word_boundaries("(x)", 0..1));
    }
}
