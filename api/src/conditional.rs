//! Conditional reads (RFC 9110 §8.8.3, §13.1.2): the strong `ETag` of a persona's answer and
//! the client's `If-None-Match`.
//!
//! The tag is the SHA-256 of the answer's body, not of the stored document alone: a strong tag
//! promises the same bytes, and the body is what the client holds. A saved document never
//! changes in place, so its tag changes only when the answer would (a later version of the
//! document, or a release that writes it differently).

use persona_domain::hex::lower_hex;
use sha2::{Digest, Sha256};

use crate::error::Refusal;
use crate::http::Request;

/// The request header this module reads.
pub(crate) const IF_NONE_MATCH: &str = "if-none-match";

/// The strong entity tag of `body`: its SHA-256 in lowercase hex, quoted.
pub(crate) fn etag(body: &[u8]) -> String {
    format!("\"{}\"", lower_hex(&Sha256::digest(body)))
}

/// What the client's `If-None-Match` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IfNoneMatch {
    /// `*`: any current representation.
    Any,
    /// The opaque tags listed (quotes kept, `W/` dropped: weak comparison ignores it).
    Tags(Vec<String>),
}

impl IfNoneMatch {
    /// The header of `request`, every line of it read as one list; `None` when it is absent.
    ///
    /// # Errors
    ///
    /// [`Refusal::BadIfNoneMatch`] when a line is neither `*` nor a list of entity tags.
    pub(crate) fn of(request: &Request) -> Result<Option<Self>, Refusal> {
        let mut tags = Vec::new();
        let mut any = false;
        let mut present = false;
        for line in request.header_values(IF_NONE_MATCH) {
            present = true;
            if line.trim() == "*" {
                any = true;
                continue;
            }
            for element in line.split(',').map(str::trim) {
                // RFC 9110 §5.6.1: a recipient accepts empty list elements.
                if element.is_empty() {
                    continue;
                }
                tags.push(
                    opaque_tag(element)
                        .ok_or(Refusal::BadIfNoneMatch)?
                        .to_owned(),
                );
            }
        }
        Ok(match (present, any) {
            (false, _) => None,
            (true, true) => Some(Self::Any),
            (true, false) => Some(Self::Tags(tags)),
        })
    }

    /// Whether `current` (a strong tag this module made) matches, by weak comparison: the
    /// condition is then false and the answer is 304.
    pub(crate) fn matches(&self, current: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|tag| tag == current),
        }
    }
}

/// The opaque part (quotes included) of `entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE`, where
/// `etagc` is any visible character but `"`, or any byte past ASCII.
fn opaque_tag(element: &str) -> Option<&str> {
    let opaque = element.strip_prefix("W/").unwrap_or(element);
    let inner = opaque.strip_prefix('"')?.strip_suffix('"')?;
    inner
        .bytes()
        .all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80)
        .then_some(opaque)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(values: &[&str]) -> Result<Option<IfNoneMatch>, Refusal> {
        let request = values.iter().fold(Request::new("GET", "/"), |r, v| {
            r.with_header("If-None-Match", *v)
        });
        IfNoneMatch::of(&request)
    }

    #[test]
    fn the_tag_is_the_quoted_sha256_of_the_body() {
        // SHA-256 of the empty string.
        assert_eq!(
            etag(b""),
            "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\""
        );
        assert_ne!(etag(b"a"), etag(b"b"));
    }

    #[test]
    fn no_header_asks_for_nothing() {
        assert_eq!(header(&[]), Ok(None));
    }

    #[test]
    fn a_star_matches_any_tag() {
        let condition = header(&["*"]).expect("valid").expect("present");
        assert!(condition.matches("\"abc\""));
    }

    #[test]
    fn a_list_matches_any_of_its_tags_weak_or_strong() {
        let condition = header(&["\"x\", W/\"abc\" ,, \"y\""])
            .expect("valid")
            .expect("present");
        assert!(condition.matches("\"abc\""));
        assert!(condition.matches("\"y\""));
        assert!(!condition.matches("\"ab\""));
        assert!(!condition.matches("\"z\""));
    }

    #[test]
    fn each_line_of_the_header_counts() {
        let condition = header(&["\"a\"", "\"b\""])
            .expect("valid")
            .expect("present");
        assert!(condition.matches("\"b\""));
    }

    #[test]
    fn a_tag_without_quotes_or_with_a_space_inside_is_refused() {
        for bad in [
            "abc",
            "\"abc",
            "w/\"abc\"",
            "\"a b\"",
            "\"a\" \"b\"",
            "W/ \"a\"",
        ] {
            assert_eq!(header(&[bad]), Err(Refusal::BadIfNoneMatch), "{bad}");
        }
    }

    #[test]
    fn an_empty_header_matches_nothing() {
        let condition = header(&[""]).expect("valid").expect("present");
        assert!(!condition.matches("\"abc\""));
    }
}
