//! Small text helpers shared by the source and persona rules.

/// Removes control characters other than newline and tab, and turns `\r\n` and lone `\r` into `\n`.
#[cfg(test)]
pub(crate) fn sanitise(input: &str) -> String {
    sanitise_tracked(input).0
}

/// [`sanitise`], and where it removed characters: for every character of `input` that has no
/// counterpart in the output (a control character, the `\r` of `\r\n`), the number of output
/// characters before it. Sorted; empty for text without control characters or `\r\n`.
pub(crate) fn sanitise_tracked(input: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(input.len());
    let mut written = 0;
    let mut removed = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // The `\n` of a `\r\n` stands for the pair; the `\r` is the one removed.
            '\r' if chars.peek() == Some(&'\n') => removed.push(written),
            '\r' => {
                out.push('\n');
                written += 1;
            }
            '\n' | '\t' => {
                out.push(c);
                written += 1;
            }
            c if c.is_control() => removed.push(written),
            c => {
                out.push(c);
                written += 1;
            }
        }
    }
    (out, removed)
}

/// Whether `c` has no visible form of its own: Unicode's `Default_Ignorable_Code_Point`
/// (DerivedCoreProperties.txt, Unicode 17.0): the soft hyphen, zero-width spaces and joiners,
/// bidi marks and controls, invisible operators, Hangul fillers, variation selectors and tags.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Whether `c` is a bidi embedding, override or isolate (U+202A–U+202E, U+2066–U+2069): it
/// reorders the text around it, so a persona string could display as something other than what it
/// holds.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `s` has nothing to read: only whitespace, control and invisible characters.
pub(crate) fn is_blank(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_whitespace() || c.is_control() || is_invisible(c))
}

/// Collapses every run of whitespace into one space and trims both ends; drops control characters
/// and bidi controls ([`is_bidi_control`]).
pub(crate) fn collapse_whitespace(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for word in input.split_whitespace() {
        let word: String = word
            .chars()
            .filter(|&c| !c.is_control() && !is_bidi_control(c))
            .collect();
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    out
}

/// The first `max` characters of `s`; `None` when `s` already fits.
pub(crate) fn truncated(s: &str, max: usize) -> Option<String> {
    s.char_indices()
        .nth(max)
        .map(|(at, _)| s[..at].trim_end().to_owned())
}

pub(crate) fn char_count(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitise_normalises_line_endings() {
        assert_eq!(sanitise("a\r\nb\rc\nd"), "a\nb\nc\nd");
    }

    #[test]
    fn sanitise_keeps_tab_and_newline_but_drops_other_controls() {
        assert_eq!(sanitise("a\tb\n\u{0}c\u{7}d\u{1b}e\u{85}f"), "a\tb\ncdef");
    }

    #[test]
    fn sanitise_tracked_says_where_characters_were_removed() {
        let (out, removed) = sanitise_tracked("a\r\nb\u{0}\u{7}c\rd");
        assert_eq!(out, "a\nbc\nd");
        assert_eq!(removed, [1, 3, 3]);
    }

    #[test]
    fn collapse_whitespace_joins_runs_with_one_space() {
        assert_eq!(collapse_whitespace("  a \n\t b  c "), "a b c");
    }

    #[test]
    fn collapse_whitespace_removes_every_bidi_embedding_override_and_isolate() {
        let controls = "\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}";
        assert_eq!(
            collapse_whitespace(&format!("a{controls}b \u{202E}c")),
            "ab c"
        );
        // Marks and joiners stay: they change no order, and scripts and emoji need them.
        assert_eq!(
            collapse_whitespace("\u{200F}a\u{200D}b\u{200C}"),
            "\u{200F}a\u{200D}b\u{200C}"
        );
    }

    #[test]
    fn blank_text_has_only_whitespace_controls_and_invisible_characters() {
        assert!(is_blank(""));
        assert!(is_blank(
            " \u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}\t\u{202E}\u{2066}\u{00AD}\u{FE0F}\u{E0041}\u{3164}"
        ));
        assert!(!is_blank("\u{200B}a\u{200B}"));
        assert!(!is_blank("\u{200D}\u{1F600}"));
    }

    #[test]
    fn invisible_characters_are_exactly_the_default_ignorable_ones_at_the_range_edges() {
        for c in [
            '\u{00AD}',
            '\u{180B}',
            '\u{180F}',
            '\u{200B}',
            '\u{206F}',
            '\u{E0FFF}',
        ] {
            assert!(is_invisible(c), "{:04X}", u32::from(c));
        }
        for c in [
            'a', ' ', '\u{00AC}', '\u{180A}', '\u{2010}', '\u{2070}', '\u{FFF9}',
        ] {
            assert!(!is_invisible(c), "{:04X}", u32::from(c));
        }
    }

    #[test]
    fn truncated_cuts_on_char_boundaries() {
        assert_eq!(truncated("héllo", 2).as_deref(), Some("hé"));
        assert_eq!(truncated("héllo", 5), None);
    }
}
