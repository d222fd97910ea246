//! The Netlify function `get-job`: everything lives in `persona-app-netlify`.

fn main() -> std::process::ExitCode {
    persona_app_netlify::run("get-job")
}
