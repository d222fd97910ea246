//! `persona-server`: telemetry, config, build, run.

use std::process::ExitCode;

use persona_app_http::config::logging_from_env;
use persona_app_http::{Application, Config, telemetry};
use tracing::error;

#[actix_web::main]
async fn main() -> ExitCode {
    // A missing .env is normal; the environment may hold everything.
    let _ = dotenvy::dotenv();
    let config = Config::from_env();
    telemetry::init(
        &config
            .as_ref()
            .map_or_else(|_| logging_from_env(), |c| c.logging.clone()),
    );
    let config = match config {
        Ok(config) => config,
        Err(e) => {
            error!("configuration error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let app = match Application::build(&config).await {
        Ok(app) => app,
        Err(e) => {
            error!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("server failed: {e}");
            ExitCode::FAILURE
        }
    }
}
