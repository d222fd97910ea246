//! The actix-web front door and the composition root of `persona-server`.
//!
//! - [`config`]: [`Config`], read from the environment once.
//! - [`wiring`]: adapter selection and the [`persona_api::Api`] over them.
//! - [`startup`]: [`Application`], which binds its listener and serves until stopped.
//! - [`telemetry`]: the tracing subscriber, built once.
//!
//! The transport is deliberately thin: every request is handed, as a neutral
//! [`persona_api::Request`], to the shared API, and its answer is written back unchanged.

pub mod config;
pub mod startup;
pub mod telemetry;
pub mod wiring;

pub use config::Config;
pub use startup::Application;
