//! [`IdTag`]: a persona id as logs carry it, short and not reversible.
//!
//! A persona id is the one key that reads a persona (get-persona asks for nothing else), so a log
//! line holding it would hand the persona to anyone who reads the logs. Logs carry instead the
//! first 48 bits of HMAC-SHA256(key, id), as 12 hex digits: enough to follow one persona through
//! the lines of a process (save, store, later gets) and, at 48 bits, with no collision to speak of
//! among the personas one process touches.
//!
//! The key is 32 random bytes drawn once per process and never written anywhere. A keyed hash
//! rather than a plain one: with a plain SHA-256 anyone holding a leaked id could confirm it in
//! the logs, and anyone holding the logs could test guesses offline; with a key that never leaves
//! memory, a tag says nothing without the running process. The price is that tags differ between
//! processes (each server, each Netlify function instance): an operator correlates a request's
//! lines by `request_id`, and a persona's lines within one process by its tag.

use std::fmt;
use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use persona_domain::PersonaId;
use sha2::Sha256;

/// The length of a tag in bytes (12 hex digits).
const TAG_BYTES: usize = 6;

/// A persona id's log form; `Display` writes 12 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdTag([u8; TAG_BYTES]);

impl IdTag {
    /// The tag of `id` under this process's key.
    pub fn of(id: &PersonaId) -> Self {
        Self::keyed(process_key(), id.as_str())
    }

    fn keyed(key: &[u8], id: &str) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
        mac.update(id.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut tag = [0; TAG_BYTES];
        tag.copy_from_slice(&digest[..TAG_BYTES]);
        Self(tag)
    }
}

impl fmt::Display for IdTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for IdTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdTag({self})")
    }
}

/// The process's key, drawn on first use from the operating system's generator (nanoid's, the
/// one that draws the ids themselves).
fn process_key() -> &'static [u8] {
    static KEY: OnceLock<Vec<u8>> = OnceLock::new();
    KEY.get_or_init(|| nanoid::rngs::default(32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> PersonaId {
        PersonaId::parse(text).expect("an id")
    }

    #[test]
    fn a_tag_is_twelve_hex_digits_that_share_nothing_with_the_id() {
        let id = id("V1StGXR8_Z5jdHi6B-myT");
        let tag = IdTag::of(&id).to_string();
        assert_eq!(tag.len(), 12);
        assert!(
            tag.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert!(!id.as_str().contains(&tag) && !tag.contains(&id.as_str()[..4]));
        assert_eq!(format!("{:?}", IdTag::of(&id)), format!("IdTag({tag})"));
    }

    #[test]
    fn the_same_id_gets_the_same_tag_within_a_process_and_others_another() {
        let a = id("V1StGXR8_Z5jdHi6B-myT");
        let b = id("V1StGXR8_Z5jdHi6B-myU");
        assert_eq!(IdTag::of(&a), IdTag::of(&a));
        assert_ne!(IdTag::of(&a), IdTag::of(&b));
    }

    #[test]
    fn the_tag_is_hmac_sha256_under_the_key() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let tag = IdTag::keyed(b"Jefe", "what do ya want for nothing?");
        assert_eq!(tag.to_string(), "5bdcc146bf60");
        // Another key, another tag: the per-process key is what makes tags unguessable.
        assert_ne!(IdTag::keyed(b"Jeff", "what do ya want for nothing?"), tag);
    }
}
