//! [`Config`]: every setting, read from the environment once, in one place.
//!
//! Nothing below the composition root reads an environment variable.

use std::path::PathBuf;

use persona_api::CorsPolicy;
use secrecy::SecretString;
use thiserror::Error;

/// The server's settings. `Debug` never shows a key (they are [`SecretString`]s).
#[derive(Debug, Clone)]
pub struct Config {
    /// `HOST` (default `127.0.0.1`; use `0.0.0.0` in a container).
    pub host: String,
    /// `PORT` (default 8080; 0 picks a free port).
    pub port: u16,
    /// `USE_MOCK_DATA` (or `NEXT_PUBLIC_USE_MOCK_DATA`): mock extractor and in-memory store.
    pub mock_mode: bool,
    /// `PERSONA_DATA_DIR` (default `./data`): where the file store keeps personas.
    pub data_dir: PathBuf,
    /// `ALLOWED_ORIGINS`: `*` or a comma-separated list; default any origin in mock mode, none
    /// otherwise.
    pub cors: CorsPolicy,
    /// `OPENAI_API_KEY`.
    pub openai_api_key: Option<SecretString>,
    /// `SUPABASE_URL`.
    pub supabase_url: Option<String>,
    /// `SUPABASE_SERVICE_ROLE_KEY`.
    pub supabase_service_role_key: Option<SecretString>,
}

/// A setting that cannot be understood; names the variable and what it takes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("{name} must be true or false (also accepted: 1/0, yes/no)")]
    NotABool { name: &'static str },
    #[error("PORT must be a number from 0 to 65535")]
    BadPort,
}

impl Config {
    /// Reads the settings from the process environment.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first variable that cannot be understood.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (the environment, or a map in tests). Empty values
    /// count as unset.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first variable that cannot be understood.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mock_mode = match (get("USE_MOCK_DATA"), get("NEXT_PUBLIC_USE_MOCK_DATA")) {
            (Some(v), _) => parse_bool("USE_MOCK_DATA", &v)?,
            (None, Some(v)) => parse_bool("NEXT_PUBLIC_USE_MOCK_DATA", &v)?,
            (None, None) => false,
        };
        let port = match get("PORT") {
            Some(p) => p.parse().map_err(|_| ConfigError::BadPort)?,
            None => 8080,
        };
        let cors = match get("ALLOWED_ORIGINS") {
            Some(list) => CorsPolicy::parse(&list),
            None if mock_mode => CorsPolicy::AnyOrigin,
            None => CorsPolicy::Origins(Vec::new()),
        };
        Ok(Self {
            host: get("HOST").unwrap_or_else(|| "127.0.0.1".to_owned()),
            port,
            mock_mode,
            data_dir: get("PERSONA_DATA_DIR")
                .map_or_else(|| PathBuf::from("./data"), PathBuf::from),
            cors,
            openai_api_key: get("OPENAI_API_KEY").map(SecretString::from),
            supabase_url: get("SUPABASE_URL"),
            supabase_service_role_key: get("SUPABASE_SERVICE_ROLE_KEY").map(SecretString::from),
        })
    }
}

fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::NotABool { name }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_need_no_variable() {
        let c = config(&[]).expect("config");
        assert_eq!(
            (c.host.as_str(), c.port, c.mock_mode),
            ("127.0.0.1", 8080, false)
        );
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.cors, CorsPolicy::Origins(vec![]));
        assert!(c.openai_api_key.is_none());
    }

    #[test]
    fn mock_mode_allows_any_origin_by_default() {
        let c = config(&[("USE_MOCK_DATA", "true")]).expect("config");
        assert!(c.mock_mode);
        assert_eq!(c.cors, CorsPolicy::AnyOrigin);
    }

    #[test]
    fn the_next_public_flag_is_accepted_when_the_plain_one_is_unset() {
        assert!(
            config(&[("NEXT_PUBLIC_USE_MOCK_DATA", "1")])
                .expect("config")
                .mock_mode
        );
        assert!(
            !config(&[
                ("USE_MOCK_DATA", "false"),
                ("NEXT_PUBLIC_USE_MOCK_DATA", "true")
            ])
            .expect("config")
            .mock_mode
        );
    }

    #[test]
    fn explicit_origins_win_over_the_mock_default() {
        let c = config(&[
            ("USE_MOCK_DATA", "true"),
            ("ALLOWED_ORIGINS", "http://localhost:3000"),
        ])
        .expect("config");
        assert_eq!(
            c.cors,
            CorsPolicy::Origins(vec!["http://localhost:3000".into()])
        );
    }

    #[test]
    fn a_bad_flag_or_port_is_named() {
        assert_eq!(
            config(&[("USE_MOCK_DATA", "maybe")]).err(),
            Some(ConfigError::NotABool {
                name: "USE_MOCK_DATA"
            })
        );
        assert_eq!(
            config(&[("PORT", "http")]).err(),
            Some(ConfigError::BadPort)
        );
        assert_eq!(
            config(&[("PORT", "70000")]).err(),
            Some(ConfigError::BadPort)
        );
    }

    #[test]
    fn debug_never_shows_a_key() {
        let c = config(&[
            ("OPENAI_API_KEY", "sk-test-very-secret"),
            ("SUPABASE_SERVICE_ROLE_KEY", "eyJsecret"),
        ])
        .expect("config");
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("very-secret") && !shown.contains("eyJsecret"),
            "{shown}"
        );
    }
}
