//! Generators of the inputs that once held a worker for seconds or minutes (issue 14): long
//! lists of distinct items, values hidden inside long words, floods of sentences and of matches.
//!
//! A few input bytes pick a shape and its parameters; the generator fills the text blocks up to
//! the documented limits, so every generated body is one the API must answer quickly. The same
//! shapes are measured on the release server by `bench/adversarial`.

use arbitrary::Arbitrary;
use persona_domain::limits::{MAX_BLOCK_CHARS, MAX_TOTAL_CHARS};

/// What to generate: every field is a byte, so a seed is its bytes in this order.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub struct Shape {
    /// Which generator ([`Shape::blocks`] lists them), modulo their number.
    pub kind: u8,
    /// How many text blocks, 1 to 50 (at most 3 filled to 100,000 characters).
    pub blocks: u8,
    /// Letters the words draw from, 1 to 26.
    pub letters: u8,
    /// Letters a word has, 1 to 200.
    pub word: u8,
    /// Which repeated piece ([`PIECES`]) the sea and flood shapes use.
    pub piece: u8,
}

/// Pieces repeated into long words or long sentences.
pub const PIECES: &[&str] = &[
    "a",
    "ab",
    "aab",
    "java",
    "1",
    "I can cook and ",
    "I love jazz, ",
    "Skills: ",
];

impl Shape {
    /// The text blocks of a process-persona body, within the limits.
    pub fn blocks(&self) -> Vec<String> {
        let blocks = usize::from(self.blocks).clamp(1, 50);
        let per_block = (MAX_TOTAL_CHARS / blocks).min(MAX_BLOCK_CHARS);
        let letters = usize::from(self.letters).clamp(1, 26);
        let word = usize::from(self.word).clamp(1, 200);
        let piece = PIECES[usize::from(self.piece) % PIECES.len()];
        let mut next = 0;
        let mut words = || {
            next += 1;
            spelled(next, letters, word)
        };
        match self.kind % 4 {
            // "Skills: w1,w2,…": one list of distinct items per block.
            0 => (0..blocks)
                .map(|_| fill("Skills: ", per_block, || format!("{},", words())))
                .collect(),
            // Seas of one piece repeated into a single long word, then lists whose sentences
            // are too long to quote whole, each ending in a run of the same piece: grounding
            // looks for that run in the source, where it occurs everywhere off a word boundary.
            1 => {
                let value: String = piece.trim().repeat(200).chars().take(200).collect();
                let fillers = ["b", "c", "d"].map(|l| l.repeat(190)).join(", ");
                let stated = [
                    "Skills",
                    "Interests",
                    "Values",
                    "Languages",
                    "Traits",
                    "Goals",
                ]
                .map(|label| format!("{label}: {fillers}, {value}."))
                .join("\n");
                let seas = blocks.saturating_sub(1).clamp(1, 3);
                let sea_chars = (MAX_TOTAL_CHARS.saturating_sub(stated.chars().count()) / seas)
                    .min(MAX_BLOCK_CHARS);
                (0..seas)
                    .map(|_| fill("", sea_chars, || piece.trim().to_owned()))
                    .chain([stated])
                    .collect()
            }
            // Short sentences, each a distinct item with its own evidence.
            2 => (0..blocks)
                .map(|_| fill("", per_block, || format!("I can {}. ", words())))
                .collect(),
            // One long sentence per block of the same piece: thousands of alike matches.
            _ => (0..blocks)
                .map(|_| fill("", per_block, || piece.to_owned()))
                .collect(),
        }
    }
}

/// `head`, then as many `next()` as fit in `chars` characters.
fn fill(head: &str, chars: usize, mut next: impl FnMut() -> String) -> String {
    let mut out = head.to_owned();
    let mut count = out.chars().count();
    loop {
        let piece = next();
        let len = piece.chars().count();
        if len == 0 || count + len > chars {
            return out;
        }
        count += len;
        out.push_str(&piece);
    }
}

/// The `n`-th word of `len` letters drawn from the first `letters` of the alphabet (base
/// `letters`, most significant letter first, so words differ in their last letters first).
fn spelled(mut n: usize, letters: usize, len: usize) -> String {
    let mut out = vec![b'a'; len];
    for slot in out.iter_mut().rev() {
        *slot = b'a' + u8::try_from(n % letters).unwrap_or(0);
        n /= letters;
        if n == 0 {
            break;
        }
    }
    String::from_utf8(out).unwrap_or_default()
}
