//! The tracing subscriber: one, built at start.

use tracing_subscriber::EnvFilter;

/// Installs a formatting subscriber filtered by `RUST_LOG` (default `info`). Does nothing when
/// one is already installed (tests build several apps in one process).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
