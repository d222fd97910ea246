//! The actix-web front door: the `persona-server` binary.
//!
//! - [`startup`]: [`Application`], which builds the adapters through [`persona_wiring`], binds
//!   its listener and serves until stopped.
//! - [`site`]: the playground page (`public/`, embedded) and its headers.
//! - [`connection`]: each connection's guard: a late head and actix's own bare error answers
//!   become enveloped answers.
//! - [`transport`]: the read timeouts, the connection cap and the budget for bodies in flight.
//!
//! The transport is deliberately thin: every request but the page's files is handed, as a
//! neutral [`persona_api::Request`], to the shared API, and its answer is written back unchanged.

pub mod connection;
pub mod site;
pub mod startup;
pub mod transport;

pub use persona_wiring::{Config, config, telemetry};
pub use startup::Application;
pub use transport::Transport;
