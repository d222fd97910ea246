//! The grounding signing settings: `GROUNDING_SIGNING_KEY` and `GROUNDING_SIGNATURES`.
//!
//! Every instance that serves process-persona or save-persona must hold the same key (the
//! Netlify functions are separate processes; several servers behind one address are too), or a
//! grounding signed by one is the client's claim to another. Without a key each process draws
//! a random one at start and says so: saves then verify only on the process that answered the
//! process-persona call, until it restarts.

use persona_api::SignaturePolicy;
use persona_domain::GroundingKey;
use persona_domain::grounding::MIN_KEY_BYTES;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use thiserror::Error;
use tracing::warn;

/// `GROUNDING_SIGNING_KEY` and `GROUNDING_SIGNATURES`.
#[derive(Debug, Clone, Default)]
pub struct SigningConfig {
    /// `GROUNDING_SIGNING_KEY`: at least 32 bytes, the same on every instance (default: a random
    /// key per process, with a warning).
    pub key: Option<SecretString>,
    /// `GROUNDING_SIGNATURES` (default `accept`): what a save does with a grounding entry whose
    /// signature does not hold: `accept` stores it as `verified: false`, `require` refuses it.
    pub policy: SignaturePolicy,
}

/// A signing setting that cannot work. Never shows the key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SigningConfigError {
    #[error(
        "GROUNDING_SIGNING_KEY has {found} bytes; it needs at least {MIN_KEY_BYTES}: make one with \
         `openssl rand -base64 32` and give every instance the same"
    )]
    KeyTooShort { found: usize },
    #[error("GROUNDING_SIGNATURES must be one of: accept, require")]
    UnknownPolicy,
    #[error(
        "GROUNDING_SIGNATURES=require needs GROUNDING_SIGNING_KEY: with a random key per process, \
         a save that reaches another instance (or this one after a restart) would be refused; \
         make one with `openssl rand -base64 32` and give every instance the same"
    )]
    RequireWithoutKey,
}

impl SigningConfig {
    /// Reads the two variables through `get` (trimmed, empty as unset).
    ///
    /// # Errors
    ///
    /// A [`SigningConfigError`] for a short key, an unknown policy, or `require` without a key.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SigningConfigError> {
        let key = get("GROUNDING_SIGNING_KEY").map(SecretString::from);
        if let Some(key) = &key {
            let found = key.expose_secret().len();
            if found < MIN_KEY_BYTES {
                return Err(SigningConfigError::KeyTooShort { found });
            }
        }
        let policy = match get("GROUNDING_SIGNATURES") {
            Some(name) => name
                .parse()
                .map_err(|_| SigningConfigError::UnknownPolicy)?,
            None => SignaturePolicy::Accept,
        };
        if policy == SignaturePolicy::Require && key.is_none() {
            return Err(SigningConfigError::RequireWithoutKey);
        }
        Ok(Self { key, policy })
    }

    /// The configured key, or a random one with a warning.
    pub fn key(&self) -> GroundingKey {
        if let Some(key) = &self.key {
            return GroundingKey::new(key.expose_secret().as_bytes())
                .expect("the key's length was checked when the config was read");
        }
        warn!(
            "GROUNDING_SIGNING_KEY is not set: grounding is signed with a random key for this \
             process only, so a persona saved through another instance or after a restart keeps \
             its grounding as the client's claim (verified: false); set the same key everywhere \
             (openssl rand -base64 32)"
        );
        let mut bytes = vec![0; MIN_KEY_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        GroundingKey::new(bytes).expect("a key of MIN_KEY_BYTES bytes")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<SigningConfig, SigningConfigError> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        SigningConfig::from_lookup(|name| map.get(name).map(|v| (*v).to_owned()))
    }

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn the_defaults_accept_and_draw_a_random_key_per_process() {
        let config = read(&[]).expect("config");
        assert_eq!(config.policy, SignaturePolicy::Accept);
        assert!(config.key.is_none());
        assert_ne!(config.key(), config.key(), "two draws, two keys");
    }

    #[test]
    fn a_configured_key_is_the_same_on_every_read() {
        let config = read(&[
            ("GROUNDING_SIGNING_KEY", KEY),
            ("GROUNDING_SIGNATURES", "require"),
        ])
        .expect("config");
        assert_eq!(config.policy, SignaturePolicy::Require);
        assert_eq!(config.key(), config.key());
        assert!(!format!("{config:?}").contains(KEY), "{config:?}");
    }

    #[test]
    fn a_short_key_is_refused_with_how_to_make_one_and_without_the_key() {
        let e = read(&[("GROUNDING_SIGNING_KEY", "hunter2")]).expect_err("short");
        assert_eq!(e, SigningConfigError::KeyTooShort { found: 7 });
        let message = e.to_string();
        assert!(message.contains("openssl rand -base64 32"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn an_unknown_policy_and_require_without_a_key_are_named() {
        assert_eq!(
            read(&[("GROUNDING_SIGNATURES", "strict")]).expect_err("unknown"),
            SigningConfigError::UnknownPolicy
        );
        assert_eq!(
            read(&[("GROUNDING_SIGNATURES", "require")]).expect_err("no key"),
            SigningConfigError::RequireWithoutKey
        );
    }
}
