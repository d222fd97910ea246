//! Checking a grounding a client sends back with the persona it saves.
//!
//! The service cannot re-ground a save (it no longer has the source), so it checks that the
//! grounding could describe the persona: every pointer names a value the persona has, every
//! entry has the parts its status calls for, sizes are bounded and the counts add up.

use std::borrow::Cow;

use super::sign::is_signature;
use super::{FieldGrounding, Grounding, GroundingStatus};
use crate::limits::{MAX_EVIDENCE, MAX_QUOTE_CHARS, MAX_SPAN_END, MAX_TEXT_BLOCKS};
use crate::persona::{Field, FieldValue, Persona, Violation};

/// At most this many problems are listed for one grounding.
const MAX_VIOLATIONS: usize = 20;

impl Grounding {
    /// Checks that this grounding fits `persona`.
    ///
    /// # Errors
    ///
    /// A [`Violation`] (pointer relative to the grounding, e.g. `/fields/~1skills~12/span`) for a
    /// pointer that names no value of the persona, an entry whose parts do not fit its status
    /// (`quote` only for `quoted`; `source` and `span` for `quoted` and `stated`), a quote over
    /// [`MAX_QUOTE_CHARS`] characters, a source other than `block:0` to `block:N` (N one less than
    /// [`MAX_TEXT_BLOCKS`]), an empty span or one past [`MAX_SPAN_END`], or counts that disagree
    /// with the entries. At most `MAX_VIOLATIONS` (20) are listed.
    pub fn check(&self, persona: &Persona) -> Result<(), Vec<Violation>> {
        let mut violations = Vec::new();
        let mut bad_key = false;
        let mut tally = [0u32; 3];
        for (pointer, field) in self.fields.iter() {
            tally[field.status as usize] += 1;
            if !is_plain_pointer(pointer) {
                // A key that is not even shaped like a pointer is not repeated back.
                if !bad_key {
                    violations.push(violation(
                        "/fields",
                        "every key of fields must be a JSON pointer to a persona value, such as /location or /skills/2",
                    ));
                }
                bad_key = true;
                continue;
            }
            let at = format!("/fields/{}", pointer.replace('~', "~0").replace('/', "~1"));
            if !has_value(persona, pointer) {
                violations.push(violation(
                    &at,
                    "names no value of the saved persona (background and evidence are not grounded)",
                ));
            }
            check_entry(&at, field, &mut violations);
        }
        let counts = self.counts;
        if [counts.quoted, counts.stated, counts.inferred] != tally {
            violations.push(violation(
                "/counts",
                "counts must match the statuses in fields",
            ));
        }
        if counts.fabricated_quotes as usize > MAX_EVIDENCE {
            violations.push(violation(
                "/counts/fabricated_quotes",
                &format!("fabricated_quotes must be at most {MAX_EVIDENCE}"),
            ));
        }
        violations.truncate(MAX_VIOLATIONS);
        if violations.is_empty() {
            Ok(())
        } else {
            Err(violations)
        }
    }
}

fn violation(field: &str, message: &str) -> Violation {
    Violation {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

fn check_entry(at: &str, field: &FieldGrounding, violations: &mut Vec<Violation>) {
    let located = field.status != GroundingStatus::Inferred;
    let quoted = field.status == GroundingStatus::Quoted;
    match (&field.quote, quoted) {
        (None, true) => violations.push(violation(
            &format!("{at}/quote"),
            "a quoted value needs its quote",
        )),
        (Some(_), false) => violations.push(violation(
            &format!("{at}/quote"),
            "only a quoted value has a quote",
        )),
        (Some(quote), true) => {
            let chars = quote.chars().count();
            if chars == 0 || chars > MAX_QUOTE_CHARS {
                violations.push(violation(
                    &format!("{at}/quote"),
                    &format!("a quote has 1 to {MAX_QUOTE_CHARS} characters"),
                ));
            }
        }
        (None, false) => {}
    }
    match (&field.source, located) {
        (None, true) => violations.push(violation(
            &format!("{at}/source"),
            "a quoted or stated value needs its source",
        )),
        (Some(_), false) => violations.push(violation(
            &format!("{at}/source"),
            "an inferred value has no source",
        )),
        (Some(source), true) if !is_block_name(source) => violations.push(violation(
            &format!("{at}/source"),
            &format!(
                "source must name a text block, block:0 to block:{}",
                MAX_TEXT_BLOCKS - 1
            ),
        )),
        _ => {}
    }
    if field.signature.as_deref().is_some_and(|s| !is_signature(s)) {
        violations.push(violation(
            &format!("{at}/signature"),
            "a signature is the 32 lowercase hex digits process-persona gave; send it unchanged or leave it out",
        ));
    }
    match (field.span, located) {
        (None, true) => violations.push(violation(
            &format!("{at}/span"),
            "a quoted or stated value needs its span",
        )),
        (Some(_), false) => violations.push(violation(
            &format!("{at}/span"),
            "an inferred value has no span",
        )),
        (Some(span), true) if span.start >= span.end || span.end as usize > MAX_SPAN_END => {
            violations.push(violation(
                &format!("{at}/span"),
                &format!("a span has start < end <= {MAX_SPAN_END}"),
            ));
        }
        _ => {}
    }
}

/// `/name`-like or `/skills/2`-like: a short lowercase field name and an optional short index.
fn is_plain_pointer(pointer: &str) -> bool {
    let Some(rest) = pointer.strip_prefix('/') else {
        return false;
    };
    let (name, index) = rest
        .split_once('/')
        .map_or((rest, None), |(n, i)| (n, Some(i)));
    (1..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        && index.is_none_or(|i| (1..=3).contains(&i.len()) && i.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether the persona has a value at `pointer` that grounding covers.
fn has_value(persona: &Persona, pointer: &str) -> bool {
    value_at(persona, pointer).is_some()
}

/// The value at `pointer` (`/name`, `/skills/2`) that grounding covers, as text (`age` in
/// decimal digits), with the field's name; `None` when the persona has none there.
pub(super) fn value_at<'a>(
    persona: &'a Persona,
    pointer: &str,
) -> Option<(&'static str, Cow<'a, str>)> {
    let rest = pointer.strip_prefix('/')?;
    let (name, index) = rest
        .split_once('/')
        .map_or((rest, None), |(n, i)| (n, Some(i)));
    let index: Option<usize> = match index {
        None => None,
        Some(i) if i.len() > 1 && i.starts_with('0') => return None,
        Some(i) => Some(i.parse().ok()?),
    };
    let field = Field::from_name(name).filter(|field| field.is_grounded())?;
    let value = match (persona.value(field), index) {
        (FieldValue::Text(text), None) => Cow::Borrowed(text?),
        (FieldValue::Age(age), None) => Cow::Owned(age?.to_string()),
        (FieldValue::List(items), Some(index)) => Cow::Borrowed(items.get(index)?.as_str()),
        // A scalar with an index, a list without one: no value is there.
        (FieldValue::Text(_) | FieldValue::Age(_), Some(_))
        | (FieldValue::List(_), None)
        | (FieldValue::Evidence(_), _) => return None,
    };
    Some((field.name(), value))
}

fn is_block_name(source: &str) -> bool {
    source
        .strip_prefix("block:")
        .filter(|n| n.len() == 1 || !n.starts_with('0'))
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| n < MAX_TEXT_BLOCKS)
}
