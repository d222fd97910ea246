//! [`MockExtractor`]: a deterministic, offline stand-in for the LLM extractor.
//!
//! It reads the text blocks with a handful of English phrase patterns, so a frontend developer
//! sees their own input come back as a persona without a model, a key or a network. The same
//! bundle always gives the same draft: no randomness, no clock. Links are not followed.
//!
//! # Recognised phrases
//!
//! Trigger words match in any case. Each block is cut into sentences (at `.`, `!` or `?` before a
//! space, and at every line break; "Dr.", "Mr." and initials do not end a sentence), and a value
//! never crosses a sentence.
//!
//! | field | phrases | value |
//! |---|---|---|
//! | `name` | "my name is X", "call me X", "Name: X"; failing those, "I'm X", "I am X" | 1 to 3 capitalised words, so "I am a teacher" and "I'm 34" name nobody |
//! | `age` | "N years old", "N-year-old", "aged N", "Age: N" | the number as written (the domain's rules drop ages outside 0 to 130) |
//! | `occupation` | "I work as (a/an) X", "works as (a/an) X", "my job is X", "Occupation: X"; failing those, "I am a/an X", "I'm a/an X" | X up to the end of the clause: `,` `;` `.` `!` `?`, "and", "but", "who", or "in"/"at"/"for" before a capitalised word ("a designer in Berlin" gives "designer") |
//! | `location` | "I live in X", "lives in X", "based in X", "I'm from X", "Location: X"; failing those, "I work … in X" | capitalised words ("New York", "Newcastle upon Tyne") |
//! | `interests` | "I love X", "I enjoy X", "I like X", "interested in X", "passionate about X", "Interests: X", "Hobbies: X" | a list |
//! | `skills` | "I can X", "skilled in X", "good at X", "Skills: X" | a list |
//! | `values` | "I value X", "I believe in X", "Values: X" | a list |
//! | `goals` | "I want to X", "I hope to X", "I plan to X", "my goal is to X"; "Goals: X, Y" | each clause is one goal ("open a bakery") |
//! | `languages` | "I speak X", "I can speak X", "Languages: X" | a list |
//! | `traits` | "I am X", "I'm X" where X is only lowercase adjectives ("I'm curious and patient"); "Traits: X" | a list |
//! | `communication_style` | "Communication style: X", "I prefer X communication", "I communicate X" | the phrase ("direct communication") |
//! | `background` | the first sentence of the first block | verbatim, at most 300 characters |
//! | `quotes` | the first 3 sentences that use "I" ("I ", "I'm", "I've", "I'd", "I'll") | verbatim |
//!
//! A list runs to the end of its sentence (or to "but", or to "and I …") and is split at commas,
//! "and", "or" and "&"; a leading "to" is dropped ("I like to cook" gives "cook"). A single value
//! takes the first match in reading order (the phrases before "failing those" win over the ones
//! after it); a list gathers every match in reading order, each item once, ignoring case.
//!
//! Every filled field gets evidence: the sentence it was read from, verbatim, and its block
//! (`block:0`, `block:1`, …), so grounding (`persona_domain::grounding`) marks every value the
//! mock returns `quoted`, and mock mode shows grounding at work. When nothing names the person, `name` is null and the domain's
//! rules call the persona "Unnamed persona": the mock never invents a name.
//!
//! With a chunk size ([`MockExtractor::with_chunk_chars`], `MOCK_CHUNK_CHARS` in mock mode) it
//! takes at most that many characters a call, so the service reads longer material in chunks and
//! merges them, as with a model of a small context; a chunk's blocks keep their numbers in the
//! whole material, so the evidence still names the right block.

mod patterns;
mod sentences;

use std::collections::HashSet;

use async_trait::async_trait;
use persona_domain::limits::MAX_QUOTE_CHARS;
use persona_domain::{Evidence, Field, PersonaDraft, SourceBundle};
use persona_ports::{ExtractFailure, Extraction, Offload, PersonaExtractor, Usage, offloaded};
use regex::{Captures, Regex};

use patterns::Splitter;
use sentences::Sentence;

/// The model name the mock reports in [`Usage`].
const MODEL: &str = "mock";
/// Characters of the first sentence kept as `background`.
const MAX_BACKGROUND_CHARS: usize = 300;
/// Sentences kept as `quotes`.
const MAX_QUOTES: usize = 3;

/// A deterministic [`PersonaExtractor`] that reads simple English phrases from the text blocks.
///
/// The same bundle always gives the same draft, with evidence pointing at the sentence and block
/// each value came from, and a [`Usage`] of model `"mock"`, no tokens and one attempt. It never
/// fails. The phrases it recognises are listed in this module's documentation.
#[derive(Debug, Default, Clone)]
pub struct MockExtractor {
    /// Where the reading runs; `None`: on the caller's task.
    offload: Option<Offload>,
    /// The most characters of text one call takes, so that chunking can be seen without a model
    /// (`MOCK_CHUNK_CHARS`); `None`: any material in one call.
    chunk_chars: Option<u32>,
}

impl MockExtractor {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same extractor, reading through `offload`: its CPU time grows with the material, like
    /// a model's wait, but it would hold the async worker while it runs.
    #[must_use]
    pub fn with_offload(mut self, offload: Offload) -> Self {
        self.offload = Some(offload);
        self
    }

    /// The same extractor, taking at most `chars` characters of text a call (counted with each
    /// block's heading): longer material is read in chunks, as a model with a small context
    /// reads it.
    #[must_use]
    pub fn with_chunk_chars(mut self, chars: u32) -> Self {
        self.chunk_chars = Some(chars);
        self
    }
}

#[async_trait]
impl PersonaExtractor for MockExtractor {
    fn name(&self) -> &'static str {
        MODEL
    }

    async fn extract(&self, bundle: &SourceBundle) -> Result<Extraction, ExtractFailure> {
        let blocks: Vec<(usize, String)> = (bundle.text_blocks().iter().enumerate())
            .map(|(i, text)| (bundle.block_number(i), text.clone()))
            .collect();
        let draft = offloaded(self.offload.as_ref(), move || read(&blocks)).await;
        Ok(Extraction {
            draft,
            usage: Usage {
                model: MODEL.into(),
                prompt_tokens: 0,
                completion_tokens: 0,
                attempts: 1,
            },
        })
    }

    /// Characters (the default measure), when a chunk size was set.
    fn chunk_budget(&self, _bundle: &SourceBundle) -> Option<u32> {
        self.chunk_chars
    }

    /// Bytes: a character is one to four of them.
    fn measure_bound(&self, text: &str) -> Option<u32> {
        Some(u32::try_from(text.len()).unwrap_or(u32::MAX))
    }
}

/// Reads a draft from the text blocks, each with its number in the whole material.
fn read(blocks: &[(usize, String)]) -> PersonaDraft {
    use patterns::*;

    let sentences = sentences::split(blocks);
    let mut reader = Reader {
        sentences: &sentences,
        evidence: Vec::new(),
        cited: HashSet::new(),
    };
    let text = |value: &str| Some(value.to_owned()).filter(|v| !v.is_empty());

    let name = reader.first(Field::Name, &[&NAME_GIVEN, &NAME_SELF], text);
    let age = reader.first(Field::Age, &[&AGE], |n| n.parse::<i64>().ok());
    let occupation = reader.first(
        Field::Occupation,
        &[&OCCUPATION_STATED, &OCCUPATION_SELF],
        text,
    );
    let location = reader.first(
        Field::Location,
        &[&LOCATION_STATED, &LOCATION_AT_WORK],
        text,
    );
    let background = reader.background();
    let traits = reader.list(
        Field::Traits,
        &[(&TRAITS_SELF, traits), (&TRAITS_LABEL, items)],
    );
    let interests = reader.list(Field::Interests, &[(&INTERESTS, items)]);
    let skills = reader.list(Field::Skills, &[(&SKILLS, items)]);
    let values = reader.list(Field::Values, &[(&VALUES, items)]);
    let goals = reader.list(Field::Goals, &[(&GOALS, whole), (&GOALS_LABEL, clauses)]);
    let languages = reader.list(Field::Languages, &[(&LANGUAGES, items)]);
    let communication_style = reader.first(Field::CommunicationStyle, &[&STYLE], text);
    let quotes = reader.quotes();

    PersonaDraft {
        name,
        age,
        occupation,
        location,
        background,
        traits,
        interests,
        skills,
        values,
        goals,
        languages,
        communication_style,
        quotes,
        evidence: reader.evidence,
    }
}

/// Walks the sentences of a bundle and collects evidence for every value it keeps.
struct Reader<'s, 'a> {
    sentences: &'s [Sentence<'a>],
    evidence: Vec<Evidence>,
    /// The evidence already recorded (field, quote, block), so a repeat is found by hashing, not
    /// by a scan of every earlier one (a block of many matches in one sentence cites the same
    /// evidence many times); the quotes are slices of the blocks, so this copies no text.
    cited: HashSet<(Field, &'a str, usize)>,
}

impl<'a> Reader<'_, 'a> {
    /// The first value a pattern finds, trying each pattern over the whole text before the next.
    fn first<T>(
        &mut self,
        field: Field,
        patterns: &[&Regex],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let sentences = self.sentences;
        for pattern in patterns {
            for sentence in sentences {
                for captures in pattern.captures_iter(sentence.text) {
                    if let Some(value) = value_of(&captures).and_then(|v| parse(v.trim())) {
                        self.cite(field, sentence, matched(&captures));
                        return Some(value);
                    }
                }
            }
        }
        None
    }

    /// Every item the patterns find, in reading order, each once (ignoring case).
    fn list(&mut self, field: Field, patterns: &[(&Regex, Splitter)]) -> Vec<String> {
        let sentences = self.sentences;
        let mut items: Vec<String> = Vec::new();
        // The lower-case form of every kept item: one hash lookup per item instead of a
        // comparison with every kept one, which made a list of 20,000 items take a minute.
        let mut kept: HashSet<String> = HashSet::new();
        for sentence in sentences {
            for (pattern, split) in patterns {
                for captures in pattern.captures_iter(sentence.text) {
                    let found = value_of(&captures).map(split).unwrap_or_default();
                    if found.is_empty() {
                        continue;
                    }
                    for item in found {
                        if kept.insert(item.to_lowercase()) {
                            items.push(item);
                        }
                    }
                    self.cite(field, sentence, matched(&captures));
                }
            }
        }
        items
    }

    /// The first sentence of the first block, cut to [`MAX_BACKGROUND_CHARS`].
    fn background(&mut self) -> String {
        let Some(first) = self.sentences.first() else {
            return String::new();
        };
        let background = prefix(first.text, MAX_BACKGROUND_CHARS);
        self.cite(Field::Background, first, background);
        background.to_owned()
    }

    /// The first [`MAX_QUOTES`] sentences in the first person that fit in a quote.
    fn quotes(&mut self) -> Vec<String> {
        let sentences = self.sentences;
        let chosen: Vec<&Sentence<'_>> = sentences
            .iter()
            .filter(|s| patterns::FIRST_PERSON.is_match(s.text))
            .filter(|s| fits_quote(s.text))
            .take(MAX_QUOTES)
            .collect();
        for sentence in &chosen {
            self.cite(Field::Quotes, sentence, sentence.text);
        }
        chosen.iter().map(|s| s.text.to_owned()).collect()
    }

    /// Records that `field` was read from `sentence`. The quote is the whole sentence, or, when
    /// the sentence is too long for a quote, the matched words: either way a verbatim slice of
    /// the block.
    fn cite(&mut self, field: Field, sentence: &Sentence<'a>, matched: &'a str) {
        let quote = if fits_quote(sentence.text) {
            sentence.text
        } else {
            prefix(matched, MAX_QUOTE_CHARS)
        };
        if self.cited.insert((field, quote, sentence.block)) {
            self.evidence.push(Evidence {
                field: field.name().to_owned(),
                quote: quote.to_owned(),
                source: format!("block:{}", sentence.block),
            });
        }
    }
}

/// The whole text a pattern matched, as a slice of the sentence.
fn matched<'t>(captures: &Captures<'t>) -> &'t str {
    captures.get(0).map_or("", |m| m.as_str())
}

/// The value a pattern captured: its first capture group that took part in the match.
fn value_of<'t>(captures: &Captures<'t>) -> Option<&'t str> {
    captures.iter().skip(1).flatten().next().map(|m| m.as_str())
}

/// Whether `s` has at most [`MAX_QUOTE_CHARS`] characters. It reads at most that many, not the
/// whole text: a sentence of 100,000 characters with thousands of matches is cited once per match.
fn fits_quote(s: &str) -> bool {
    s.chars().nth(MAX_QUOTE_CHARS).is_none()
}

/// The first `max` characters of `s`, as a slice of it.
fn prefix(s: &str, max: usize) -> &str {
    s.char_indices().nth(max).map_or(s, |(at, _)| &s[..at])
}

#[cfg(test)]
mod tests;
