//! Merging the drafts of a chunked extraction into one draft, deterministically.
//!
//! Each chunk of a long material ([`crate::chunk`]) gives its own draft; [`merge`] makes one of
//! them, which then goes through the rules and the grounding like any model's draft.
//!
//! - A single value (`name`, `age`, `occupation`, `location`, `communication_style`): the chunks'
//!   values are grouped, one group per value (ignoring case and punctuation, and a value that is
//!   the other with words added, such as "Berlin" and "Berlin, Germany", counts as the same). One
//!   group: its value. Several: a [`WarningCode::ConflictingValues`] warning lists each value with
//!   the block it was read from, and the value kept is decided among the groups whose evidence
//!   quote the material holds (all groups when none has one): one such group wins; else the
//!   newest statement wins when it is first-hand and marks a change or the present ("I'm 36
//!   now", "I moved to Lisbon"); else, among values no quote supports, one that strictly more
//!   chunks gave than any other; else the field is null. Where it was read: the quote's place in
//!   the whole material.
//! - `background`: the first chunk's that has one (the start of the material introduces).
//! - Lists: every chunk's items, each once (ignoring case and punctuation), the items more chunks
//!   gave first, then in reading order. The rules then collapse near repeats and cap the list.
//! - Evidence: every chunk's, each once; a single value keeps only the evidence of the chunks
//!   that gave the value kept.
//!
//! Warning messages name the field and counts only; the values are in the warning's `values`.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use crate::grounding::QuoteFinder;
use crate::persona::{
    ConflictingValue, Evidence, Field, PersonaDraft, RepeatKey, Warning, WarningCode,
};
use crate::source::SourceBundle;

/// The most groups a new value is compared with for a near repeat (an exact repeat is found by
/// hashing, in any group): many chunks of hostile material may each give a value of their own.
const MAX_NEAR_GROUPS: usize = 32;

/// The most evidence quotes one merge looks for in the material (each search reads up to a
/// block), and the most of one chunk's evidence for one field.
const MAX_LOOKUPS: usize = 256;
const MAX_LOOKUPS_PER_VALUE: usize = 2;

/// Words that, in a first-hand statement, mark it as the current state of things.
const PRESENT_MARKERS: [&str; 11] = [
    "now",
    "currently",
    "nowadays",
    "these days",
    "today",
    "at present",
    "moved to",
    "turned",
    "since then",
    "recently",
    "anymore",
];

/// One draft made of a chunked extraction's drafts, and the conflicts found on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub draft: PersonaDraft,
    pub warnings: Vec<Warning>,
}

/// Merges `drafts`, one per chunk in reading order, of the chunks of `material`.
pub fn merge(drafts: Vec<PersonaDraft>, material: &SourceBundle) -> Merged {
    let finder = Finder {
        quotes: QuoteFinder::new(material),
        left: Cell::new(MAX_LOOKUPS),
    };
    let mut merged = PersonaDraft {
        background: drafts
            .iter()
            .map(|d| d.background.trim())
            .find(|b| !b.is_empty())
            .unwrap_or_default()
            .to_owned(),
        ..PersonaDraft::default()
    };
    let mut warnings = Vec::new();
    let mut evidence: Vec<Evidence> = Vec::new();
    for field in Field::ALL.into_iter().filter(|&f| is_single(f)) {
        let groups = groups(field, &drafts, &finder);
        let Some(kept) = decide(&groups) else {
            if groups.len() > 1 {
                warnings.push(conflict(field, &groups, None));
            }
            continue;
        };
        if groups.len() > 1 {
            warnings.push(conflict(field, &groups, Some(kept)));
        }
        let group = &groups[kept];
        set_single(&mut merged, field, &group.value);
        for &chunk in &group.chunks {
            evidence.extend(of_field(&drafts[chunk], field).cloned());
        }
    }
    for field in Field::ALL {
        if let Some(list) = list_mut(&mut merged, field) {
            *list = union(drafts.iter().map(|d| list_of(d, field)));
        }
    }
    for draft in &drafts {
        evidence.extend(
            draft
                .evidence
                .iter()
                .filter(|e| Field::from_name(&e.field).is_none_or(|f| !is_single(f)))
                .cloned(),
        );
    }
    let mut seen = HashSet::new();
    evidence.retain(|e| seen.insert((e.field.clone(), e.quote.clone(), e.source.clone())));
    merged.evidence = evidence;
    Merged {
        draft: merged,
        warnings,
    }
}

/// The chunks that gave one value of a field.
#[derive(Debug)]
struct Group {
    /// The value as the first chunk to give it wrote it (an age as its digits).
    value: String,
    key: RepeatKey,
    /// The chunks that gave it, in reading order.
    chunks: Vec<usize>,
    /// The earliest place in the material its evidence quotes, and that evidence's source.
    found: Option<((usize, usize), String)>,
    /// The latest place its evidence quotes, and whether that quote is a first-hand statement
    /// of the present.
    newest: Option<((usize, usize), bool)>,
}

/// Evidence quotes looked for in the material, at most [`MAX_LOOKUPS`] of them.
struct Finder {
    quotes: QuoteFinder,
    left: Cell<usize>,
}

impl Finder {
    /// Where the quote is, if the material holds it and the merge may still look.
    fn locate(&self, quote: &str, source: &str) -> Option<(usize, usize)> {
        let left = self.left.get().checked_sub(1)?;
        self.left.set(left);
        self.quotes.locate(quote, source)
    }
}

/// The groups of `field`'s values over the drafts, in the order they were first given.
fn groups(field: Field, drafts: &[PersonaDraft], finder: &Finder) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut exact: HashMap<RepeatKey, usize> = HashMap::new();
    for (chunk, draft) in drafts.iter().enumerate() {
        let Some(value) = single(draft, field).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let key = RepeatKey::new(&value);
        let near = || {
            groups
                .iter()
                .take(MAX_NEAR_GROUPS)
                .position(|g| g.key.nearly_repeats(&key))
        };
        let at = match exact.get(&key).copied().or_else(near) {
            Some(at) => at,
            None => {
                exact.insert(key.clone(), groups.len());
                groups.push(Group {
                    value: value.trim().to_owned(),
                    key,
                    chunks: Vec::new(),
                    found: None,
                    newest: None,
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[at];
        group.chunks.push(chunk);
        for item in of_field(draft, field).take(MAX_LOOKUPS_PER_VALUE) {
            let Some(place) = finder.locate(&item.quote, &item.source) else {
                continue;
            };
            if group.found.as_ref().is_none_or(|(p, _)| place < *p) {
                group.found = Some((place, format!("block:{}", place.0)));
            }
            if group.newest.is_none_or(|(p, _)| place > p) {
                group.newest = Some((place, is_first_hand_present(&item.quote)));
            }
        }
    }
    groups
}

/// Which group's value is kept, if any (see the module's documentation).
fn decide(groups: &[Group]) -> Option<usize> {
    if groups.len() <= 1 {
        return (!groups.is_empty()).then_some(0);
    }
    let quoted: Vec<usize> = (0..groups.len())
        .filter(|&g| groups[g].found.is_some())
        .collect();
    match quoted.as_slice() {
        [one] => Some(*one),
        [] => {
            let most = groups.iter().map(|g| g.chunks.len()).max()?;
            let mut leaders = (0..groups.len()).filter(|&g| groups[g].chunks.len() == most);
            let leader = leaders.next()?;
            leaders.next().is_none().then_some(leader)
        }
        several => {
            let newest = several
                .iter()
                .copied()
                .max_by_key(|&g| groups[g].newest.map(|(place, _)| place))?;
            groups[newest]
                .newest
                .is_some_and(|(_, present)| present)
                .then_some(newest)
        }
    }
}

/// The warning for a field the chunks disagree on.
fn conflict(field: Field, groups: &[Group], kept: Option<usize>) -> Warning {
    let outcome = match kept {
        Some(g) if groups[g].newest.is_some_and(|(_, present)| present) => {
            "the newest first-hand statement was kept"
        }
        Some(g) if groups[g].found.is_some() => "the only one the material quotes was kept",
        Some(_) => "the one most chunks gave was kept",
        None => "none was kept",
    };
    Warning {
        field: field.pointer(),
        code: WarningCode::ConflictingValues,
        message: format!(
            "parts of the material give {} different values for {field}; {outcome} (see values)",
            groups.len()
        ),
        values: groups
            .iter()
            .map(|g| ConflictingValue {
                value: g.value.clone(),
                source: g.found.as_ref().map(|(_, source)| source.clone()),
            })
            .collect(),
    }
}

/// Whether a quote is the person speaking of the present or of a change: first person, and one
/// of [`PRESENT_MARKERS`].
fn is_first_hand_present(quote: &str) -> bool {
    let lower = format!(
        " {} ",
        quote.to_lowercase().replace(['.', ',', '!', '?', ';'], " ")
    );
    let first_person = [" i ", " i'm ", " i’m ", " my ", " i've ", " me "]
        .iter()
        .any(|w| lower.contains(w));
    first_person
        && PRESENT_MARKERS
            .iter()
            .any(|m| lower.contains(&format!(" {m} ")))
}

/// Every list's items once, those given by more lists first, then in reading order.
fn union<'a>(lists: impl Iterator<Item = &'a [String]>) -> Vec<String> {
    // (first form, key, lists that gave it); a key is looked up by hash, so this is linear.
    let mut items: Vec<(String, usize)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for list in lists {
        let mut in_this = HashSet::new();
        for item in list {
            let key = RepeatKey::new(item);
            if key.is_empty() || !in_this.insert(key.clone()) {
                continue;
            }
            let at = *index.entry(key).or_insert_with(|| {
                items.push((item.trim().to_owned(), 0));
                items.len() - 1
            });
            items[at].1 += 1;
        }
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(items[i].1));
    order.into_iter().map(|i| items[i].0.clone()).collect()
}

fn of_field(draft: &PersonaDraft, field: Field) -> impl Iterator<Item = &Evidence> {
    draft
        .evidence
        .iter()
        .filter(move |e| e.field == field.name())
}

/// Whether `field` holds one value that chunks may disagree on (`background` is a summary: the
/// first chunk's stands).
fn is_single(field: Field) -> bool {
    match field {
        Field::Name
        | Field::Age
        | Field::Occupation
        | Field::Location
        | Field::CommunicationStyle => true,
        Field::Background
        | Field::Traits
        | Field::Interests
        | Field::Skills
        | Field::Values
        | Field::Goals
        | Field::Languages
        | Field::Quotes
        | Field::Evidence => false,
    }
}

/// The draft's value of a single-valued field as text (an age as its digits); `None` for a null
/// value or another kind of field.
fn single(draft: &PersonaDraft, field: Field) -> Option<String> {
    match field {
        Field::Name => draft.name.clone(),
        Field::Age => draft.age.map(|a| a.to_string()),
        Field::Occupation => draft.occupation.clone(),
        Field::Location => draft.location.clone(),
        Field::CommunicationStyle => draft.communication_style.clone(),
        Field::Background
        | Field::Traits
        | Field::Interests
        | Field::Skills
        | Field::Values
        | Field::Goals
        | Field::Languages
        | Field::Quotes
        | Field::Evidence => None,
    }
}

/// Sets a single-valued field from its text; other fields are left as they are.
fn set_single(draft: &mut PersonaDraft, field: Field, value: &str) {
    let text = Some(value.to_owned());
    match field {
        Field::Name => draft.name = text,
        Field::Age => draft.age = value.parse().ok(),
        Field::Occupation => draft.occupation = text,
        Field::Location => draft.location = text,
        Field::CommunicationStyle => draft.communication_style = text,
        Field::Background
        | Field::Traits
        | Field::Interests
        | Field::Skills
        | Field::Values
        | Field::Goals
        | Field::Languages
        | Field::Quotes
        | Field::Evidence => {}
    }
}

/// The items of a list field; empty for other fields.
fn list_of(draft: &PersonaDraft, field: Field) -> &[String] {
    match field {
        Field::Traits => &draft.traits,
        Field::Interests => &draft.interests,
        Field::Skills => &draft.skills,
        Field::Values => &draft.values,
        Field::Goals => &draft.goals,
        Field::Languages => &draft.languages,
        Field::Quotes => &draft.quotes,
        Field::Name
        | Field::Age
        | Field::Occupation
        | Field::Location
        | Field::Background
        | Field::CommunicationStyle
        | Field::Evidence => &[],
    }
}

/// The list a list field holds; `None` for other fields.
fn list_mut(draft: &mut PersonaDraft, field: Field) -> Option<&mut Vec<String>> {
    match field {
        Field::Traits => Some(&mut draft.traits),
        Field::Interests => Some(&mut draft.interests),
        Field::Skills => Some(&mut draft.skills),
        Field::Values => Some(&mut draft.values),
        Field::Goals => Some(&mut draft.goals),
        Field::Languages => Some(&mut draft.languages),
        Field::Quotes => Some(&mut draft.quotes),
        Field::Name
        | Field::Age
        | Field::Occupation
        | Field::Location
        | Field::Background
        | Field::CommunicationStyle
        | Field::Evidence => None,
    }
}

#[cfg(test)]
mod tests;
