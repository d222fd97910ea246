//! The tracing subscriber: one, built at start.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs a formatting subscriber filtered by `RUST_LOG` (default `info`), with colours only on
/// a terminal (Lambda's and Netlify's log viewers show escape codes as text). Does nothing when
/// one is already installed (tests build several apps in one process).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal())
        .with_target(false)
        .try_init();
}
