//! The tracing subscriber: one, built at start.
//!
//! `LOG_FORMAT=json` writes one JSON object per line (with the current span's fields, such as the
//! request id, on every line), for log collectors; anything else writes text, coloured only on a
//! terminal (Lambda's and Netlify's log viewers show escape codes as text). `RUST_LOG` filters
//! (default `info`). Nothing logged carries the user's text, a persona field or a key: the code
//! that logs records only names, counts, sizes, statuses and durations.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Targets held below `trace` whatever `RUST_LOG` says, because at `trace` they log what a client
/// sent: the Lambda runtime writes each raw event (body, query with the persona id, headers).
const QUIET_BELOW_TRACE: [&str; 1] = ["lambda_runtime::layers::api_response"];

/// How the subscriber writes and filters; read with the rest of the configuration
/// ([`crate::Config::logging`]). The default is text at `info`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Logging {
    /// `LOG_FORMAT`.
    pub format: LogFormat,
    /// `RUST_LOG`: an `EnvFilter` directive; `None` (or one that does not parse) is `info`.
    pub filter: Option<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    /// `LOG_FORMAT`'s value: `json` (any case), or text for anything else (unset included).
    pub fn parse(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case("json") => Self::Json,
            _ => Self::Text,
        }
    }
}

/// Installs the subscriber `logging` describes. Does nothing when one is already installed
/// (tests build several apps in one process).
pub fn init(logging: &Logging) {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(logging.filter.as_deref()))
        .with_target(false);
    let _ = match logging.format {
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

/// `RUST_LOG`'s filter (default `info`), with [`QUIET_BELOW_TRACE`] capped at `debug`.
fn filter(rust_log: Option<&str>) -> EnvFilter {
    let filter = rust_log
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    QUIET_BELOW_TRACE.iter().fold(filter, |filter, target| {
        filter.add_directive(
            format!("{target}=debug")
                .parse()
                .expect("a target and a level make a directive"),
        )
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn the_lambda_runtimes_raw_events_stay_out_of_even_a_trace_log() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&written);
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(filter(Some("trace")))
            .with_writer(move || Writer(Arc::clone(&sink)))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "lambda_runtime::layers::api_response", "raw-event-body");
            tracing::trace!(target: "persona_api", "our-own-trace");
        });
        let written = String::from_utf8(written.lock().expect("lock").clone()).expect("utf8");
        assert!(written.contains("our-own-trace"), "{written}");
        assert!(!written.contains("raw-event-body"), "{written}");
    }

    struct Writer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Writer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn only_json_asks_for_json() {
        assert_eq!(LogFormat::parse(Some("json")), LogFormat::Json);
        assert_eq!(LogFormat::parse(Some(" JSON ")), LogFormat::Json);
        assert_eq!(LogFormat::parse(Some("text")), LogFormat::Text);
        assert_eq!(LogFormat::parse(None), LogFormat::Text);
    }
}
