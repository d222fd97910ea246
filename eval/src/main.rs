//! `persona-eval`: parse the command line, run the corpus, print the table, write and check.

use std::io::Write;
use std::process::ExitCode;

use persona_eval::args::{self, Command, USAGE};
use persona_eval::check::{self, Verdict};
use persona_eval::{corpus, read_baseline, run, write_baseline, write_json};

/// Exit status when a figure got worse than the baseline.
const REGRESSED: u8 = 1;
/// Exit status when the run could not be made (bad arguments, corpus, configuration, files).
const FAILED: u8 = 2;

#[tokio::main]
async fn main() -> ExitCode {
    match evaluate().await {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "persona-eval: {message}");
            ExitCode::from(FAILED)
        }
    }
}

async fn evaluate() -> Result<ExitCode, String> {
    let args = match args::parse(std::env::args().skip(1))? {
        Command::Help => {
            say(&format!("{USAGE}\n"));
            return Ok(ExitCode::SUCCESS);
        }
        Command::Run(args) => args,
    };
    let cases = corpus::load(&args.corpus).map_err(|e| e.to_string())?;
    let baseline = args.check.as_deref().map(read_baseline).transpose()?;
    let report = run::evaluate(&args.settings, &cases, |name| std::env::var(name).ok())
        .await
        .map_err(|e| e.to_string())?;
    say(&report.to_markdown());
    if let Some(path) = &args.json {
        write_json(path, &report)?;
    }
    if let Some(path) = &args.write_baseline {
        write_baseline(path, &report.figures)?;
    }
    let (Some(baseline), Some(path)) = (baseline, &args.check) else {
        return Ok(ExitCode::SUCCESS);
    };
    let changes = check::compare(&baseline, &report.figures);
    let worse = check::regressions(&changes);
    let mut out = format!("\n### Check against {}\n\n", path.display());
    for change in &changes {
        let verdict = match change.verdict {
            Verdict::Worse => "worse",
            Verdict::Better => "better",
            Verdict::Changed => "changed",
        };
        out.push_str(&format!("- {verdict}: {change}\n"));
    }
    if !changes.is_empty() {
        out.push('\n');
    }
    if worse.is_empty() {
        let refresh = if changes.is_empty() {
            String::new()
        } else {
            format!(
                " ({} changed; refresh the baseline with --write-baseline)",
                changes.len()
            )
        };
        out.push_str(&format!("ok: no figure got worse{refresh}\n"));
        say(&out);
        return Ok(ExitCode::SUCCESS);
    }
    let names: Vec<&str> = worse.iter().map(|c| c.figure.as_str()).collect();
    out.push_str(&format!(
        "FAIL: {} figure(s) got worse: {}\n",
        worse.len(),
        names.join(", ")
    ));
    say(&out);
    Ok(ExitCode::from(REGRESSED))
}

/// Writes to stdout (the workspace denies `println!`, which panics on a closed pipe).
fn say(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
