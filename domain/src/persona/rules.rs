//! The draft rules: one engine, two verdicts.
//!
//! Every field goes through the same normalisation (whitespace collapsed, bidi controls removed,
//! texts of invisible characters alone removed, empties dropped, lists
//! de-duplicated case-insensitively, sizes capped, age range checked). Each change is a
//! [`Finding`]. [`Persona::from_draft`] keeps the repaired persona and reports every finding as a
//! [`Warning`]; [`Persona::parse`] refuses the draft when a finding lost information (a cut, a cap,
//! an age out of range, a missing name) and silently keeps harmless repairs (whitespace,
//! duplicates, empty items).
//!
//! Model output also gets list hygiene: an item that nearly repeats an earlier one of its list
//! (one contains the other word for word, they differ only in case and punctuation, or one is the
//! other with its ending repeated, as in "hiking" and "hikinggg") is dropped, with a warning. A
//! client's save keeps such items: "Python" and "Python scripting" may both be meant. Near
//! repeats are looked for only until a list holds [`MAX_LIST_ITEMS`] items: the rest is cut
//! anyway, and it bounds the comparisons per item, whatever the length of the list.
//!
//! Messages name fields and sizes, never values: they travel in responses and logs.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Evidence, Field, Persona, PersonaDraft};
use crate::limits::{
    MAX_AGE, MAX_EVIDENCE, MAX_EVIDENCE_FIELD_CHARS, MAX_EVIDENCE_SOURCE_CHARS, MAX_LIST_ITEMS,
    MAX_QUOTE_CHARS,
};
use crate::text::{char_count, collapse_whitespace, is_blank, truncated};

/// A persona with the warnings its repair produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalised {
    pub persona: Persona,
    pub warnings: Vec<Warning>,
}

/// Something the rules changed in a draft, for a person reviewing the persona.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Warning {
    /// JSON pointer of the field, e.g. `/age` or `/traits/3`.
    pub field: String,
    pub code: WarningCode,
    pub message: String,
    /// For `CONFLICTING_VALUES`: each value the chunks of the material gave, with
    /// the block it was read from. The only warning that carries the person's values; the
    /// message never does, since it may be logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ConflictingValue>,
}

/// One of the values that chunks of the material gave for the same field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ConflictingValue {
    /// The value as text (an age as its digits).
    pub value: String,
    /// Where it was read: `block:N`, from the evidence the model gave for it; null when the model
    /// gave none that the material holds.
    pub source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WarningCode {
    /// The source names nobody; the persona is called "Unnamed persona".
    NameMissing,
    /// The age was outside `0..=130` and became null.
    AgeOutOfRange,
    /// A text was longer than its limit and was cut.
    Truncated,
    /// A list held more items than its limit; the first ones were kept.
    TooManyItems,
    /// A list repeated items (ignoring case); each is kept once.
    DuplicatesRemoved,
    /// A list held items that nearly repeat an earlier one (one contains the other, or they
    /// differ only in punctuation or a repeated ending); the first of each is kept.
    NearDuplicatesCollapsed,
    /// An evidence quote was found nowhere in the source and was dropped.
    FabricatedQuote,
    /// In strict grounding, a value the source does not support was removed.
    UnsupportedRemoved,
    /// A text held only invisible characters (zero-width, bidi controls) and was removed.
    InvisibleTextRemoved,
    /// Chunks of a long material gave different values for one field; `values` lists them.
    ConflictingValues,
}

/// Why a client's persona cannot be saved as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// JSON pointer of the field inside the persona, e.g. `/traits`.
    pub field: String,
    pub message: String,
}

/// Every violation of one persona; the error of deserialising a [`Persona`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violations(pub Vec<Violation>);

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<&str> = self.0.iter().map(|v| v.message.as_str()).collect();
        write!(f, "the persona breaks the rules: {}", messages.join("; "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Finding {
    field: String,
    kind: FindingKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FindingKind {
    NameMissing,
    AgeOutOfRange,
    Truncated { chars: usize, max: usize },
    TooManyItems { count: usize, max: usize },
    DuplicatesRemoved { removed: usize },
    NearDuplicatesCollapsed { removed: usize },
    InvisibleOnly,
}

impl Finding {
    fn loses_information(&self) -> bool {
        !matches!(
            self.kind,
            FindingKind::DuplicatesRemoved { .. } | FindingKind::NearDuplicatesCollapsed { .. }
        )
    }

    fn warning(&self) -> Warning {
        let name = self.field.trim_start_matches('/');
        let (code, message) = match self.kind {
            FindingKind::NameMissing => (
                WarningCode::NameMissing,
                format!(
                    "the source names nobody, so the persona is called \"{}\"",
                    Persona::UNNAMED
                ),
            ),
            FindingKind::AgeOutOfRange => (
                WarningCode::AgeOutOfRange,
                format!("age was outside 0 to {MAX_AGE} and was removed"),
            ),
            FindingKind::Truncated { chars, max } => (
                WarningCode::Truncated,
                format!("{name} had {chars} characters and was cut to {max}"),
            ),
            FindingKind::TooManyItems { count, max } => (
                WarningCode::TooManyItems,
                format!("{name} had {count} items; the first {max} were kept"),
            ),
            FindingKind::DuplicatesRemoved { removed } => (
                WarningCode::DuplicatesRemoved,
                format!("{name} repeated {removed} item(s); each is kept once"),
            ),
            FindingKind::NearDuplicatesCollapsed { removed } => (
                WarningCode::NearDuplicatesCollapsed,
                format!(
                    "{name} had {removed} item(s) nearly repeating an earlier one; the first was kept"
                ),
            ),
            FindingKind::InvisibleOnly => (
                WarningCode::InvisibleTextRemoved,
                format!(
                    "{name} held only invisible characters (zero-width, bidi controls) and was removed"
                ),
            ),
        };
        Warning {
            field: self.field.clone(),
            code,
            message,
            values: Vec::new(),
        }
    }

    fn violation(&self) -> Violation {
        let name = self.field.trim_start_matches('/');
        let message = match self.kind {
            FindingKind::NameMissing => "name must not be empty".to_owned(),
            FindingKind::AgeOutOfRange => format!("age must be between 0 and {MAX_AGE}, or null"),
            FindingKind::Truncated { chars, max } => {
                format!("{name} has {chars} characters; at most {max} are allowed")
            }
            FindingKind::TooManyItems { count, max } => {
                format!("{name} has {count} items; at most {max} are allowed")
            }
            FindingKind::DuplicatesRemoved { removed }
            | FindingKind::NearDuplicatesCollapsed { removed } => {
                format!("{name} repeats {removed} item(s)")
            }
            FindingKind::InvisibleOnly => format!(
                "{name} holds only invisible characters (zero-width, bidi controls); send visible \
                 text or leave it out"
            ),
        };
        Violation {
            field: self.field.clone(),
            message,
        }
    }
}

impl Persona {
    /// Repairs a model's draft into a persona, with a warning for every change that lost
    /// information or that a reviewer should know about. Never fails: a draft with no name gets
    /// "Unnamed persona", never an invented one.
    pub fn from_draft(draft: PersonaDraft) -> Normalised {
        let (persona, findings) = normalise(draft, Hygiene::CollapseNearRepeats);
        Normalised {
            persona,
            warnings: findings.iter().map(Finding::warning).collect(),
        }
    }

    /// Checks a client's persona. Whitespace is tidied, empty items dropped and repeated items
    /// kept once, silently; anything else the rules would change is refused.
    ///
    /// # Errors
    ///
    /// Every [`Violation`]: an empty name, an age outside `0..=`[`MAX_AGE`], a text over its limit, a list
    /// over its limit.
    pub fn parse(draft: PersonaDraft) -> Result<Self, Vec<Violation>> {
        let (persona, findings) = normalise(draft, Hygiene::ExactRepeatsOnly);
        let violations: Vec<Violation> = findings
            .iter()
            .filter(|f| f.loses_information())
            .map(Finding::violation)
            .collect();
        if violations.is_empty() {
            Ok(persona)
        } else {
            Err(violations)
        }
    }
}

/// Which repeats a list loses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hygiene {
    /// Exact repeats (ignoring case): a client's save.
    ExactRepeatsOnly,
    /// Near repeats too: a model's output.
    CollapseNearRepeats,
}

fn normalise(draft: PersonaDraft, hygiene: Hygiene) -> (Persona, Vec<Finding>) {
    let mut n = Normaliser {
        findings: Vec::new(),
        hygiene,
    };
    let name = n.text(Field::Name, draft.name.as_deref().unwrap_or_default());
    let name = if name.is_empty() {
        n.found(Field::Name.pointer(), FindingKind::NameMissing);
        Persona::UNNAMED.to_owned()
    } else {
        name
    };
    let age = match draft.age {
        Some(age) if (0..=MAX_AGE).contains(&age) => u8::try_from(age).ok(),
        Some(_) => {
            n.found(Field::Age.pointer(), FindingKind::AgeOutOfRange);
            None
        }
        None => None,
    };
    let persona = Persona {
        name,
        age,
        occupation: n.optional(Field::Occupation, draft.occupation),
        location: n.optional(Field::Location, draft.location),
        background: n.text(Field::Background, &draft.background),
        traits: n.list(Field::Traits, draft.traits),
        interests: n.list(Field::Interests, draft.interests),
        skills: n.list(Field::Skills, draft.skills),
        values: n.list(Field::Values, draft.values),
        goals: n.list(Field::Goals, draft.goals),
        languages: n.list(Field::Languages, draft.languages),
        communication_style: n.optional(Field::CommunicationStyle, draft.communication_style),
        quotes: n.list(Field::Quotes, draft.quotes),
        evidence: n.evidence(draft.evidence),
    };
    (persona, n.findings)
}

impl Persona {
    /// The persona with `evidence` in place of its own, repaired as a draft's evidence is
    /// (whitespace collapsed, parts cut to their limits, items with an empty part and exact
    /// repeats dropped, the list capped). Grounding gives a persona its verified evidence this
    /// way: the new quotes are in the source's own words, which the rules have not seen.
    pub(crate) fn with_evidence(mut self, evidence: Vec<Evidence>) -> Self {
        let mut n = Normaliser {
            findings: Vec::new(),
            hygiene: Hygiene::CollapseNearRepeats,
        };
        self.evidence = n.evidence(evidence);
        self
    }
}

/// The character limit of a text field, or of each item of a list field.
fn max_chars(field: Field) -> usize {
    // Every text and list field has one (`field.rs` tests it); only those come here.
    field.max_chars().unwrap_or(usize::MAX)
}

struct Normaliser {
    findings: Vec<Finding>,
    hygiene: Hygiene,
}

impl Normaliser {
    fn found(&mut self, field: String, kind: FindingKind) {
        self.findings.push(Finding { field, kind });
    }

    fn text(&mut self, field: Field, value: &str) -> String {
        self.text_at(|| field.pointer(), value, max_chars(field))
    }

    /// [`Self::text`] with the field's pointer made only when a finding needs it: a draft can
    /// hold tens of thousands of list items and evidence quotes.
    fn text_at(&mut self, field: impl FnOnce() -> String, value: &str, max: usize) -> String {
        let value = collapse_whitespace(value);
        if is_blank(&value) {
            if !value.is_empty() {
                self.findings.push(Finding {
                    field: field(),
                    kind: FindingKind::InvisibleOnly,
                });
            }
            return String::new();
        }
        match truncated(&value, max) {
            Some(cut) => {
                self.findings.push(Finding {
                    field: field(),
                    kind: FindingKind::Truncated {
                        chars: char_count(&value),
                        max,
                    },
                });
                cut
            }
            None => value,
        }
    }

    fn optional(&mut self, field: Field, value: Option<String>) -> Option<String> {
        value
            .map(|v| self.text(field, &v))
            .filter(|v| !v.is_empty())
    }

    fn list(&mut self, field: Field, items: Vec<String>) -> Vec<String> {
        let max_chars = max_chars(field);
        let mut seen = HashSet::new();
        let mut kept = Vec::new();
        let mut kept_keys: Vec<RepeatKey> = Vec::new();
        let mut duplicates = 0;
        let mut near = 0;
        for item in items {
            let at = kept.len();
            let item = self.text_at(|| format!("/{field}/{at}"), &item, max_chars);
            if item.is_empty() {
                continue;
            }
            if !seen.insert(item.to_lowercase()) {
                duplicates += 1;
                continue;
            }
            // Near repeats are looked for only while the list is short enough to be kept whole:
            // items past the cap are cut anyway, and comparing each of 20,000 items with every
            // kept one took minutes. So at most MAX_LIST_ITEMS keys are compared with each item.
            if self.hygiene == Hygiene::CollapseNearRepeats && kept.len() < MAX_LIST_ITEMS {
                let key = RepeatKey::new(&item);
                if kept_keys.iter().any(|k| k.nearly_repeats(&key)) {
                    near += 1;
                    continue;
                }
                kept_keys.push(key);
            }
            kept.push(item);
        }
        if duplicates > 0 {
            self.found(
                field.pointer(),
                FindingKind::DuplicatesRemoved {
                    removed: duplicates,
                },
            );
        }
        if near > 0 {
            self.found(
                field.pointer(),
                FindingKind::NearDuplicatesCollapsed { removed: near },
            );
        }
        self.cap(field.pointer(), kept, MAX_LIST_ITEMS)
    }

    fn evidence(&mut self, items: Vec<Evidence>) -> Vec<Evidence> {
        let mut kept: Vec<Evidence> = Vec::new();
        // Repeats are found by hashing: a scan of every kept item per item is quadratic in a
        // draft's evidence, which the source's sentences bound only loosely.
        let mut seen: HashSet<Evidence> = HashSet::new();
        // Distinct evidence past the cap: only its number is reported, so it is moved into
        // `seen` instead of being copied and kept for the cut.
        let mut past_cap = 0;
        for item in items {
            let at = kept.len() + past_cap;
            let evidence = Evidence {
                field: self.text_at(
                    || format!("/evidence/{at}/field"),
                    &item.field,
                    MAX_EVIDENCE_FIELD_CHARS,
                ),
                quote: self.text_at(
                    || format!("/evidence/{at}/quote"),
                    &item.quote,
                    MAX_QUOTE_CHARS,
                ),
                source: self.text_at(
                    || format!("/evidence/{at}/source"),
                    &item.source,
                    MAX_EVIDENCE_SOURCE_CHARS,
                ),
            };
            // Evidence without a field, a quote or a source supports nothing (the persona schema
            // requires all three); an exact repeat adds nothing.
            if evidence.field.is_empty() || evidence.quote.is_empty() || evidence.source.is_empty()
            {
                continue;
            }
            if kept.len() < MAX_EVIDENCE {
                if !seen.contains(&evidence) {
                    seen.insert(evidence.clone());
                    kept.push(evidence);
                }
            } else if seen.insert(evidence) {
                past_cap += 1;
            }
        }
        if past_cap > 0 {
            self.found(
                Field::Evidence.pointer(),
                FindingKind::TooManyItems {
                    count: kept.len() + past_cap,
                    max: MAX_EVIDENCE,
                },
            );
        }
        kept
    }

    fn cap<T>(&mut self, field: String, mut items: Vec<T>, max: usize) -> Vec<T> {
        if items.len() > max {
            self.found(
                field,
                FindingKind::TooManyItems {
                    count: items.len(),
                    max,
                },
            );
            items.truncate(max);
        }
        items
    }
}

/// A list item as near-repeat detection compares it: lower case, punctuation removed, words
/// separated by single spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct RepeatKey {
    text: String,
}

impl RepeatKey {
    pub(crate) fn new(item: &str) -> Self {
        let kept: String = item
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        Self {
            text: collapse_whitespace(&kept),
        }
    }

    /// Whether the item had no letter or digit at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn words(&self) -> Vec<&str> {
        self.text.split(' ').filter(|w| !w.is_empty()).collect()
    }

    /// Equal keys, one key's words a run of the other's, or one key the other plus repeats of
    /// its own ending (letters only: "skill 1" and "skill 11" are different items).
    pub(crate) fn nearly_repeats(&self, other: &Self) -> bool {
        if self.text == other.text {
            return true;
        }
        let (short, long) = if self.text.len() <= other.text.len() {
            (self, other)
        } else {
            (other, self)
        };
        let (short_words, long_words) = (short.words(), long.words());
        if short_words.is_empty() {
            return false;
        }
        if long_words
            .windows(short_words.len())
            .any(|run| run == short_words.as_slice())
        {
            return true;
        }
        repeats_ending(&short.text, &long.text)
    }
}

/// Whether `long` is `short` followed by one or more copies of an ending of `short` that holds a
/// letter and no digit.
fn repeats_ending(short: &str, long: &str) -> bool {
    let Some(rest) = long.strip_prefix(short) else {
        return false;
    };
    if rest.is_empty() {
        return false;
    }
    short.char_indices().any(|(at, _)| {
        let ending = &short[at..];
        ending.chars().any(char::is_alphabetic)
            && !ending.chars().any(|c| c.is_numeric())
            && rest.len() % ending.len() == 0
            && rest
                .as_bytes()
                .chunks(ending.len())
                .all(|chunk| chunk == ending.as_bytes())
    })
}

#[cfg(test)]
mod large_inputs;
#[cfg(test)]
mod tests;
