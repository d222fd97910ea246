//! The privacy invariant: an error never repeats what the user sent.
//!
//! Anything a person sends is searched for runs of at least [`MIN_RUN`] ASCII letters; none may
//! appear in an error body, unless the run is part of the API's own vocabulary (field names and
//! descriptions from the published schemas, words of the fixed messages), where a match is the
//! API speaking, not an echo.

use std::sync::LazyLock;

use persona_api::body::request_schema;
use persona_api::dto::{ProcessRequest, SaveRequest};
use persona_domain::schema::{persona_schema, stored_document_schema};

/// Runs shorter than this are too likely to be ordinary words of a message.
pub const MIN_RUN: usize = 12;

/// Words of the API's own messages that are [`MIN_RUN`] letters or longer and are not already in
/// a schema.
const MESSAGE_WORDS: &str = "additionalProperties unexpectedly configuration misconfigured \
    instructions characters Unnamed persona";

/// Every text the API may legitimately put in an error body on its own account.
static VOCABULARY: LazyLock<String> = LazyLock::new(|| {
    [
        request_schema::<ProcessRequest>(),
        request_schema::<SaveRequest>(),
        persona_schema(),
        stored_document_schema(),
    ]
    .iter()
    .map(ToString::to_string)
    .chain([MESSAGE_WORDS.to_owned()])
    .collect::<Vec<_>>()
    .join(" ")
});

/// The maximal runs of ASCII letters in `bytes` that are at least [`MIN_RUN`] long.
pub fn letter_runs(bytes: &[u8]) -> Vec<&str> {
    bytes
        .split(|b| !b.is_ascii_alphabetic())
        .filter(|run| run.len() >= MIN_RUN)
        .map(|run| std::str::from_utf8(run).expect("ASCII letters are UTF-8"))
        .collect()
}

/// Panics when `answer` contains a letter run of any of `sent` that is neither API vocabulary
/// nor part of `allowed` (text the API echoes by design, such as a sane `x-request-id`).
pub fn assert_no_echo(sent: &[&[u8]], answer: &str, allowed: &str) {
    for text in sent {
        for run in letter_runs(text) {
            if answer.contains(run) && !VOCABULARY.contains(run) && !allowed.contains(run) {
                panic!("an error repeats user text {run:?}: {answer}");
            }
        }
    }
}
