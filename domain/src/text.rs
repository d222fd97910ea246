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

/// Collapses every run of whitespace into one space and trims both ends; drops control characters.
pub(crate) fn collapse_whitespace(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for word in input.split_whitespace() {
        let word: String = word.chars().filter(|c| !c.is_control()).collect();
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
    fn truncated_cuts_on_char_boundaries() {
        assert_eq!(truncated("héllo", 2).as_deref(), Some("hé"));
        assert_eq!(truncated("héllo", 5), None);
    }
}
