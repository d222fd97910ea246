//! The rules on drafts far past the caps: the same outcome as on a short list where the caps are
//! not reached, and bounded work beyond them.

use super::*;

fn named(name: &str) -> PersonaDraft {
    PersonaDraft {
        name: Some(name.to_owned()),
        ..PersonaDraft::default()
    }
}

/// `count` distinct four-letter items, none a near repeat of another: aaaa, aaab, aaac, …
fn four_letter_items(count: usize) -> Vec<String> {
    (0..count)
        .map(|n| {
            (0..4)
                .rev()
                .map(|place| char::from(b'a' + u8::try_from(n / 26usize.pow(place) % 26).unwrap()))
                .collect()
        })
        .collect()
}

#[test]
fn a_list_of_twenty_thousand_items_keeps_the_first_twenty_and_counts_them_all() {
    let items = four_letter_items(19_990);
    let out = Persona::from_draft(PersonaDraft {
        skills: items.clone(),
        ..named("Ada")
    });
    assert_eq!(out.persona.skills(), &items[..MAX_LIST_ITEMS]);
    let messages: Vec<&str> = out.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(messages, ["skills had 19990 items; the first 20 were kept"]);
}

#[test]
fn near_repeats_collapse_while_the_list_fills_and_the_first_spelling_stays() {
    // Near repeats among the first items still collapse to the first spelling; exact repeats
    // (ignoring case) are counted wherever they are.
    let mut items = vec!["Python".to_owned(), "python!".to_owned(), "Go".to_owned()];
    items.extend(four_letter_items(30));
    items.push("GO".to_owned());
    let out = Persona::from_draft(PersonaDraft {
        skills: items,
        ..named("Ada")
    });
    assert_eq!(&out.persona.skills()[..3], ["Python", "Go", "aaaa"]);
    assert_eq!(out.persona.skills().len(), MAX_LIST_ITEMS);
    let messages: Vec<&str> = out.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "skills repeated 1 item(s); each is kept once",
            "skills had 1 item(s) nearly repeating an earlier one; the first was kept",
            "skills had 32 items; the first 20 were kept",
        ]
    );
}

#[test]
fn near_repeats_past_the_cap_are_not_compared_and_count_as_items() {
    // Once 20 items are kept the rest is cut, so it is no longer compared: "aaaa." past the
    // cap counts as one more item instead of a near repeat of "aaaa".
    let mut items = four_letter_items(20);
    items.push("aaaa.".to_owned());
    let out = Persona::from_draft(PersonaDraft {
        skills: items,
        ..named("Ada")
    });
    let messages: Vec<&str> = out.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(messages, ["skills had 21 items; the first 20 were kept"]);
}

#[test]
fn repeated_evidence_is_kept_once_in_its_first_place_among_thousands() {
    let evidence = |n: usize| Evidence {
        field: "skills".into(),
        quote: format!("quote {n}"),
        source: "block:0".into(),
    };
    // 0, 1, 2, 0, 1, 2, …: three distinct items, thousands of repeats.
    let draft = PersonaDraft {
        evidence: (0..6_000).map(|n| evidence(n % 3)).collect(),
        ..named("Ada")
    };
    let out = Persona::from_draft(draft);
    assert_eq!(
        out.persona.evidence(),
        [evidence(0), evidence(1), evidence(2)]
    );
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn evidence_past_the_cap_is_counted_once_each_and_cut() {
    let evidence = |n: usize| Evidence {
        field: "skills".into(),
        quote: format!("quote {n}"),
        source: "block:0".into(),
    };
    // 120 distinct items, each twice, the repeats after all of them.
    let items: Vec<Evidence> = (0..120).chain(0..120).map(evidence).collect();
    let out = Persona::from_draft(PersonaDraft {
        evidence: items,
        ..named("Ada")
    });
    let first: Vec<Evidence> = (0..MAX_EVIDENCE).map(evidence).collect();
    assert_eq!(out.persona.evidence(), first);
    let messages: Vec<&str> = out.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(messages, ["evidence had 120 items; the first 50 were kept"]);
}
