//! The user's material: free-text blocks and links, parsed once at the edge.
//!
//! A [`SourceBundle`] can only be built by [`SourceBundle::parse`], so every bundle that reaches
//! an extractor already obeys the input rules.

use std::fmt;

use thiserror::Error;
use url::Url;

use crate::limits::{MAX_BLOCK_CHARS, MAX_LINK_CHARS, MAX_LINKS, MAX_TEXT_BLOCKS, MAX_TOTAL_CHARS};
use crate::text::{char_count, is_blank, sanitise_tracked};

/// Text blocks and links about one person, sanitised and within the limits.
#[derive(Clone, PartialEq, Eq)]
pub struct SourceBundle {
    blocks: Vec<String>,
    links: Vec<String>,
    /// For each block, how its characters sit in the text the client sent.
    origins: Vec<Origin>,
    /// For each block, its index in the whole material: `0, 1, 2, …` for parsed material, the
    /// original indices for a chunk of it ([`crate::chunk`]), so `block:N` names the same block
    /// in every chunk's prompt and evidence.
    numbers: Vec<usize>,
}

/// Where a sanitised, trimmed block's characters were in the client's text: `leading` characters
/// were trimmed from its start, and a character was removed before each position in `removed`
/// (positions in the sanitised text before trimming). Almost always `0` and empty.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    leading: usize,
    removed: Vec<usize>,
}

impl Origin {
    /// The index in the client's text of the sanitised block's character `at`.
    fn of(&self, at: usize) -> usize {
        let untrimmed = at + self.leading;
        untrimmed + self.removed.partition_point(|&p| p <= untrimmed)
    }
}

/// One way a request's material breaks the input rules. Messages name the offending block or
/// link by its index and never repeat its content.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SourceError {
    #[error("textBlocks must hold at least one block of text")]
    NoTextBlocks,
    #[error("textBlocks holds {count} blocks; at most {max} are allowed ({over} too many)", over = count - max)]
    TooManyTextBlocks { count: usize, max: usize },
    #[error(
        "textBlocks[{index}] is empty once whitespace, control and invisible characters \
         (zero-width, bidi controls) are removed"
    )]
    EmptyTextBlock { index: usize },
    #[error("textBlocks[{index}] has {chars} characters; at most {max} are allowed ({over} too many)", over = chars - max)]
    TextBlockTooLong {
        index: usize,
        chars: usize,
        max: usize,
    },
    #[error("the text blocks have {chars} characters in total; at most {max} are allowed ({over} too many)", over = chars - max)]
    TotalTextTooLong { chars: usize, max: usize },
    #[error("links holds {count} links; at most {max} are allowed ({over} too many)", over = count - max)]
    TooManyLinks { count: usize, max: usize },
    #[error("links[{index}] is empty")]
    EmptyLink { index: usize },
    #[error("links[{index}] has {chars} characters; at most {max} are allowed ({over} too many)", over = chars - max)]
    LinkTooLong {
        index: usize,
        chars: usize,
        max: usize,
    },
    #[error(
        "links[{index}] has {chars} characters once normalised (spaces and non-ASCII characters are percent-encoded); at most {max} are allowed"
    )]
    NormalisedLinkTooLong {
        index: usize,
        chars: usize,
        max: usize,
    },
    #[error(
        "links[{index}] is not an absolute URL (expected something like https://example.com/page)"
    )]
    LinkNotUrl { index: usize },
    #[error("links[{index}] must use http or https")]
    LinkNotHttp { index: usize },
}

impl SourceError {
    /// The JSON pointer, in the request body, of what this error is about.
    pub fn pointer(&self) -> String {
        match self {
            Self::NoTextBlocks | Self::TooManyTextBlocks { .. } | Self::TotalTextTooLong { .. } => {
                "/textBlocks".to_owned()
            }
            Self::EmptyTextBlock { index } | Self::TextBlockTooLong { index, .. } => {
                format!("/textBlocks/{index}")
            }
            Self::TooManyLinks { .. } => "/links".to_owned(),
            Self::EmptyLink { index }
            | Self::LinkTooLong { index, .. }
            | Self::NormalisedLinkTooLong { index, .. }
            | Self::LinkNotUrl { index }
            | Self::LinkNotHttp { index } => format!("/links/{index}"),
        }
    }

    /// Whether the error is about size, so a front door can answer 413 rather than 400.
    pub fn is_too_large(&self) -> bool {
        matches!(
            self,
            Self::TooManyTextBlocks { .. }
                | Self::TextBlockTooLong { .. }
                | Self::TotalTextTooLong { .. }
                | Self::TooManyLinks { .. }
                | Self::LinkTooLong { .. }
                | Self::NormalisedLinkTooLong { .. }
        )
    }
}

impl SourceBundle {
    /// Parses raw text blocks and links into a bundle.
    ///
    /// Text blocks: control characters other than newline and tab are removed, line endings become
    /// `\n`, each block is trimmed; 1..=50 blocks of 1..=100,000 characters, 300,000 in total.
    /// Links: trimmed and stripped of control characters; 0..=50 absolute http(s) URLs of at most
    /// 2,048 characters, both as sent and once normalised (percent-encoding can make a link
    /// several times longer); duplicates (after URL normalisation) keep their first place.
    ///
    /// # Errors
    ///
    /// Every rule that is broken, each as its own [`SourceError`], in input order.
    pub fn parse(text_blocks: &[String], links: &[String]) -> Result<Self, Vec<SourceError>> {
        let mut errors = Vec::new();

        if text_blocks.is_empty() {
            errors.push(SourceError::NoTextBlocks);
        }
        if text_blocks.len() > MAX_TEXT_BLOCKS {
            errors.push(SourceError::TooManyTextBlocks {
                count: text_blocks.len(),
                max: MAX_TEXT_BLOCKS,
            });
        }
        let mut blocks = Vec::with_capacity(text_blocks.len().min(MAX_TEXT_BLOCKS));
        let mut origins = Vec::with_capacity(blocks.capacity());
        let mut total = 0;
        for (index, raw) in text_blocks.iter().enumerate() {
            let (sanitised, removed) = sanitise_tracked(raw);
            let trimmed_start = sanitised.trim_start();
            let leading = char_count(&sanitised[..sanitised.len() - trimmed_start.len()]);
            origins.push(Origin { leading, removed });
            let block = trimmed_start.trim_end().to_owned();
            let chars = char_count(&block);
            total += chars;
            if is_blank(&block) {
                errors.push(SourceError::EmptyTextBlock { index });
            } else if chars > MAX_BLOCK_CHARS {
                errors.push(SourceError::TextBlockTooLong {
                    index,
                    chars,
                    max: MAX_BLOCK_CHARS,
                });
            }
            blocks.push(block);
        }
        if total > MAX_TOTAL_CHARS {
            errors.push(SourceError::TotalTextTooLong {
                chars: total,
                max: MAX_TOTAL_CHARS,
            });
        }

        if links.len() > MAX_LINKS {
            errors.push(SourceError::TooManyLinks {
                count: links.len(),
                max: MAX_LINKS,
            });
        }
        let mut parsed_links: Vec<String> = Vec::with_capacity(links.len().min(MAX_LINKS));
        for (index, raw) in links.iter().enumerate() {
            match parse_link(index, raw) {
                Ok(link) => {
                    if !parsed_links.contains(&link) {
                        parsed_links.push(link);
                    }
                }
                Err(error) => errors.push(error),
            }
        }

        if errors.is_empty() {
            Ok(Self {
                numbers: (0..blocks.len()).collect(),
                blocks,
                links: parsed_links,
                origins,
            })
        } else {
            Err(errors)
        }
    }

    /// The sanitised text blocks, in input order.
    pub fn text_blocks(&self) -> &[String] {
        &self.blocks
    }

    /// The index of text block `i` in the whole material (`i` itself unless this bundle is a
    /// chunk of a larger one).
    pub fn block_number(&self, i: usize) -> usize {
        self.numbers.get(i).copied().unwrap_or(i)
    }

    /// A chunk of parsed material: verbatim pieces of its blocks, each with the index of the block
    /// it came from, and all of its links. Only [`crate::chunk`] makes one, from a parsed bundle,
    /// so every piece already obeys the input rules. A chunk has no map back to the client's
    /// text ([`Self::original_span`] answers `None`): spans are found in the whole material.
    pub(crate) fn excerpt(pieces: Vec<(usize, String)>, links: Vec<String>) -> Self {
        let (numbers, blocks) = pieces.into_iter().unzip();
        Self {
            blocks,
            links,
            origins: Vec::new(),
            numbers,
        }
    }

    /// The normalised, de-duplicated links, in input order.
    pub fn links(&self) -> &[String] {
        &self.links
    }

    /// Characters in all text blocks together.
    pub fn total_chars(&self) -> usize {
        self.blocks.iter().map(|b| char_count(b)).sum()
    }

    /// Where the characters `start..end` of text block `block` (counted in Unicode scalar values,
    /// as [`Self::text_blocks`] holds it) were in the string the client sent: the same range
    /// moved past what parsing trimmed from the block's start and past every control character
    /// (and `\r` of a `\r\n`) it removed. `None` when the block or the range does not exist or
    /// the range is empty.
    pub fn original_span(&self, block: usize, start: usize, end: usize) -> Option<(usize, usize)> {
        let origin = self.origins.get(block)?;
        let chars = char_count(self.blocks.get(block)?);
        (start < end && end <= chars).then(|| (origin.of(start), origin.of(end - 1) + 1))
    }
}

/// Shows sizes only: a bundle's content is the user's text and never goes into a log.
impl fmt::Debug for SourceBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceBundle")
            .field("blocks", &self.blocks.len())
            .field("chars", &self.total_chars())
            .field("links", &self.links.len())
            .finish()
    }
}

fn parse_link(index: usize, raw: &str) -> Result<String, SourceError> {
    let link: String = raw.chars().filter(|c| !c.is_control()).collect();
    let link = link.trim();
    if link.is_empty() {
        return Err(SourceError::EmptyLink { index });
    }
    let chars = char_count(link);
    if chars > MAX_LINK_CHARS {
        return Err(SourceError::LinkTooLong {
            index,
            chars,
            max: MAX_LINK_CHARS,
        });
    }
    let url = Url::parse(link).map_err(|_| SourceError::LinkNotUrl { index })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(SourceError::LinkNotHttp { index });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(SourceError::LinkNotUrl { index });
    }
    let link: String = url.into();
    let chars = char_count(&link);
    if chars > MAX_LINK_CHARS {
        return Err(SourceError::NormalisedLinkTooLong {
            index,
            chars,
            max: MAX_LINK_CHARS,
        });
    }
    Ok(link)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn errors(blocks: &[&str], links: &[&str]) -> Vec<SourceError> {
        SourceBundle::parse(&strings(blocks), &strings(links)).expect_err("should be rejected")
    }

    #[test]
    fn a_plain_block_and_link_parse() {
        let bundle = SourceBundle::parse(
            &strings(&["I am Ada."]),
            &strings(&["https://example.com/ada"]),
        )
        .expect("valid");
        assert_eq!(bundle.text_blocks(), ["I am Ada."]);
        assert_eq!(bundle.links(), ["https://example.com/ada"]);
    }

    #[test]
    fn no_blocks_is_rejected() {
        assert_eq!(errors(&[], &[]), [SourceError::NoTextBlocks]);
    }

    #[test]
    fn too_many_blocks_is_rejected() {
        let blocks = vec!["x"; MAX_TEXT_BLOCKS + 1];
        assert_eq!(
            errors(&blocks, &[]),
            [SourceError::TooManyTextBlocks { count: 51, max: 50 }]
        );
    }

    #[test]
    fn a_whitespace_only_block_is_empty_and_named_by_index() {
        let errs = errors(&["fine", " \n\t\u{0} "], &[]);
        assert_eq!(errs, [SourceError::EmptyTextBlock { index: 1 }]);
        assert_eq!(
            errs[0].to_string(),
            "textBlocks[1] is empty once whitespace, control and invisible characters \
             (zero-width, bidi controls) are removed"
        );
        assert_eq!(errs[0].pointer(), "/textBlocks/1");
    }

    #[test]
    fn a_block_of_invisible_characters_is_empty() {
        let invisible = "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF} \u{202E}\u{2066}\u{2069}\u{00AD}";
        assert_eq!(
            errors(&["fine", invisible], &[]),
            [SourceError::EmptyTextBlock { index: 1 }]
        );
        // One visible character among them is text, kept as sent.
        let bundle = SourceBundle::parse(&[format!("{invisible}x")], &[]).expect("parses");
        assert_eq!(bundle.text_blocks(), [format!("{invisible}x")]);
    }

    #[test]
    fn a_block_over_the_limit_says_by_how_much() {
        let long = "é".repeat(MAX_BLOCK_CHARS + 5);
        let errs = errors(&[&long], &[]);
        assert_eq!(
            errs,
            [SourceError::TextBlockTooLong {
                index: 0,
                chars: 100_005,
                max: 100_000
            }]
        );
        assert!(errs[0].to_string().contains("5 too many"));
        assert!(errs[0].is_too_large());
    }

    #[test]
    fn a_block_at_the_limit_after_trimming_parses() {
        let block = format!("  {}  ", "a".repeat(MAX_BLOCK_CHARS));
        assert!(SourceBundle::parse(&[block], &[]).is_ok());
    }

    #[test]
    fn the_total_is_limited_across_blocks() {
        let block = "a".repeat(MAX_BLOCK_CHARS);
        let errs = errors(&[&block, &block, &block, "b"], &[]);
        assert_eq!(
            errs,
            [SourceError::TotalTextTooLong {
                chars: 300_001,
                max: 300_000
            }]
        );
    }

    #[test]
    fn control_characters_are_removed_and_line_endings_normalised() {
        let bundle = SourceBundle::parse(&strings(&["a\r\nb\u{0}c\rd\te"]), &[]).expect("valid");
        assert_eq!(bundle.text_blocks(), ["a\nbc\nd\te"]);
    }

    #[test]
    fn spans_map_back_to_the_text_the_client_sent() {
        let raw = " \t a\r\nb\u{0}c é\r\n";
        let bundle = SourceBundle::parse(&strings(&[raw]), &[]).expect("valid");
        assert_eq!(bundle.text_blocks(), ["a\nbc é"]);
        let raw_chars: Vec<char> = raw.chars().collect();
        let slice =
            |(start, end): (usize, usize)| -> String { raw_chars[start..end].iter().collect() };
        assert_eq!(
            bundle.original_span(0, 0, 1).map(slice).as_deref(),
            Some("a")
        );
        assert_eq!(
            bundle.original_span(0, 2, 6).map(slice).as_deref(),
            Some("b\u{0}c é")
        );
        assert_eq!(bundle.original_span(0, 5, 6), Some((10, 11)));
        assert_eq!(bundle.original_span(0, 3, 3), None);
        assert_eq!(bundle.original_span(0, 5, 7), None);
        assert_eq!(bundle.original_span(1, 0, 1), None);
    }

    #[test]
    fn too_many_links_is_rejected() {
        let links = vec!["https://example.com"; MAX_LINKS + 1];
        assert_eq!(
            errors(&["x"], &links),
            [SourceError::TooManyLinks { count: 51, max: 50 }]
        );
    }

    #[test]
    fn relative_and_non_http_links_are_rejected_by_index() {
        let errs = errors(
            &["x"],
            &[
                "https://ok.example",
                "/relative/path",
                "ftp://example.com/a",
                "mailto:a@b.c",
                "  ",
            ],
        );
        assert_eq!(
            errs,
            [
                SourceError::LinkNotUrl { index: 1 },
                SourceError::LinkNotHttp { index: 2 },
                SourceError::LinkNotHttp { index: 3 },
                SourceError::EmptyLink { index: 4 },
            ]
        );
    }

    #[test]
    fn a_link_over_the_limit_is_rejected() {
        let link = format!("https://example.com/{}", "a".repeat(MAX_LINK_CHARS));
        assert_eq!(
            errors(&["x"], &[&link]),
            [SourceError::LinkTooLong {
                index: 0,
                chars: 2_068,
                max: 2_048
            }]
        );
    }

    #[test]
    fn a_link_that_percent_encoding_takes_over_the_limit_is_rejected() {
        // Found by the `source_bundle` fuzz target: 2,020 characters as sent, 12,020 as kept.
        let link = format!("https://example.com/{}", "é".repeat(2_000));
        let errs = errors(&["x"], &[&link]);
        assert_eq!(
            errs,
            [SourceError::NormalisedLinkTooLong {
                index: 0,
                chars: 12_020,
                max: MAX_LINK_CHARS
            }]
        );
        assert!(errs[0].is_too_large());
        assert_eq!(errs[0].pointer(), "/links/0");
        assert!(!errs[0].to_string().contains("é"));
    }

    #[test]
    fn a_link_at_the_limit_once_normalised_parses() {
        let path = "a".repeat(MAX_LINK_CHARS - "https://example.com/".len());
        let link = format!("HTTPS://EXAMPLE.com/{path}");
        let bundle = SourceBundle::parse(&strings(&["x"]), &[link]).expect("valid");
        assert_eq!(bundle.links()[0].chars().count(), MAX_LINK_CHARS);
    }

    #[test]
    fn duplicate_links_keep_their_first_place() {
        let bundle = SourceBundle::parse(
            &strings(&["x"]),
            &strings(&[
                "https://B.example/x",
                "https://a.example",
                " https://b.example/x ",
                "https://a.example/",
            ]),
        )
        .expect("valid");
        assert_eq!(
            bundle.links(),
            ["https://b.example/x", "https://a.example/"]
        );
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let errs = errors(&["", "ok", ""], &["nope"]);
        assert_eq!(
            errs,
            [
                SourceError::EmptyTextBlock { index: 0 },
                SourceError::EmptyTextBlock { index: 2 },
                SourceError::LinkNotUrl { index: 0 },
            ]
        );
    }

    #[test]
    fn debug_never_shows_the_text() {
        let bundle = SourceBundle::parse(
            &strings(&["secret diary"]),
            &strings(&["https://private.example"]),
        )
        .expect("valid");
        let shown = format!("{bundle:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("private"),
            "{shown}"
        );
    }

    proptest! {
        #[test]
        fn every_block_with_visible_text_parses(blocks in prop::collection::vec("[ \t\n]*[a-zA-Z0-9éß]{1,40}[ \t\n]*", 1..10)) {
            let bundle = SourceBundle::parse(&blocks, &[]).expect("valid");
            for (parsed, raw) in bundle.text_blocks().iter().zip(&blocks) {
                prop_assert_eq!(parsed, raw.trim());
            }
        }

        #[test]
        fn every_character_maps_back_to_itself_in_the_client_text(raw in "[ \t\r\n\u{0}\u{7}a-zé]{0,20}[a-z][ \t\r\n\u{0}a-zé]{0,20}") {
            let bundle = SourceBundle::parse(std::slice::from_ref(&raw), &[]).expect("valid");
            let raw_chars: Vec<char> = raw.chars().collect();
            for (at, c) in bundle.text_blocks()[0].chars().enumerate() {
                let (start, end) = bundle.original_span(0, at, at + 1).expect("in range");
                let expected = if c == '\n' { ['\n', '\r'].as_slice() } else { std::slice::from_ref(&c) };
                prop_assert_eq!(end, start + 1);
                prop_assert!(expected.contains(&raw_chars[start]), "{:?} at {} is {:?}", c, at, raw_chars[start]);
            }
        }

        #[test]
        fn parsed_blocks_hold_no_control_characters(raw in ".{1,200}") {
            if let Ok(bundle) = SourceBundle::parse(&[raw], &[]) {
                prop_assert!(bundle.text_blocks()[0].chars().all(|c| !c.is_control() || c == '\n' || c == '\t'));
            }
        }

        #[test]
        fn every_http_url_parses(host in "[a-z]{1,20}\\.(com|org|example)", path in "(/[a-z0-9]{1,10}){0,4}", https in any::<bool>()) {
            let scheme = if https { "https" } else { "http" };
            let link = format!("{scheme}://{host}{path}");
            let bundle = SourceBundle::parse(&["x".to_owned()], &[link]).expect("valid");
            prop_assert_eq!(bundle.links().len(), 1);
        }
    }
}
