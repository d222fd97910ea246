//! The actix-web front door: the `persona-server` binary.
//!
//! - [`startup`]: [`Application`], which builds the adapters through [`persona_wiring`], binds
//!   its listener and serves until stopped.
//!
//! The transport is deliberately thin: every request is handed, as a neutral
//! [`persona_api::Request`], to the shared API, and its answer is written back unchanged.

pub mod startup;

pub use persona_wiring::{Config, telemetry};
pub use startup::Application;
