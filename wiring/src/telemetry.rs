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

/// Installs the subscriber `logging` describes, writing to standard output through
/// [`Lossy`]. Does nothing when one is already installed (tests build several apps in one
/// process).
pub fn init(logging: &Logging) {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(logging.filter.as_deref()))
        .with_writer(|| Lossy(std::io::stdout()))
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

/// A log stream that drops what it cannot write instead of failing.
///
/// A function's output is a pipe its host may close once the answer is out (the Netlify CLI and
/// its functions proxy do, after every invocation). Writing a line there fails with a broken
/// pipe; the subscriber then reports the failure on standard error, which is closed too, and
/// `eprintln!` panics: the function ended with status 101 after every answer. A lost log line is
/// no reason to end a process badly.
#[derive(Debug)]
pub struct Lossy<W>(pub W);

impl<W: std::io::Write> std::io::Write for Lossy<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // Whatever happened, the line is gone; say it was taken so no caller reports it.
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
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

    /// A stream whose reader has gone: every write fails as a closed pipe does.
    struct Closed;

    impl std::io::Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_stream_swallows_lines_instead_of_failing() {
        use std::io::Write as _;
        let mut stream = Lossy(Closed);
        assert_eq!(stream.write(b"a line\n").ok(), Some(7));
        assert!(stream.flush().is_ok());
        // Through a subscriber, which would otherwise report each failed line on stderr.
        let subscriber = tracing_subscriber::fmt()
            .with_writer(|| Lossy(Closed))
            .finish();
        tracing::subscriber::with_default(subscriber, || tracing::error!("nobody reads this"));
    }

    #[test]
    fn only_json_asks_for_json() {
        assert_eq!(LogFormat::parse(Some("json")), LogFormat::Json);
        assert_eq!(LogFormat::parse(Some(" JSON ")), LogFormat::Json);
        assert_eq!(LogFormat::parse(Some("text")), LogFormat::Text);
        assert_eq!(LogFormat::parse(None), LogFormat::Text);
    }
}
