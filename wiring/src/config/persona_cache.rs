//! `PERSONA_CACHE_BYTES` and `PERSONA_CACHE_TTL_MS`: the in-process cache of saved personas
//! ([`persona_ports::CachedStore`]).

use std::time::Duration;

use super::{ConfigError, millis, parse_number};

/// The default bound: 16 MiB, a few thousand personas of a few kilobytes each.
pub const DEFAULT_PERSONA_CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// The default time a cached persona answers alone before the store is asked again: the longest
/// a persona deleted on another instance may still be served by this one.
pub const DEFAULT_PERSONA_CACHE_TTL: Duration = Duration::from_secs(30);

/// How many bytes of documents the cache holds and how long a copy answers alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonaCache {
    /// `PERSONA_CACHE_BYTES`; 0 turns the cache off.
    pub max_bytes: u64,
    /// `PERSONA_CACHE_TTL_MS`, from 100 ms to 10 minutes.
    pub fresh_for: Duration,
}

impl Default for PersonaCache {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_PERSONA_CACHE_BYTES,
            fresh_for: DEFAULT_PERSONA_CACHE_TTL,
        }
    }
}

/// Reads both variables through `get` (trimmed, empty as unset).
pub(super) fn persona_cache(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<PersonaCache, ConfigError> {
    let default = PersonaCache::default();
    let max_bytes = match get("PERSONA_CACHE_BYTES") {
        // At most 1 GiB: the bound is memory every instance sets aside.
        Some(v) => u64::from(parse_number("PERSONA_CACHE_BYTES", &v, 0, 1 << 30)?),
        None => default.max_bytes,
    };
    Ok(PersonaCache {
        max_bytes,
        fresh_for: millis(get, "PERSONA_CACHE_TTL_MS", default.fresh_for, 100, 600_000)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<PersonaCache, ConfigError> {
        persona_cache(&|name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn unset_is_sixteen_mebibytes_fresh_for_thirty_seconds() {
        assert_eq!(read(&[]), Ok(PersonaCache::default()));
        assert_eq!(
            PersonaCache::default(),
            PersonaCache {
                max_bytes: 16 * 1024 * 1024,
                fresh_for: Duration::from_secs(30)
            }
        );
    }

    #[test]
    fn zero_bytes_is_off_and_each_setting_is_read() {
        assert_eq!(
            read(&[
                ("PERSONA_CACHE_BYTES", "0"),
                ("PERSONA_CACHE_TTL_MS", "500")
            ]),
            Ok(PersonaCache {
                max_bytes: 0,
                fresh_for: Duration::from_millis(500)
            })
        );
    }

    #[test]
    fn values_out_of_range_name_the_variable() {
        let e = read(&[("PERSONA_CACHE_BYTES", "2000000000")]).expect_err("over 1 GiB");
        assert!(
            e.to_string().starts_with("PERSONA_CACHE_BYTES must be"),
            "{e}"
        );
        let e = read(&[("PERSONA_CACHE_TTL_MS", "0")]).expect_err("under 100 ms");
        assert!(
            e.to_string().starts_with("PERSONA_CACHE_TTL_MS must be"),
            "{e}"
        );
        let e = read(&[("PERSONA_CACHE_BYTES", "lots")]).expect_err("not a number");
        assert!(e.to_string().contains("whole number"), "{e}");
    }
}
