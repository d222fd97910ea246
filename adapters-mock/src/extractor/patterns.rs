//! The phrases the mock recognises, as regexes compiled once, and how a captured list is split.
//!
//! Each pattern captures its value in a capture group; a pattern with alternatives has one group
//! per alternative and the value is whichever took part. Trigger words are case-insensitive
//! (`(?i:…)`); what must be capitalised (names, places) or lowercase (traits) is not.

use std::sync::LazyLock;

use regex::Regex;

/// Turns a captured value into the items it names.
pub(super) type Splitter = fn(&str) -> Vec<String>;

/// One capitalised word of a name or place: "Maya", "O'Brien", "Jean-Luc", "Zoë".
const CAPITALISED: &str = r"\p{Lu}[\p{L}\p{M}'’-]*";
/// Text up to the end of a clause, lazily: the pattern after it says where the clause ends.
const CLAUSE: &str = r"([^,;.!?\n]+?)";
/// Text up to the end of a sentence, lazily: the pattern after it says where the list ends.
const LIST: &str = r"([^;.!?\n]+?)";
/// Where a list ends: the sentence's end, "but …", or a new clause about the person ("and I …").
const LIST_END: &str =
    r"(?:,?\s+(?i:and|but|so|because)\s+(?i:i|i['’]m|my)\b|\s+(?i:but|because)\s|\s*[;.!?]|$)";

fn build(parts: &[&str]) -> Regex {
    Regex::new(&parts.concat()).expect("the mock's patterns are valid regexes")
}

/// 1 to 3 capitalised words; a word may end in a dot before the next ("Dr. Jane Doe").
fn name() -> String {
    format!(r"({CAPITALISED}(?:\.?\s+{CAPITALISED}){{0,2}})")
}

/// Capitalised words, with the lowercase links place names use ("Newcastle upon Tyne").
fn place() -> String {
    format!(r"({CAPITALISED}(?:\.?\s+(?:(?:of|upon|de|del|da|la|le|am)\s+)?{CAPITALISED})*)")
}

pub(super) static NAME_GIVEN: LazyLock<Regex> = LazyLock::new(|| {
    build(&[
        r"\b(?:(?i:my\s+name\s+is|call\s+me)\s+|(?i:name)\s*:\s*)",
        &name(),
    ])
});

pub(super) static NAME_SELF: LazyLock<Regex> =
    LazyLock::new(|| build(&[r"\b(?i:i\s+am|i['’]m)\s+", &name()]));

pub(super) static AGE: LazyLock<Regex> = LazyLock::new(|| {
    build(&[
        r"\b(\d+)\s*-?\s*(?i:years?|yrs?)\s*-?\s*(?i:old)\b",
        r"|\b(?i:aged)\s+(\d+)\b",
        r"|\b(?i:age)\s*:\s*(\d+)\b",
    ])
});

/// Where an occupation ends: the clause's end, a joining word, or "in"/"at"/"for" before a
/// capitalised word (a place or an employer, not part of the job).
const OCCUPATION_END: &str =
    r"(?:\s+(?:in|at|for|from)\s+\p{Lu}|\s+(?i:and|but|who|where|with|since)\b|\s*[,;.!?]|$)";

pub(super) static OCCUPATION_STATED: LazyLock<Regex> = LazyLock::new(|| {
    build(&[
        r"\b(?:(?i:i\s+work\s+as|works\s+as|working\s+as|my\s+job\s+is)\s+(?:(?i:an?)\s+)?",
        r"|(?i:occupation|profession|job)\s*:\s*(?:(?i:an?)\s+)?)",
        CLAUSE,
        OCCUPATION_END,
    ])
});

pub(super) static OCCUPATION_SELF: LazyLock<Regex> = LazyLock::new(|| {
    build(&[
        r"\b(?i:i\s+am|i['’]m)\s+(?i:an?)\s+",
        CLAUSE,
        OCCUPATION_END,
    ])
});

pub(super) static LOCATION_STATED: LazyLock<Regex> = LazyLock::new(|| {
    build(&[
        r"\b(?:(?i:i\s+live\s+in|lives\s+in|living\s+in|based\s+in|i\s+am\s+from|i['’]m\s+from",
        r"|i\s+come\s+from|comes\s+from)\s+|(?i:location)\s*:\s*)",
        &place(),
    ])
});

pub(super) static LOCATION_AT_WORK: LazyLock<Regex> = LazyLock::new(|| {
    build(&[
        r"\b(?i:work|works|working)\b[^,;.!?\n]*?\s(?i:in)\s+",
        &place(),
    ])
});

/// One to three lowercase words: "curious", "very patient", "a bit shy".
const ADJECTIVE: &str = r"\p{Ll}[\p{Ll}-]*(?:\s\p{Ll}[\p{Ll}-]*){0,2}";

pub(super) static TRAITS_SELF: LazyLock<Regex> = LazyLock::new(|| {
    build(&[
        r"\b(?i:i\s+am|i['’]m)\s+(",
        ADJECTIVE,
        r"(?:(?:\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+)",
        ADJECTIVE,
        r")*)",
        // The list must fill the clause, so "I'm based in Berlin" is no trait.
        r"(?:\s*[,;.!?]|\s+(?:and|but)\s+(?i:i|i['’]m|my)\b|$)",
    ])
});

pub(super) static TRAITS_LABEL: LazyLock<Regex> =
    LazyLock::new(|| build(&[r"\b(?i:traits)\s*:\s*", LIST, LIST_END]));

pub(super) static INTERESTS: LazyLock<Regex> = LazyLock::new(|| {
    build(&[
        r"\b(?:(?i:i\s+(?:really\s+|also\s+)?(?:love|enjoy|like)|interested\s+in|passionate\s+about)\s+",
        r"|(?i:interests|hobbies)\s*:\s*)",
        LIST,
        LIST_END,
    ])
});

pub(super) static SKILLS: LazyLock<Regex> = LazyLock::new(|| {
    build(&[
        r"\b(?:(?i:i\s+can|skilled\s+(?:in|at)|good\s+at)\s+|(?i:skills)\s*:\s*)",
        LIST,
        LIST_END,
    ])
});

pub(super) static VALUES: LazyLock<Regex> = LazyLock::new(|| {
    build(&[
        r"\b(?:(?i:i\s+value|i\s+believe\s+in)\s+|(?i:values)\s*:\s*)",
        LIST,
        LIST_END,
    ])
});

pub(super) static GOALS: LazyLock<Regex> = LazyLock::new(|| {
    build(&[
        r"\b(?i:i\s+(?:want|hope|plan)\s+to|my\s+goal\s+is\s+to)\s+",
        CLAUSE,
        r"\s*(?:[,;.!?]|$)",
    ])
});

pub(super) static GOALS_LABEL: LazyLock<Regex> =
    LazyLock::new(|| build(&[r"\b(?i:goals?)\s*:\s*", r"([^.!?\n]+?)\s*(?:[.!?]|$)"]));

pub(super) static LANGUAGES: LazyLock<Regex> = LazyLock::new(|| {
    build(&[
        r"\b(?:(?i:i\s+(?:can\s+)?speak)\s+|(?i:languages?)\s*:\s*)",
        LIST,
        LIST_END,
    ])
});

pub(super) static STYLE: LazyLock<Regex> = LazyLock::new(|| {
    build(&[
        r"\b(?:(?i:communication\s+style)\s*:\s*([^;.!?\n]+?)\s*(?:[;.!?]|$)",
        r"|(?i:i\s+prefer)\s+([^;.!?\n]+?\s(?i:communication))\b",
        r"|(?i:i\s+communicate)\s+([^,;.!?\n]+?)\s*(?:[,;.!?]|$))",
    ])
});

/// "I" as a word: "I ", "I'm", "I've", "I'd", "I'll".
pub(super) static FIRST_PERSON: LazyLock<Regex> =
    LazyLock::new(|| build(&[r"\bI(?:\s|['’](?:m|ve|d|ll)\b)"]));

static ITEM_SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| build(&[r"(?i)\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+|\s*&\s*"]));

static CLAUSE_SEPARATOR: LazyLock<Regex> = LazyLock::new(|| build(&[r"\s*[,;]\s*"]));

/// Words that start "I'm …" without describing the person: "I'm a …", "I'm not sure",
/// "I'm into jazz", "I'm going home".
const NOT_TRAITS: &[&str] = &[
    "a",
    "an",
    "the",
    "not",
    "no",
    "from",
    "in",
    "at",
    "on",
    "into",
    "going",
    "looking",
    "trying",
    "working",
    "living",
    "based",
    "interested",
    "currently",
    "now",
    "also",
    "just",
    "still",
    "here",
    "there",
    "sure",
    "about",
    "able",
];

/// A list split at commas, "and", "or" and "&".
pub(super) fn items(list: &str) -> Vec<String> {
    ITEM_SEPARATOR.split(list).filter_map(item).collect()
}

/// Like [`items`], unless the list starts with a word that is no trait ("I'm a teacher").
pub(super) fn traits(list: &str) -> Vec<String> {
    let first = list.split_whitespace().next().unwrap_or_default();
    if NOT_TRAITS.contains(&first) {
        Vec::new()
    } else {
        items(list)
    }
}

/// The whole clause as one item.
pub(super) fn whole(clause: &str) -> Vec<String> {
    item(clause).into_iter().collect()
}

/// One item per clause, split at commas and semicolons only ("Goals: open a bakery, run a
/// marathon").
pub(super) fn clauses(list: &str) -> Vec<String> {
    CLAUSE_SEPARATOR.split(list).filter_map(item).collect()
}

/// A trimmed item without a leading "to" ("to cook" is "cook"); `None` when nothing is left.
fn item(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = match raw.get(..3) {
        Some(head) if head.eq_ignore_ascii_case("to ") => raw[3..].trim_start(),
        _ => raw,
    };
    Some(raw.to_owned()).filter(|s| !s.is_empty())
}
