//! `PROCESS_CACHE`, `PROCESS_CACHE_TTL` and `PROCESS_CACHE_KEY`: whether process-persona results
//! are kept for a repeat, for how long, and the secret their names are keyed with.
//!
//! The secret decides who shares the cache: instances with the same secret (and the same
//! store) answer each other's repeats. It is `PROCESS_CACHE_KEY` when set; else it is derived
//! from `GROUNDING_SIGNING_KEY`, which every instance already shares; else a random secret is
//! drawn per process, and the cache then serves repeats on that process only (a Netlify
//! function, a fresh process per call, then never hits: set one of the two keys there).

use std::time::Duration;

use persona_domain::grounding::MIN_KEY_BYTES;
use persona_ports::ProcessCache;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use tracing::warn;

use super::{ConfigError, parse_bool};

/// The longest TTL taken, in seconds: a year.
const MAX_TTL_SECONDS: u64 = 365 * 24 * 3600;

/// The process cache's settings. `Debug` never shows the key.
#[derive(Debug, Clone)]
pub struct ProcessCacheConfig {
    /// `PROCESS_CACHE` (default on): `off` extracts every request afresh and keeps nothing.
    pub enabled: bool,
    /// `PROCESS_CACHE_TTL`, in seconds (default 604,800: 7 days).
    pub ttl: Duration,
    /// `PROCESS_CACHE_KEY`: at least 32 bytes, the same on every instance that shares the cache.
    pub key: Option<SecretString>,
}

impl Default for ProcessCacheConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            ttl: ProcessCache::DEFAULT_TTL,
            key: None,
        }
    }
}

impl ProcessCacheConfig {
    /// The cache these settings describe, keyed as the module says (`signing_key`:
    /// `GROUNDING_SIGNING_KEY`), or `None` when it is off.
    pub fn cache(&self, signing_key: Option<&SecretString>) -> Option<ProcessCache> {
        if !self.enabled {
            return None;
        }
        let secret: Vec<u8> = match (&self.key, signing_key) {
            (Some(key), _) => key.expose_secret().as_bytes().to_vec(),
            // A distinct key for a distinct use: the HMAC key differs from the signing one.
            (None, Some(signing)) => [
                b"process-cache:".as_slice(),
                signing.expose_secret().as_bytes(),
            ]
            .concat(),
            (None, None) => {
                warn!(
                    "neither PROCESS_CACHE_KEY nor GROUNDING_SIGNING_KEY is set: the process cache \
                     is keyed with a random secret for this process only, so other instances (and \
                     every Netlify function call) never reuse its results"
                );
                let mut secret = vec![0; 32];
                rand::rngs::OsRng.fill_bytes(&mut secret);
                secret
            }
        };
        Some(ProcessCache::new(&secret, self.ttl))
    }
}

/// Reads the three variables through `get` (trimmed, empty as unset).
pub(super) fn read(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<ProcessCacheConfig, ConfigError> {
    let enabled = match get("PROCESS_CACHE") {
        Some(v) => parse_bool("PROCESS_CACHE", &v)?,
        None => true,
    };
    let ttl = match get("PROCESS_CACHE_TTL") {
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|s| (1..=MAX_TTL_SECONDS).contains(s))
            .map(Duration::from_secs)
            .ok_or(ConfigError::NotANumber {
                name: "PROCESS_CACHE_TTL",
                min: 1,
                max: MAX_TTL_SECONDS,
            })?,
        None => ProcessCache::DEFAULT_TTL,
    };
    let key = get("PROCESS_CACHE_KEY").map(SecretString::from);
    if let Some(key) = &key
        && key.expose_secret().len() < MIN_KEY_BYTES
    {
        return Err(ConfigError::ProcessCacheKeyTooShort {
            found: key.expose_secret().len(),
        });
    }
    Ok(ProcessCacheConfig { enabled, ttl, key })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read_from(vars: &[(&str, &str)]) -> Result<ProcessCacheConfig, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        read(&|name: &str| map.get(name).cloned())
    }

    #[test]
    fn on_for_a_week_by_default() {
        let config = read_from(&[]).unwrap();
        assert!(config.enabled);
        assert_eq!(config.ttl, Duration::from_secs(604_800));
        assert!(config.key.is_none());
    }

    #[test]
    fn off_keeps_no_cache() {
        let config = read_from(&[("PROCESS_CACHE", "off")]).unwrap();
        assert!(!config.enabled);
        assert!(config.cache(None).is_none());
    }

    #[test]
    fn the_ttl_is_whole_seconds_within_a_year() {
        assert_eq!(
            read_from(&[("PROCESS_CACHE_TTL", "60")]).unwrap().ttl,
            Duration::from_secs(60)
        );
        for bad in ["0", "-1", "7d", "31536001"] {
            assert_eq!(
                read_from(&[("PROCESS_CACHE_TTL", bad)])
                    .unwrap_err()
                    .to_string(),
                "PROCESS_CACHE_TTL must be a whole number from 1 to 31536000",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_short_key_is_refused_without_showing_it() {
        let message = read_from(&[("PROCESS_CACHE_KEY", "short-secret")])
            .unwrap_err()
            .to_string();
        assert!(message.contains("PROCESS_CACHE_KEY"));
        assert!(!message.contains("short-secret"));
    }

    #[test]
    fn the_same_key_gives_the_same_names_and_a_random_one_does_not() {
        let bundle = persona_ports::SourceBundle::parse(&["I am Ada.".into()], &[]).unwrap();
        let key = |cache: ProcessCache| cache.key(&bundle, "mock", "none", Default::default());
        let shared = read_from(&[("PROCESS_CACHE_KEY", &"k".repeat(32))]).unwrap();
        assert_eq!(
            key(shared.cache(None).unwrap()),
            key(shared.cache(None).unwrap())
        );
        let signing = SecretString::from("s".repeat(32));
        let derived = ProcessCacheConfig::default();
        assert_eq!(
            key(derived.cache(Some(&signing)).unwrap()),
            key(derived.cache(Some(&signing)).unwrap())
        );
        assert_ne!(
            key(derived.cache(Some(&signing)).unwrap()),
            key(shared.cache(None).unwrap())
        );
        assert_ne!(
            key(derived.cache(None).unwrap()),
            key(derived.cache(None).unwrap())
        );
    }
}
