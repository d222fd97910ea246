//! `MOCK_FAULT_RATE` and `MOCK_LATENCY_MS`: mock mode's random faults and latency, for frontend
//! teams testing their error and loading states; `MOCK_CHUNK_CHARS`: the mock extractor's chunk
//! size, so long material is read in chunks without a model.

use std::time::Duration;

use persona_api::scenario::MAX_LATENCY;
use persona_api::{Latency, MockFaults};

use super::ConfigError;

/// Reads both variables through `get` (trimmed, empty as unset). Outside mock mode either one
/// set is refused: it would do nothing, and an operator who set it expects it to.
pub(super) fn mock_faults(
    get: &impl Fn(&str) -> Option<String>,
    mock_mode: bool,
) -> Result<MockFaults, ConfigError> {
    let rate = get("MOCK_FAULT_RATE");
    let latency = get("MOCK_LATENCY_MS");
    if !mock_mode {
        return match (&rate, &latency) {
            (Some(_), _) => Err(ConfigError::MockOnly {
                name: "MOCK_FAULT_RATE",
            }),
            (None, Some(_)) => Err(ConfigError::MockOnly {
                name: "MOCK_LATENCY_MS",
            }),
            (None, None) => Ok(MockFaults::default()),
        };
    }
    Ok(MockFaults {
        rate: rate.map_or(Ok(0.0), |v| fault_rate(&v))?,
        latency: latency.map_or(Ok(Latency::default()), |v| latency_range(&v))?,
    })
}

/// The fewest and most characters `MOCK_CHUNK_CHARS` may set: below the fewest, a block's
/// heading and one short sentence would not fit; the most is the input rules' whole material.
const CHUNK_CHARS: (u32, u32) = (100, 300_000);

/// `MOCK_CHUNK_CHARS` (trimmed, empty as unset): `None` when unset. Refused outside mock mode,
/// where the model's own context decides the chunks.
pub(super) fn mock_chunk_chars(
    get: &impl Fn(&str) -> Option<String>,
    mock_mode: bool,
) -> Result<Option<u32>, ConfigError> {
    const NAME: &str = "MOCK_CHUNK_CHARS";
    let Some(value) = get(NAME) else {
        return Ok(None);
    };
    if !mock_mode {
        return Err(ConfigError::MockOnly { name: NAME });
    }
    super::parse_number(NAME, &value, CHUNK_CHARS.0, CHUNK_CHARS.1).map(Some)
}

/// A probability: a number from 0 to 1.
fn fault_rate(value: &str) -> Result<f64, ConfigError> {
    super::parse_decimal(
        "MOCK_FAULT_RATE",
        value,
        (0.0, 1.0),
        "0 to 1 (0.2: about one request in five fails)",
    )
}

/// `800` (fixed) or `500..2500` (uniform, both ends included), in whole milliseconds.
fn latency_range(value: &str) -> Result<Latency, ConfigError> {
    let millis = |part: &str| {
        part.trim()
            .parse::<u64>()
            .ok()
            .map(Duration::from_millis)
            .filter(|d| *d <= MAX_LATENCY)
    };
    let (min, max) = match value.split_once("..") {
        Some((min, max)) => (millis(min), millis(max)),
        None => (millis(value), millis(value)),
    };
    match (min, max) {
        (Some(min), Some(max)) if min <= max => Ok(Latency { min, max }),
        _ => Err(ConfigError::LatencyRange),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::Config;

    fn faults(vars: &[(&str, &str)]) -> Result<MockFaults, ConfigError> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        Config::from_lookup(|name| map.get(name).map(|v| (*v).to_owned())).map(|c| c.mock_faults)
    }

    fn ms(min: u64, max: u64) -> Latency {
        Latency {
            min: Duration::from_millis(min),
            max: Duration::from_millis(max),
        }
    }

    fn chunk_chars(vars: &[(&str, &str)]) -> Result<Option<u32>, ConfigError> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        Config::from_lookup(|name| map.get(name).map(|v| (*v).to_owned()))
            .map(|c| c.mock_chunk_chars)
    }

    #[test]
    fn the_mock_chunk_size_is_read_in_mock_mode_only() {
        let mock = ("USE_MOCK_DATA", "true");
        assert_eq!(chunk_chars(&[mock]), Ok(None));
        assert_eq!(
            chunk_chars(&[mock, ("MOCK_CHUNK_CHARS", " 2000 ")]),
            Ok(Some(2_000))
        );
        for bad in ["99", "300001", "2k", "-5"] {
            assert_eq!(
                chunk_chars(&[mock, ("MOCK_CHUNK_CHARS", bad)]),
                Err(ConfigError::NotANumber {
                    name: "MOCK_CHUNK_CHARS",
                    min: 100,
                    max: 300_000
                }),
                "{bad}"
            );
        }
        assert_eq!(
            chunk_chars(&[("MOCK_CHUNK_CHARS", "2000")]),
            Err(ConfigError::MockOnly {
                name: "MOCK_CHUNK_CHARS"
            })
        );
    }

    #[test]
    fn unset_there_are_no_faults_and_no_latency() {
        let none = MockFaults::default();
        assert_eq!(faults(&[("USE_MOCK_DATA", "true")]), Ok(none));
        assert_eq!(faults(&[]), Ok(none));
        assert_eq!((none.rate, none.latency), (0.0, ms(0, 0)));
    }

    #[test]
    fn good_values_are_read() {
        let read = |rate: &str, latency: &str| {
            faults(&[
                ("USE_MOCK_DATA", "true"),
                ("MOCK_FAULT_RATE", rate),
                ("MOCK_LATENCY_MS", latency),
            ])
            .expect("accepted")
        };
        let c = read("0.2", "800");
        assert_eq!((c.rate, c.latency), (0.2, ms(800, 800)));
        let c = read("1", " 500..2500 ");
        assert_eq!((c.rate, c.latency), (1.0, ms(500, 2_500)));
        let c = read("0", "0..60000");
        assert_eq!((c.rate, c.latency), (0.0, ms(0, 60_000)));
        assert_eq!(read("0.5", "700..700").latency, ms(700, 700));
    }

    #[test]
    fn a_bad_rate_is_refused_with_what_it_takes() {
        for bad in ["1.5", "-0.1", "20%", "NaN", "inf", "one"] {
            let e = faults(&[("USE_MOCK_DATA", "true"), ("MOCK_FAULT_RATE", bad)]).expect_err(bad);
            assert_eq!(
                e,
                ConfigError::NotADecimal {
                    name: "MOCK_FAULT_RATE",
                    range: "0 to 1 (0.2: about one request in five fails)"
                },
                "{bad}"
            );
            assert_eq!(
                e.to_string(),
                "MOCK_FAULT_RATE must be a number from 0 to 1 (0.2: about one request in five fails)"
            );
        }
    }

    #[test]
    fn a_bad_latency_is_refused_with_what_it_takes() {
        for bad in [
            "2500..500",
            "60001",
            "0..60001",
            "500-2500",
            "..800",
            "800..",
            "1.5",
            "-1",
        ] {
            let e = faults(&[("USE_MOCK_DATA", "true"), ("MOCK_LATENCY_MS", bad)]).expect_err(bad);
            assert_eq!(e, ConfigError::LatencyRange, "{bad}");
        }
        assert_eq!(
            ConfigError::LatencyRange.to_string(),
            "MOCK_LATENCY_MS must be milliseconds, fixed (800) or a range (500..2500), each at \
             most 60000 and the first no more than the second"
        );
    }

    #[test]
    fn either_set_outside_mock_mode_is_refused() {
        for name in ["MOCK_FAULT_RATE", "MOCK_LATENCY_MS"] {
            let e = faults(&[(name, "1"), ("USE_MOCK_DATA", "false")]).expect_err(name);
            assert_eq!(e, ConfigError::MockOnly { name });
            assert_eq!(
                e.to_string(),
                format!(
                    "{name} only works in mock mode (USE_MOCK_DATA=true); remove it, or turn mock mode on"
                )
            );
        }
        // Empty counts as unset, as for every variable.
        assert_eq!(
            faults(&[("MOCK_FAULT_RATE", " ")]),
            Ok(MockFaults::default())
        );
    }
}
