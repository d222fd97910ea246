//! The Netlify front door: one function per [`persona_api::Operation`] (`process-persona`,
//! `save-persona`, `get-persona`, `get-job`, `process-persona-background`, `health`, `openapi`
//! and `persona-schema`), each a Lambda
//! custom-runtime binary in `netlify/functions/NAME/` whose `main` is one call to [`run`];
//! `netlify.toml` rewrites each operation's path to its function.
//!
//! # Layout
//!
//! - [`event`]: a Netlify event (API Gateway v1, as tolerantly as the CLI needs) to the API's
//!   neutral request.
//! - [`response`]: the API's response to an API Gateway proxy response.
//! - [`background`]: jobs handed to the background function `process-persona-background`.
//! - [`function`]: [`Function`], one function's operation and API, and the function's settings
//!   ([`config_from_lookup`]).
//!
//! The door is deliberately thin, like the actix one: the adapters are built once per cold start
//! by [`persona_wiring`], before the runtime loop, and every invocation is handed to the shared
//! API as the function's own operation. No API logic lives here.
//!
//! # Limits
//!
//! Netlify stops a synchronous function at 60 s and buffers at most 6 MB each way. The API's
//! answers stay inside both: the body limit ([`persona_api::MAX_BODY_BYTES`], 1 MiB, or about
//! 1.4 MB once base64-encoded in the event) is checked before anything else, and a function's
//! deadlines ([`function::SYNC_FUNCTION_LIMIT`]: the model 45 s, the request 50 s, never more
//! than [`function::MAX_REQUEST_DEADLINE`], 55 s) answer `UPSTREAM_TIMEOUT` before the platform
//! would cut the request off.

pub mod background;
pub mod event;
pub mod function;
pub mod response;

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use lambda_http::{LambdaEvent, service_fn};
use persona_wiring::Config;
use persona_wiring::config::{ConfigError, logging_from_env};
use serde_json::Value;
use tracing::{error, info};

pub use function::{DEFAULT_DATA_DIR, Function, StartError, config_from_lookup};

/// Runs the function `name` under the Lambda runtime until the platform stops it: telemetry,
/// settings from the environment, adapters, then the invocation loop.
///
/// Returns a failure when the function cannot start (an unknown name, a setting that cannot be
/// understood, adapters that cannot be built) or the runtime fails; the reason is logged.
pub fn run(name: &str) -> ExitCode {
    let config = config_from_lookup(|name| std::env::var(name).ok());
    let logging = config
        .as_ref()
        .map_or_else(|_| logging_from_env(), |c| c.logging.clone());
    persona_wiring::telemetry::init(&logging);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            error!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(name, config))
}

async fn serve(name: &str, config: Result<Config, ConfigError>) -> ExitCode {
    let function = match start(name, config).await {
        Ok(function) => function,
        Err(e) => {
            error!(function = name, "cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let function = &function;
    let answered = &AtomicU64::new(0);
    let handler = service_fn(move |event: LambdaEvent<Value>| async move {
        let answer = function
            .answer(event.payload)
            .await
            .map_err(lambda_http::Error::from);
        answered.fetch_add(1, Ordering::Relaxed);
        answer
    });
    let result = lambda_http::lambda_runtime::run(handler).await;
    ended(name, result, answered.load(Ordering::Relaxed))
}

/// How the function ends once the runtime loop has. The loop only ends when the runtime API
/// cannot be reached: before any invocation that is a failure; after one, it is the host ending
/// this instance (the Netlify CLI's functions proxy goes away after each answer), and the
/// function ends cleanly.
fn ended(name: &str, result: Result<(), lambda_http::Error>, answered: u64) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if answered > 0 => {
            info!(
                function = name,
                answered, "the runtime API went away; ending: {e}"
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            error!(function = name, "the Lambda runtime failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn start(name: &str, config: Result<Config, ConfigError>) -> Result<Function, StartError> {
    Function::build(name, &config?).await
}

#[cfg(test)]
mod cache_tests;
#[cfg(test)]
mod scenario_tests;
#[cfg(test)]
mod tests;
