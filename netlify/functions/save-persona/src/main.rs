//! The Netlify function `save-persona`: everything lives in `persona-app-netlify`.

fn main() -> std::process::ExitCode {
    persona_app_netlify::run("save-persona")
}
