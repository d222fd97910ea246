//! Cutting text blocks into sentences, each a verbatim slice of its block.

/// One sentence: a trimmed, verbatim slice of a block, and that block's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sentence<'a> {
    pub block: usize,
    pub text: &'a str,
}

/// Words whose dot does not end a sentence ("Dr. Jane Doe"), besides single letters (initials).
const ABBREVIATIONS: &[&str] = &["Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Jr", "Sr", "vs"];

/// Every sentence of every block, in reading order; each block with its number in the whole
/// material (its index, unless the bundle is a chunk of a longer one).
pub(super) fn split(blocks: &[(usize, String)]) -> Vec<Sentence<'_>> {
    blocks
        .iter()
        .flat_map(|&(block, ref text)| {
            sentences(text)
                .into_iter()
                .map(move |text| Sentence { block, text })
        })
        .collect()
}

/// The sentences of one block. A sentence ends at a line break, or after `.`, `!` or `?` (with
/// any closing quotes or brackets) followed by whitespace or the end; its terminator stays in it.
fn sentences(block: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut start = 0;
    let mut chars = block.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        // (end of this sentence, start of the next)
        let cut = match c {
            '\n' => Some((at, at + 1)),
            '.' | '!' | '?' => {
                let mut end = at + c.len_utf8();
                while let Some(&(next_at, next)) = chars.peek() {
                    if !matches!(next, '.' | '!' | '?' | '"' | '\'' | '”' | '’' | ')') {
                        break;
                    }
                    end = next_at + next.len_utf8();
                    chars.next();
                }
                let at_break = chars.peek().is_none_or(|&(_, next)| next.is_whitespace());
                let abbreviation = c == '.' && is_abbreviation(&block[start..at]);
                (at_break && !abbreviation).then_some((end, end))
            }
            _ => None,
        };
        if let Some((end, next)) = cut {
            push_trimmed(&mut found, &block[start..end]);
            start = next;
        }
    }
    push_trimmed(&mut found, &block[start..]);
    found
}

/// Whether the word just before a dot is an initial or a known abbreviation. "I" is a word of its
/// own ("So am I.").
fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or_default();
    (word.chars().count() == 1 && word != "I") || ABBREVIATIONS.contains(&word)
}

fn push_trimmed<'a>(found: &mut Vec<&'a str>, text: &'a str) {
    let text = text.trim();
    if !text.is_empty() {
        found.push(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_cut_at_terminators_and_line_breaks() {
        assert_eq!(
            sentences("Hi, I'm Ada! Am I? Yes.\nName: Ada Lovelace\n\nAge: 36"),
            [
                "Hi, I'm Ada!",
                "Am I?",
                "Yes.",
                "Name: Ada Lovelace",
                "Age: 36"
            ]
        );
    }

    #[test]
    fn initials_titles_and_decimals_do_not_end_a_sentence() {
        assert_eq!(
            sentences("My name is Dr. Jane Q. Doe. I ran 3.5 km."),
            ["My name is Dr. Jane Q. Doe.", "I ran 3.5 km."]
        );
    }

    #[test]
    fn closing_quotes_stay_with_their_sentence() {
        assert_eq!(
            sentences("She said \"I love jazz.\" Then left."),
            ["She said \"I love jazz.\"", "Then left."]
        );
    }

    #[test]
    fn sentences_name_their_block() {
        let blocks = [(0, "One. Two.".to_owned()), (1, "Three.".to_owned())];
        let blocks: Vec<(usize, &str)> = split(&blocks).iter().map(|s| (s.block, s.text)).collect();
        assert_eq!(blocks, [(0, "One."), (0, "Two."), (1, "Three.")]);
    }
}
