//! When an extracted value counts as the labelled one.
//!
//! Both sides are normalised the same way: lowercase, trimmed, inner whitespace collapsed to one
//! space, punctuation stripped at the ends (`+` and `#` are kept, so "C++" and "C#" stay
//! themselves). Two values match when their words are equal or when the words of one appear,
//! in order and next to each other, inside the other: "Berlin" matches "Berlin, Germany" and "Ana"
//! matches "Ana Ruiz", but "Java" does not match "JavaScript". A word is a run of non-space
//! characters with its end punctuation stripped, so "Berlin," is the word "berlin".
//!
//! Lists are matched item by item, each labelled item and each extracted item used at most once,
//! pairing as many items as possible (a maximum bipartite matching, so the result does not depend
//! on the order of either list).

/// `value` lowercased and trimmed, with whitespace collapsed and end punctuation stripped.
pub fn normalise(value: &str) -> String {
    words(value).join(" ")
}

/// The words of `value`, normalised (see the module documentation).
fn words(value: &str) -> Vec<String> {
    value
        .split_whitespace()
        .map(|word| word.trim_matches(is_edge_punctuation).to_lowercase())
        .filter(|word| !word.is_empty())
        .collect()
}

/// Characters stripped at the ends of a value and of each word.
fn is_edge_punctuation(c: char) -> bool {
    !(c.is_alphanumeric() || c == '+' || c == '#')
}

/// Whether `a` and `b` name the same thing: equal words, or one's words run inside the other's.
/// A value with no words matches nothing.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (words(a), words(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long.windows(short.len())
        .any(|window| window == short.as_slice())
}

/// How many items of `predicted` can be paired with items of `labelled` that they match, each
/// item of either list used at most once.
pub fn paired(labelled: &[String], predicted: &[String]) -> usize {
    // Kuhn's augmenting paths: for each extracted item, find a labelled item for it, moving an
    // earlier pairing to another labelled item when that frees one.
    let matches: Vec<Vec<usize>> = predicted
        .iter()
        .map(|p| {
            (0..labelled.len())
                .filter(|&l| same(&labelled[l], p))
                .collect()
        })
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; labelled.len()];
    let mut count = 0;
    for p in 0..predicted.len() {
        let mut seen = vec![false; labelled.len()];
        if augment(p, &matches, &mut owner, &mut seen) {
            count += 1;
        }
    }
    count
}

fn augment(
    p: usize,
    matches: &[Vec<usize>],
    owner: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    for &l in &matches[p] {
        if seen[l] {
            continue;
        }
        seen[l] = true;
        let free = match owner[l] {
            None => true,
            Some(other) => augment(other, matches, owner, seen),
        };
        if free {
            owner[l] = Some(p);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn normalising_lowercases_collapses_and_strips_the_ends() {
        assert_eq!(
            normalise("  Senior   Data\tEngineer. "),
            "senior data engineer"
        );
        assert_eq!(normalise("\"Berlin, Germany!\""), "berlin germany");
        assert_eq!(normalise("C++"), "c++");
        assert_eq!(normalise(" ... "), "");
    }

    #[test]
    fn equal_values_match_whatever_their_case_and_punctuation() {
        assert!(same("Gdańsk", "gdańsk."));
        assert!(same("Nguyễn Thị Lan", "NGUYỄN THỊ LAN"));
    }

    #[test]
    fn a_value_inside_the_other_as_whole_words_matches() {
        assert!(same("Berlin", "Berlin, Germany"));
        assert!(same("senior data engineer", "data engineer"));
        assert!(same("Ana Ruiz", "Ana"));
    }

    #[test]
    fn part_of_a_word_or_words_out_of_order_do_not_match() {
        assert!(!same("Java", "JavaScript"));
        assert!(!same("baker", "bakery owner"));
        assert!(!same("Ruiz Ana", "Ana Maria Ruiz"));
        assert!(!same("", "anything"));
        assert!(!same("C", "C++"));
    }

    #[test]
    fn each_labelled_item_is_paired_at_most_once() {
        let labelled = list(&["cycling", "crime novels"]);
        // "Cycling" twice: the repeat finds no second labelled item.
        let predicted = list(&["Cycling", "cycling along the coast", "chess"]);
        assert_eq!(paired(&labelled, &predicted), 1);
    }

    #[test]
    fn pairing_finds_the_most_pairs_whatever_the_order() {
        // "design" fits both labelled items, "UI design" only the first. Greedy pairing in this
        // order would give "design" the first and leave "UI design" unpaired.
        let labelled = list(&["UI design", "design systems"]);
        let predicted = list(&["design", "UI design"]);
        assert_eq!(paired(&labelled, &predicted), 2);
        let reversed: Vec<String> = predicted.into_iter().rev().collect();
        assert_eq!(paired(&labelled, &reversed), 2);
    }

    #[test]
    fn nothing_pairs_with_an_empty_list() {
        assert_eq!(paired(&[], &list(&["a"])), 0);
        assert_eq!(paired(&list(&["a"]), &[]), 0);
    }
}
