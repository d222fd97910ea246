//! The composition root both front doors share: settings, adapter choice, telemetry.
//!
//! - [`config`]: [`Config`], every setting read from the environment once.
//! - [`build_api`]: chooses and builds the adapters `Config` selects, and the
//!   [`persona_api::Api`] over them; [`build_api_in_memory`] does the same over an empty
//!   in-memory store, for tools that only process (the evaluation command).
//! - [`jobs`]: [`jobs::job_pool`], the server's bounded pool of job workers and queue.
//! - [`limit`]: [`limit::LimitedExtractor`], the bound on extractions running at the model.
//! - [`signing`]: the key grounding is signed with, and what a save does with unsigned entries.
//! - [`telemetry`]: the tracing subscriber, built once.
//!
//! The actix server and the Netlify functions call these and nothing else, so they cannot
//! drift apart in what they wire.

mod build;
pub mod config;
pub mod jobs;
pub mod limit;
pub mod signing;
pub mod telemetry;

pub use build::{WiringError, build_api, build_api_in_memory};
pub use config::{BucketCheck, Config, JobSettings, MockStore};
