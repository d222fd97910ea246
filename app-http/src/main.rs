//! `persona-server`: telemetry, config, build, run.

use std::process::ExitCode;

use persona_app_http::{Application, Config, telemetry};
use tracing::error;

#[actix_web::main]
async fn main() -> ExitCode {
    // A missing .env is normal; the environment may hold everything.
    let _ = dotenvy::dotenv();
    telemetry::init();
    let config = match Config::from_env() {
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
