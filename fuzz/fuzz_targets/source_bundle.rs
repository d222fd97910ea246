//! `SourceBundle::parse` over arbitrary text blocks and links.
//!
//! The input is either a process-persona body (`{"textBlocks": [...], "links": [...]}`, so seeds
//! can be written by hand) or, failing that, blocks and links built with `arbitrary`, each
//! repeated to cross the length limits.
//!
//! Invariants: on `Ok`, every block is what the documented sanitising makes of its input
//! (control characters other than newline and tab removed, `\r\n` and `\r` made `\n`, trimmed),
//! non-empty and within the limits; every link is an absolute http(s) URL with a host, within
//! the length limit, listed once, and parsing the bundle's own blocks and links again gives the
//! same bundle. On `Err`, there is at least one error, every error's pointer names an existing
//! index, errors come in input order, and no message repeats the input.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use persona_api::dto::ProcessRequest;
use persona_domain::limits::{
    MAX_BLOCK_CHARS, MAX_LINK_CHARS, MAX_LINKS, MAX_TEXT_BLOCKS, MAX_TOTAL_CHARS,
};
use persona_domain::{SourceBundle, SourceError};
use persona_fuzz::echo::assert_no_echo;
use persona_fuzz::input::{LONG, SHORT, Text};
use url::Url;

#[derive(Debug, Arbitrary)]
struct Input {
    blocks: Vec<Text>,
    links: Vec<Text>,
}

fuzz_target!(|data: &[u8]| {
    let (blocks, links) = match serde_json::from_slice::<ProcessRequest>(data) {
        Ok(body) => (body.text_blocks, body.links),
        Err(_) => {
            let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
                return;
            };
            (
                input.blocks.iter().map(|t| t.build(LONG)).collect(),
                input.links.iter().map(|t| t.build(SHORT)).collect(),
            )
        }
    };
    match SourceBundle::parse(&blocks, &links) {
        Ok(bundle) => check_bundle(&bundle, &blocks, &links),
        Err(errors) => check_errors(&errors, &blocks, &links),
    }
});

fn check_bundle(bundle: &SourceBundle, blocks: &[String], links: &[String]) {
    assert!((1..=MAX_TEXT_BLOCKS).contains(&bundle.text_blocks().len()));
    assert_eq!(bundle.text_blocks().len(), blocks.len(), "a block was lost");
    let mut total = 0;
    for (parsed, raw) in bundle.text_blocks().iter().zip(blocks) {
        assert_eq!(
            parsed,
            &sanitised(raw),
            "a block is not its documented sanitising"
        );
        let chars = parsed.chars().count();
        assert!(
            (1..=MAX_BLOCK_CHARS).contains(&chars),
            "block of {chars} characters"
        );
        assert!(
            parsed
                .chars()
                .all(|c| !c.is_control() || c == '\n' || c == '\t'),
            "a block keeps a control character"
        );
        assert_eq!(parsed.trim(), parsed, "a block is not trimmed");
        total += chars;
    }
    assert!(total <= MAX_TOTAL_CHARS, "{total} characters in all");
    assert_eq!(bundle.total_chars(), total);

    assert!(bundle.links().len() <= links.len().min(MAX_LINKS));
    for (i, link) in bundle.links().iter().enumerate() {
        let chars = link.chars().count();
        assert!(
            chars <= MAX_LINK_CHARS,
            "a parsed link has {chars} characters"
        );
        let url = Url::parse(link).expect("a parsed link is a URL");
        assert!(
            matches!(url.scheme(), "http" | "https"),
            "scheme {}",
            url.scheme()
        );
        assert!(
            url.host_str().is_some_and(|h| !h.is_empty()),
            "a link without a host"
        );
        assert_eq!(url.as_str(), link, "a parsed link is not in normal form");
        assert!(
            !bundle.links()[..i].contains(link),
            "a link is listed twice"
        );
    }

    let again = SourceBundle::parse(bundle.text_blocks(), bundle.links())
        .expect("a bundle's own blocks and links parse");
    // The text and links are a fixed point; the record of what trimming removed from the
    // client's original (for grounding's spans) is, rightly, empty the second time.
    assert_eq!(
        again.text_blocks(),
        bundle.text_blocks(),
        "parsing the blocks again changed them"
    );
    assert_eq!(
        again.links(),
        bundle.links(),
        "parsing the links again changed them"
    );
    // Debug shows sizes only.
    let shown = format!("{bundle:?}");
    let sent: Vec<&[u8]> = blocks.iter().chain(links).map(|s| s.as_bytes()).collect();
    assert_no_echo(&sent, &shown, "SourceBundle");
}

fn check_errors(errors: &[SourceError], blocks: &[String], links: &[String]) {
    assert!(!errors.is_empty(), "a refusal without a reason");
    let mut last_block = None;
    let mut last_link = None;
    for error in errors {
        let pointer = error.pointer();
        let (list, len, last) = if let Some(rest) = pointer.strip_prefix("/textBlocks") {
            (rest, blocks.len(), &mut last_block)
        } else if let Some(rest) = pointer.strip_prefix("/links") {
            (rest, links.len(), &mut last_link)
        } else {
            panic!("pointer {pointer:?} names no field");
        };
        if let Some(index) = list.strip_prefix('/') {
            let index: usize = index.parse().expect("an index");
            assert!(index < len, "{pointer} points past {len} items");
            assert!(*last < Some(index), "errors out of input order");
            *last = Some(index);
        } else {
            assert_eq!(list, "", "pointer {pointer:?}");
        }
        let sizes_only = matches!(
            error,
            SourceError::TooManyTextBlocks { .. }
                | SourceError::TextBlockTooLong { .. }
                | SourceError::TotalTextTooLong { .. }
                | SourceError::TooManyLinks { .. }
                | SourceError::LinkTooLong { .. }
                | SourceError::NormalisedLinkTooLong { .. }
        );
        assert_eq!(error.is_too_large(), sizes_only);
    }
    let messages: String = errors.iter().map(|e| format!("{e} {e:?}\n")).collect();
    let sent: Vec<&[u8]> = blocks.iter().chain(links).map(|s| s.as_bytes()).collect();
    assert_no_echo(&sent, &messages, "");
}

/// The documented sanitising of a text block, written out independently of the domain's.
fn sanitised(raw: &str) -> String {
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    let kept: String = unified
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect();
    kept.trim().to_owned()
}
