//! The Netlify function `process-persona-background`: everything lives in `persona-app-netlify`.

fn main() -> std::process::ExitCode {
    persona_app_netlify::run("process-persona-background")
}
