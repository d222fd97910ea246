//! The settings that shape what the model generates: the schema dialect and the
//! sampling settings, read here in one place so the rest of `Config` does not change with them.
//!
//! - `OPENAI_SCHEMA_DIALECT`: `openai` (OpenAI's strict subset) or `full` (every string
//!   bounded, for llama.cpp, vLLM, Ollama, LM Studio); unset, chosen by `OPENAI_BASE_URL`.
//! - `OPENAI_TEMPERATURE` (0 to 2, default 0.2), `OPENAI_FREQUENCY_PENALTY` (-2 to 2, not sent
//!   by default), `OPENAI_SEED` (a whole number, not sent by default).

use persona_adapters_openai::{Sampling, SchemaDialect};

use super::ConfigError;

/// The generation settings of [`persona_adapters_openai::OpenAiSettings`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Generation {
    /// `OPENAI_SCHEMA_DIALECT`; `None` lets the adapter choose by the base URL.
    pub schema_dialect: Option<SchemaDialect>,
    pub sampling: Sampling,
}

/// Reads the generation settings through `get` (trimmed, empty as unset).
pub(super) fn read(get: impl Fn(&str) -> Option<String>) -> Result<Generation, ConfigError> {
    let schema_dialect = match get("OPENAI_SCHEMA_DIALECT")
        .map(|v| v.to_ascii_lowercase())
        .as_deref()
    {
        None => None,
        Some("openai") => Some(SchemaDialect::OpenAi),
        Some("full") => Some(SchemaDialect::Full),
        Some(_) => {
            return Err(ConfigError::NotOneOf {
                name: "OPENAI_SCHEMA_DIALECT",
                allowed: "openai, full",
            });
        }
    };
    let decimal = |name: &'static str, min: f64, max: f64, range: &'static str| {
        get(name)
            .map(|v| super::parse_decimal(name, &v, (min, max), range))
            .transpose()
    };
    let defaults = Sampling::default();
    let sampling = Sampling {
        temperature: decimal("OPENAI_TEMPERATURE", 0.0, 2.0, "0 to 2")?
            .unwrap_or(defaults.temperature),
        frequency_penalty: decimal("OPENAI_FREQUENCY_PENALTY", -2.0, 2.0, "-2 to 2")?,
        seed: get("OPENAI_SEED")
            .map(|v| v.parse::<i64>().map_err(|_| ConfigError::NotASeed))
            .transpose()?,
    };
    Ok(Generation {
        schema_dialect,
        sampling,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_from(pairs: &[(&str, &str)]) -> Result<Generation, ConfigError> {
        read(|name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn unset_gives_the_adapter_defaults() {
        assert_eq!(read_from(&[]), Ok(Generation::default()));
    }

    #[test]
    fn each_setting_is_read() {
        let generation = read_from(&[
            ("OPENAI_SCHEMA_DIALECT", "FULL"),
            ("OPENAI_TEMPERATURE", "0"),
            ("OPENAI_FREQUENCY_PENALTY", "0.3"),
            ("OPENAI_SEED", "42"),
        ])
        .expect("valid");
        assert_eq!(generation.schema_dialect, Some(SchemaDialect::Full));
        assert_eq!(
            generation.sampling,
            Sampling {
                temperature: 0.0,
                frequency_penalty: Some(0.3),
                seed: Some(42),
            }
        );
        assert_eq!(
            read_from(&[("OPENAI_SCHEMA_DIALECT", "openai")])
                .expect("valid")
                .schema_dialect,
            Some(SchemaDialect::OpenAi)
        );
    }

    #[test]
    fn a_wrong_value_names_the_variable_and_what_it_takes() {
        let message = |pairs: &[(&str, &str)]| read_from(pairs).unwrap_err().to_string();
        assert_eq!(
            message(&[("OPENAI_SCHEMA_DIALECT", "grammar")]),
            "OPENAI_SCHEMA_DIALECT must be one of: openai, full"
        );
        assert_eq!(
            message(&[("OPENAI_TEMPERATURE", "3")]),
            "OPENAI_TEMPERATURE must be a number from 0 to 2"
        );
        assert_eq!(
            message(&[("OPENAI_FREQUENCY_PENALTY", "high")]),
            "OPENAI_FREQUENCY_PENALTY must be a number from -2 to 2"
        );
        assert_eq!(
            message(&[("OPENAI_SEED", "1.5")]),
            "OPENAI_SEED must be a whole number"
        );
    }
}
