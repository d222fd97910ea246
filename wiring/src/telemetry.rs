//! The tracing subscriber: one, built at start.
//!
//! `LOG_FORMAT=json` writes one JSON object per line (with the current span's fields, such as the
//! request id, on every line), for log collectors; anything else writes text, coloured only on a
//! terminal (Lambda's and Netlify's log viewers show escape codes as text). `RUST_LOG` filters
//! (default `info`). Nothing logged carries the user's text, a persona field or a key: the code
//! that logs records only names, counts, sizes, statuses and durations.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// `LOG_FORMAT`: `json`, or text for anything else (unset included).
    pub fn from_env() -> Self {
        Self::parse(std::env::var("LOG_FORMAT").ok().as_deref())
    }

    fn parse(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case("json") => Self::Json,
            _ => Self::Text,
        }
    }
}

/// Installs the subscriber in the format `LOG_FORMAT` names. Does nothing when one is already
/// installed (tests build several apps in one process).
pub fn init() {
    init_with(LogFormat::from_env());
}

/// Installs the subscriber in `format`.
pub fn init_with(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stdout().is_terminal())
            .try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_json_asks_for_json() {
        assert_eq!(LogFormat::parse(Some("json")), LogFormat::Json);
        assert_eq!(LogFormat::parse(Some(" JSON ")), LogFormat::Json);
        assert_eq!(LogFormat::parse(Some("text")), LogFormat::Text);
        assert_eq!(LogFormat::parse(None), LogFormat::Text);
    }
}
