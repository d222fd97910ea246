//! The persona (v1) and the rules that turn a model's draft, or a client's edit, into one.
//!
//! [`PersonaDraft`] is the loose shape: what a model returns and what a client sends back after
//! review. [`Persona`] is the checked one, made only by [`Persona::from_draft`] (lenient: repairs
//! and warns, for model output) or [`Persona::parse`] (strict: refuses anything that would lose
//! information, for a client's save).

mod field;
mod rules;
mod values;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::limits::{
    MAX_AGE, MAX_BACKGROUND_CHARS, MAX_EVIDENCE, MAX_EVIDENCE_FIELD_CHARS,
    MAX_EVIDENCE_SOURCE_CHARS, MAX_ITEM_CHARS, MAX_LIST_ITEMS, MAX_QUOTE_CHARS, MAX_SHORT_CHARS,
    MAX_STYLE_CHARS,
};

pub use field::{Field, FieldKind};
pub(crate) use rules::RepeatKey;
pub use rules::{ConflictingValue, Normalised, Violation, Warning, WarningCode};
pub use values::{FieldValue, Removal};

/// What an extractor returns and what a client may send: every field loose, every list optional.
///
/// Its strict JSON Schema ([`crate::schema::draft_schema`]) is what an LLM is asked to fill.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(title = "PersonaDraft")]
pub struct PersonaDraft {
    /// The person's name as the source gives it; null when the source names nobody.
    pub name: Option<String>,
    /// Age in years; null when the source does not say.
    pub age: Option<i64>,
    pub occupation: Option<String>,
    pub location: Option<String>,
    /// One short paragraph about the person.
    pub background: String,
    #[schemars(length(max = MAX_LIST_ITEMS))]
    pub traits: Vec<String>,
    #[schemars(length(max = MAX_LIST_ITEMS))]
    pub interests: Vec<String>,
    #[schemars(length(max = MAX_LIST_ITEMS))]
    pub skills: Vec<String>,
    #[schemars(length(max = MAX_LIST_ITEMS))]
    pub values: Vec<String>,
    #[schemars(length(max = MAX_LIST_ITEMS))]
    pub goals: Vec<String>,
    #[schemars(length(max = MAX_LIST_ITEMS))]
    pub languages: Vec<String>,
    pub communication_style: Option<String>,
    /// Verbatim phrases from the source that show the person's voice.
    #[schemars(length(max = MAX_LIST_ITEMS))]
    pub quotes: Vec<String>,
    /// Quotes from the source that support a field.
    #[schemars(length(max = MAX_EVIDENCE))]
    pub evidence: Vec<Evidence>,
}

/// A quote from the source that supports one field of the persona.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Evidence {
    /// The persona field the quote supports, e.g. `occupation` or `interests`.
    #[schemars(length(min = 1, max = MAX_EVIDENCE_FIELD_CHARS))]
    pub field: String,
    /// The supporting words, verbatim from the source.
    #[schemars(length(min = 1, max = MAX_QUOTE_CHARS))]
    pub quote: String,
    /// Where the quote is: `block:N` for the N-th text block (from 0), or a link.
    #[schemars(length(min = 1, max = MAX_EVIDENCE_SOURCE_CHARS))]
    pub source: String,
}

/// A persona: every text trimmed and within its limit, every list free of repeats and within its
/// limit, the age within 0 to 130, and a name ("Unnamed persona" when the source names nobody).
//
// Deserialising one applies `Persona::parse`, so a stored document that breaks the rules is
// refused rather than served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "PersonaDraft")]
#[schemars(title = "Persona", deny_unknown_fields)]
pub struct Persona {
    /// The person's name; "Unnamed persona" when the source names nobody.
    #[schemars(length(min = 1, max = MAX_SHORT_CHARS))]
    name: String,
    /// Age in years, or null when unknown.
    #[schemars(range(max = MAX_AGE))]
    age: Option<u8>,
    #[schemars(length(min = 1, max = MAX_SHORT_CHARS))]
    occupation: Option<String>,
    #[schemars(length(min = 1, max = MAX_SHORT_CHARS))]
    location: Option<String>,
    /// One short paragraph about the person.
    #[schemars(length(max = MAX_BACKGROUND_CHARS))]
    background: String,
    #[schemars(length(max = MAX_LIST_ITEMS), inner(length(min = 1, max = MAX_ITEM_CHARS)))]
    traits: Vec<String>,
    #[schemars(length(max = MAX_LIST_ITEMS), inner(length(min = 1, max = MAX_ITEM_CHARS)))]
    interests: Vec<String>,
    #[schemars(length(max = MAX_LIST_ITEMS), inner(length(min = 1, max = MAX_ITEM_CHARS)))]
    skills: Vec<String>,
    #[schemars(length(max = MAX_LIST_ITEMS), inner(length(min = 1, max = MAX_ITEM_CHARS)))]
    values: Vec<String>,
    #[schemars(length(max = MAX_LIST_ITEMS), inner(length(min = 1, max = MAX_ITEM_CHARS)))]
    goals: Vec<String>,
    #[schemars(length(max = MAX_LIST_ITEMS), inner(length(min = 1, max = MAX_ITEM_CHARS)))]
    languages: Vec<String>,
    /// How the person tends to speak or write, or null when unknown.
    #[schemars(length(min = 1, max = MAX_STYLE_CHARS))]
    communication_style: Option<String>,
    /// Verbatim phrases from the source that show the person's voice.
    #[schemars(length(max = MAX_LIST_ITEMS), inner(length(min = 1, max = MAX_QUOTE_CHARS)))]
    quotes: Vec<String>,
    /// Quotes from the source that support a field.
    #[schemars(length(max = MAX_EVIDENCE))]
    evidence: Vec<Evidence>,
}

impl Persona {
    /// The name a persona gets when its source names nobody.
    pub const UNNAMED: &'static str = "Unnamed persona";

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn age(&self) -> Option<u8> {
        self.age
    }
    pub fn occupation(&self) -> Option<&str> {
        self.occupation.as_deref()
    }
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }
    pub fn background(&self) -> &str {
        &self.background
    }
    pub fn traits(&self) -> &[String] {
        &self.traits
    }
    pub fn interests(&self) -> &[String] {
        &self.interests
    }
    pub fn skills(&self) -> &[String] {
        &self.skills
    }
    pub fn values(&self) -> &[String] {
        &self.values
    }
    pub fn goals(&self) -> &[String] {
        &self.goals
    }
    pub fn languages(&self) -> &[String] {
        &self.languages
    }
    pub fn communication_style(&self) -> Option<&str> {
        self.communication_style.as_deref()
    }
    pub fn quotes(&self) -> &[String] {
        &self.quotes
    }
    pub fn evidence(&self) -> &[Evidence] {
        &self.evidence
    }

    /// The persona as a draft again, e.g. for a client to edit and send back.
    pub fn to_draft(&self) -> PersonaDraft {
        PersonaDraft {
            name: Some(self.name.clone()),
            age: self.age.map(i64::from),
            occupation: self.occupation.clone(),
            location: self.location.clone(),
            background: self.background.clone(),
            traits: self.traits.clone(),
            interests: self.interests.clone(),
            skills: self.skills.clone(),
            values: self.values.clone(),
            goals: self.goals.clone(),
            languages: self.languages.clone(),
            communication_style: self.communication_style.clone(),
            quotes: self.quotes.clone(),
            evidence: self.evidence.clone(),
        }
    }
}

impl TryFrom<PersonaDraft> for Persona {
    type Error = rules::Violations;

    fn try_from(draft: PersonaDraft) -> Result<Self, Self::Error> {
        Self::parse(draft).map_err(rules::Violations)
    }
}
