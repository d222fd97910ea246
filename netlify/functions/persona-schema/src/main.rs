//! The Netlify function `persona-schema`: everything lives in `persona-app-netlify`.

fn main() -> std::process::ExitCode {
    persona_app_netlify::run("persona-schema")
}
