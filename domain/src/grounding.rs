//! Grounding: what the source supports, field by field.
//!
//! A model's schema-valid answer can still be invented: a location the source never mentions,
//! "evidence" quotes that are nowhere in it. [`ground`] checks a persona against the
//! [`SourceBundle`] it was made from:
//!
//! 1. Every `evidence` quote is looked for in the text blocks (the block it names first). Both
//!    sides are folded (Unicode NFKC, lower case, one form of each quote mark and dash,
//!    whitespace collapsed); an exact match of the folded quote wins, else a fuzzy one (see
//!    [`FUZZY_MIN_OVERLAP_PERCENT`]). A quote found nowhere is dropped from the persona and
//!    counted as fabricated. A found one is kept in the source's own words (whitespace collapsed)
//!    and names the block it was found in.
//! 2. Every scalar field (`name`, `age`, `occupation`, `location`, `communication_style`) and
//!    every item of `traits`, `interests`, `skills`, `values`, `goals`, `languages` and `quotes`
//!    gets a [`GroundingStatus`]: `quoted` when a verified quote for that field mentions it (at
//!    least half of its words, ignoring a few filler words, occur in the source text the quote
//!    was found at; a word also matches one it is a prefix of, from 4 letters: "cook" and
//!    "cooking"; for `age`, the number), else `stated` when the value itself occurs in the source
//!    as whole words after folding (for `age`, the number in digits), else `inferred`.
//!    `background` is a summary and is not classified; nor is a name the rules set to
//!    "Unnamed persona".
//! 3. In [`GroundingMode::Strict`] an inferred scalar becomes null (an inferred name becomes
//!    "Unnamed persona") and an inferred list item is dropped, each with a warning, so nothing
//!    unsupported is returned. [`GroundingMode::Flag`] keeps them, marked.
//!
//! With a [`GroundingKey`], [`Grounding::sign`] signs every entry so that a client saving the
//! persona back cannot present its own claims as the server's findings; [`Grounding::verify`]
//! checks them on save (see `sign.rs` for what is signed and why list indexes are not).
//!
//! Spans count Unicode scalar values (Rust `char`s), end exclusive, in the text block as the
//! client sent it (before control characters were removed and the block trimmed).

mod check;
mod fields;
mod fold;
mod locate;
mod sign;

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::limits::MAX_QUOTE_CHARS;
use crate::persona::{
    Evidence, Field, FieldKind, FieldValue, Persona, Removal, Warning, WarningCode,
};
use crate::source::SourceBundle;
use crate::text::collapse_whitespace;

pub use fields::GroundedFields;
use fold::{Folded, words};
use locate::{Found, Source};
pub use sign::{GroundingKey, KeyTooShort, MIN_KEY_BYTES, SIGNATURE_HEX_DIGITS};

/// A quote of `n` words that has no exact match still verifies when some run of `n`
/// consecutive words in one block holds at least this share of its words (⌈0.8·n⌉, counting a
/// repeated word as often as the quote has it). 80% lets one word in five differ: the slips a
/// careful model makes when it copies ("I'm" for "I am", a dropped article, British for American
/// spelling); a sentence with two words in five changed says something the source does not.
/// What a fuzzily found quote supports is judged on the source's words, never on the quote's.
pub const FUZZY_MIN_OVERLAP_PERCENT: usize = 80;

/// Quotes of fewer words must match exactly: in a short quote one changed word is the point.
pub const FUZZY_MIN_WORDS: usize = 5;

/// Words that do not count when judging whether a quote mentions a value.
const FILLER_WORDS: [&str; 16] = [
    "a", "an", "and", "are", "as", "at", "for", "in", "is", "of", "on", "or", "the", "to", "very",
    "with",
];

/// Whether unsupported values are kept and marked, or removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroundingMode {
    /// Inferred values are kept and marked `inferred`.
    #[default]
    Flag,
    /// Inferred scalars become null and inferred list items are dropped, each with a warning.
    Strict,
}

/// A grounding mode name that is neither `flag` nor `strict`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the grounding mode must be flag or strict")]
pub struct UnknownGroundingMode;

impl FromStr for GroundingMode {
    type Err = UnknownGroundingMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "flag" => Ok(Self::Flag),
            "strict" => Ok(Self::Strict),
            _ => Err(UnknownGroundingMode),
        }
    }
}

impl fmt::Display for GroundingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Flag => "flag",
            Self::Strict => "strict",
        })
    }
}

/// What supports one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroundingStatus {
    /// A quote verified in the source mentions it.
    Quoted,
    /// The value itself occurs in the source.
    Stated,
    /// Neither: the model's inference (or invention).
    Inferred,
}

/// A range of characters in one text block: Unicode scalar values, `end` exclusive, counted in
/// the block as the client sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// The grounding of one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldGrounding {
    pub status: GroundingStatus,
    /// The verified quote that supports the value, in the source's words (`quoted` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// The block the quote (`quoted`) or the value (`stated`) was found in: `block:N`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Where in that block (`quoted` and `stated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// The server's signature over this entry, the field's name and the value (process-persona
    /// answers, when the server signs): send it back unchanged with the entry on save.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9a-f]{32}$"))]
    pub signature: Option<String>,
    /// Whether the server found this entry's signature good when the persona was saved (get
    /// answers): `true` is what process-persona found, `false` the saving client's claim. Set by
    /// the server; a save request's value is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
}

/// How many values have each status, and how many evidence quotes were found nowhere.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroundingCounts {
    pub quoted: u32,
    pub stated: u32,
    pub inferred: u32,
    /// Evidence quotes found nowhere in the source, dropped from the persona's evidence.
    pub fabricated_quotes: u32,
}

/// What the source supports in a persona, field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grounding {
    pub mode: GroundingMode,
    /// Keyed by JSON pointer into the persona (`/location`, `/skills/2`), in persona field order;
    /// only values that are there have an entry.
    pub fields: GroundedFields,
    pub counts: GroundingCounts,
}

/// A persona checked against its source: the persona (fabricated quotes dropped, and in strict
/// mode unsupported values removed), its grounding, and a warning for each removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grounded {
    pub persona: Persona,
    pub grounding: Grounding,
    pub warnings: Vec<Warning>,
}

/// A verified evidence quote: the field it is for, its text and where it is.
struct Verified {
    /// `None` when the evidence names no field of the persona.
    field: Option<Field>,
    quote: String,
    found: Found,
    /// The source's words at `found`, folded.
    source_words: Vec<String>,
}

/// Checks `persona` against `bundle`; see the module documentation for the rules.
pub fn ground(persona: Persona, bundle: &SourceBundle, mode: GroundingMode) -> Grounded {
    let source = Source::new(bundle);
    let mut warnings = Vec::new();
    let mut fabricated = 0;
    let mut evidence = Vec::new();
    let mut verified = Vec::new();
    for (index, item) in persona.evidence().iter().enumerate() {
        let Some(found) = source.quote(&item.quote, block_index(&item.source)) else {
            fabricated += 1;
            warnings.push(Warning {
                field: format!("/evidence/{index}"),
                code: WarningCode::FabricatedQuote,
                message: format!(
                    "evidence {index} quotes words found nowhere in the source and was dropped"
                ),
                values: Vec::new(),
            });
            continue;
        };
        let block = &bundle.text_blocks()[found.block];
        let own_words: String = block
            .chars()
            .skip(found.start)
            .take(found.end - found.start)
            .collect();
        let own_words = collapse_whitespace(&own_words);
        let quote = if own_words.chars().count() <= MAX_QUOTE_CHARS {
            own_words
        } else {
            item.quote.clone()
        };
        let folded_source = source.folded_text(&found);
        verified.push(Verified {
            field: field_named(&item.field),
            quote: quote.clone(),
            found,
            source_words: words(folded_source)
                .into_iter()
                .map(|r| folded_source[r].to_owned())
                .collect(),
        });
        evidence.push(Evidence {
            field: item.field.clone(),
            quote,
            source: block_name(found.block),
        });
    }

    let mut judge = Judge {
        source: &source,
        bundle,
        verified: &verified,
        mode,
        fields: Vec::new(),
        warnings,
        removals: Vec::new(),
    };
    for field in Field::ALL.into_iter().filter(|field| field.is_grounded()) {
        match persona.value(field) {
            // A name the rules gave is no claim about the source.
            FieldValue::Text(Some(Persona::UNNAMED)) if field == Field::Name => {}
            FieldValue::Text(Some(text)) => judge.scalar(field, Value::Text(text)),
            FieldValue::Age(Some(age)) => judge.scalar(field, Value::Number(age)),
            FieldValue::List(items) => judge.list(field, items),
            FieldValue::Text(None) | FieldValue::Age(None) | FieldValue::Evidence(_) => {}
        }
    }

    let Judge {
        fields,
        warnings,
        removals,
        ..
    } = judge;
    let mut counts = GroundingCounts {
        fabricated_quotes: fabricated,
        ..GroundingCounts::default()
    };
    for (_, field) in &fields {
        match field.status {
            GroundingStatus::Quoted => counts.quoted += 1,
            GroundingStatus::Stated => counts.stated += 1,
            GroundingStatus::Inferred => counts.inferred += 1,
        }
    }
    // The verified evidence is new text (the source's own words), so it is repaired as a draft's
    // evidence is; removing values keeps every other rule by itself.
    let persona = persona.with_evidence(evidence).without(&removals);
    Grounded {
        persona,
        grounding: Grounding {
            mode,
            fields: GroundedFields::from(fields),
            counts,
        },
        warnings,
    }
}

/// A value to classify.
#[derive(Clone, Copy)]
enum Value<'a> {
    Text(&'a str),
    Number(u8),
}

/// Classifies values one by one and collects their grounding and the warnings of removals.
struct Judge<'a> {
    source: &'a Source,
    bundle: &'a SourceBundle,
    verified: &'a [Verified],
    mode: GroundingMode,
    fields: Vec<(String, FieldGrounding)>,
    warnings: Vec<Warning>,
    /// What strict mode removes, by index in the persona as it came.
    removals: Vec<Removal>,
}

impl Judge<'_> {
    /// Records the grounding of scalar `field`, or its removal in strict mode.
    fn scalar(&mut self, field: Field, value: Value<'_>) {
        let grounding = self.classify(field, value);
        if grounding.status == GroundingStatus::Inferred && self.mode == GroundingMode::Strict {
            let message = if field == Field::Name {
                format!(
                    "name is not supported by the source, so the persona is called \"{}\"",
                    Persona::UNNAMED
                )
            } else {
                format!("{field} is not supported by the source and was removed")
            };
            self.warnings.push(Warning {
                field: field.pointer(),
                code: WarningCode::UnsupportedRemoved,
                message,
                values: Vec::new(),
            });
            self.removals.push(Removal::Field(field));
            return;
        }
        self.fields.push((field.pointer(), grounding));
    }

    /// Records the grounding of each item of list `field`, or its removal in strict mode; the
    /// pointers count the items that stay.
    fn list(&mut self, field: Field, items: &[String]) {
        let mut kept = 0;
        for (index, item) in items.iter().enumerate() {
            let grounding = self.classify(field, Value::Text(item));
            if grounding.status == GroundingStatus::Inferred && self.mode == GroundingMode::Strict {
                self.warnings.push(Warning {
                    field: field.pointer(),
                    code: WarningCode::UnsupportedRemoved,
                    message: format!(
                        "an item of {field} is not supported by the source and was removed"
                    ),
                    values: Vec::new(),
                });
                self.removals.push(Removal::Item(field, index));
                continue;
            }
            self.fields.push((format!("/{field}/{kept}"), grounding));
            kept += 1;
        }
    }

    fn classify(&self, field: Field, value: Value<'_>) -> FieldGrounding {
        if let Some(quote) = self
            .verified
            .iter()
            .find(|v| v.field == Some(field) && mentions(&v.source_words, value))
        {
            return FieldGrounding {
                status: GroundingStatus::Quoted,
                quote: Some(quote.quote.clone()),
                source: Some(block_name(quote.found.block)),
                span: Some(self.span(&quote.found)),
                signature: None,
                verified: None,
            };
        }
        let stated = match value {
            Value::Text(text) => self.source.phrase(text),
            Value::Number(n) => self.source.number(n),
        };
        match stated {
            Some(found) => FieldGrounding {
                status: GroundingStatus::Stated,
                quote: None,
                source: Some(block_name(found.block)),
                span: Some(self.span(&found)),
                signature: None,
                verified: None,
            },
            None => FieldGrounding {
                status: GroundingStatus::Inferred,
                quote: None,
                source: None,
                span: None,
                signature: None,
                verified: None,
            },
        }
    }

    /// The span of `found` in the client's text.
    fn span(&self, found: &Found) -> Span {
        let (start, end) = self
            .bundle
            .original_span(found.block, found.start, found.end)
            .unwrap_or((found.start, found.end));
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            start: count(start),
            end: count(end),
        }
    }
}

/// Whether source words mention `value`: the number among them, or at least half of the value's
/// words (filler words aside, unless that leaves none) matching one of them.
fn mentions(source_words: &[String], value: Value<'_>) -> bool {
    match value {
        Value::Number(n) => {
            let digits = n.to_string();
            source_words.contains(&digits)
        }
        Value::Text(text) => {
            let folded = Folded::new(text);
            let all: Vec<&str> = words(&folded.text)
                .into_iter()
                .map(|r| &folded.text[r])
                .collect();
            let content: Vec<&str> = all
                .iter()
                .copied()
                .filter(|w| !FILLER_WORDS.contains(w))
                .collect();
            let counted = if content.is_empty() { all } else { content };
            if counted.is_empty() {
                return false;
            }
            let matched = counted
                .iter()
                .filter(|w| source_words.iter().any(|s| same_word(w, s)))
                .count();
            matched * 2 >= counted.len()
        }
    }
}

/// Equal, or one a prefix of the other when the shorter has at least 4 characters.
fn same_word(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short == long || (short.chars().count() >= 4 && long.starts_with(short))
}

/// The persona field an evidence item names: `skills`, `/skills/2`, `Skill` and `skills[2]` all
/// name `skills`; "communication style" names `communication_style`.
fn field_named(field: &str) -> Option<Field> {
    let name: String = field
        .trim()
        .trim_start_matches('/')
        .split(['/', '[', '.'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_lowercase()
        .replace([' ', '-'], "_");
    Field::from_name(&name).or_else(|| {
        Field::ALL.into_iter().find(|field| {
            field.kind() == FieldKind::List && field.name().strip_suffix('s') == Some(&name)
        })
    })
}

/// Evidence quotes found the way [`ground`] finds them, for the merge of a chunked
/// extraction's drafts ([`crate::merge`]), which prefers values the material quotes.
#[derive(Debug)]
pub(crate) struct QuoteFinder(Source);

impl QuoteFinder {
    pub(crate) fn new(bundle: &SourceBundle) -> Self {
        Self(Source::new(bundle))
    }

    /// Where `quote` is in the material (its block and first character), searching the block
    /// that `source` names first; `None` when the material does not hold it.
    pub(crate) fn locate(&self, quote: &str, source: &str) -> Option<(usize, usize)> {
        self.0
            .quote(quote, block_index(source))
            .map(|found| (found.block, found.start))
    }
}

/// The block an evidence `source` names (`block:N`), if it names one.
fn block_index(source: &str) -> Option<usize> {
    let lower = source.trim().to_ascii_lowercase();
    let rest = lower.trim_start_matches('[').strip_prefix("block")?;
    rest.trim_start_matches([':', ' ', '_', '#'])
        .trim_end_matches(']')
        .parse()
        .ok()
}

fn block_name(block: usize) -> String {
    format!("block:{block}")
}

#[cfg(test)]
mod removal_tests;
#[cfg(test)]
mod tests;
