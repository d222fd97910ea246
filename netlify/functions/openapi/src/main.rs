//! The Netlify function `openapi`: everything lives in `persona-app-netlify`.

fn main() -> std::process::ExitCode {
    persona_app_netlify::run("openapi")
}
