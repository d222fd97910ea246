//! The command line of `persona-eval`, parsed by hand (a handful of flags).

use std::path::PathBuf;

use crate::run::{Settings, Target};

/// What `persona-eval --help` prints.
pub const USAGE: &str = "\
persona-eval: runs the process-persona pipeline over a labelled corpus and prints a Markdown table.

Usage:
  persona-eval --mock [options]
  persona-eval --base-url URL [--model NAME] [options]

Target (one of):
  --mock                    the deterministic mock extractor
  --base-url URL            any OpenAI-compatible server (OpenAI, Ollama, llama.cpp, vLLM, ...);
                            the key is read from OPENAI_API_KEY only, never from a flag
  --model NAME              the model to ask (default: OPENAI_MODEL, else gpt-4o-mini)

Options:
  --corpus DIR              the labelled cases (default: eval/corpus)
  --concurrency N           cases in flight at once (default: 1)
  --grounding flag|strict   the service's grounding mode (passed as GROUNDING)
  --json FILE               write the whole report as JSON
  --write-baseline FILE     write the deterministic figures as a baseline
  --check FILE              compare with a baseline; exit 1 naming each figure that got worse
  -h, --help                this text

Other model settings (MAX_TOKENS, OPENAI_MAX_RETRIES, PROCESS_DEADLINE_MS, ...) are read from the
environment as the server reads them; store settings are ignored (the store is in memory).";

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run(Args),
    Help,
}

/// What to run and where to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    pub settings: Settings,
    pub corpus: PathBuf,
    pub json: Option<PathBuf>,
    pub check: Option<PathBuf>,
    pub write_baseline: Option<PathBuf>,
}

/// The most cases in flight at once.
const MAX_CONCURRENCY: usize = 64;

/// Parses the arguments after the program name. Flags take their value as the next argument or
/// after `=` (`--corpus=DIR`).
///
/// # Errors
///
/// A sentence saying what is wrong: an unknown flag, a missing or bad value, a flag given twice,
/// no target or two.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let mut mock = false;
    let mut base_url = None;
    let mut model = None;
    let mut corpus = None;
    let mut json = None;
    let mut check = None;
    let mut write_baseline = None;
    let mut concurrency = None;
    let mut grounding = None;
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--mock" if inline.is_none() => {
                if mock {
                    return Err(twice(&flag));
                }
                mock = true;
            }
            "--base-url" => set(&mut base_url, value()?, &flag)?,
            "--model" => set(&mut model, value()?, &flag)?,
            "--corpus" => set(&mut corpus, PathBuf::from(value()?), &flag)?,
            "--json" => set(&mut json, PathBuf::from(value()?), &flag)?,
            "--check" => set(&mut check, PathBuf::from(value()?), &flag)?,
            "--write-baseline" => set(&mut write_baseline, PathBuf::from(value()?), &flag)?,
            "--concurrency" => {
                let n = value()?
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_CONCURRENCY).contains(n))
                    .ok_or(format!(
                        "--concurrency must be a whole number from 1 to {MAX_CONCURRENCY}"
                    ))?;
                set(&mut concurrency, n, &flag)?;
            }
            "--grounding" => {
                let mode = value()?;
                if mode != "flag" && mode != "strict" {
                    return Err("--grounding must be flag or strict".to_owned());
                }
                set(&mut grounding, mode, &flag)?;
            }
            "--api-key" | "--key" => {
                return Err(
                    "the key is read from OPENAI_API_KEY only, never from a flag".to_owned(),
                );
            }
            // Only a flag's name is repeated back: a stray value may be a secret.
            _ if flag.starts_with('-') => {
                return Err(format!("unknown argument {flag} (see --help)"));
            }
            _ => return Err("unexpected value without a flag (see --help)".to_owned()),
        }
    }
    let target = match (mock, base_url) {
        (true, None) if model.is_some() => {
            return Err("--model goes with --base-url, not --mock".to_owned());
        }
        (true, None) => Target::Mock,
        (false, Some(base_url)) => Target::Endpoint { base_url, model },
        (true, Some(_)) => return Err("choose --mock or --base-url, not both".to_owned()),
        (false, None) => return Err("choose a target: --mock or --base-url URL".to_owned()),
    };
    Ok(Command::Run(Args {
        settings: Settings {
            target,
            grounding,
            concurrency: concurrency.unwrap_or(1),
        },
        corpus: corpus.unwrap_or_else(|| PathBuf::from("eval/corpus")),
        json,
        check,
        write_baseline,
    }))
}

fn set<T>(slot: &mut Option<T>, value: T, flag: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(twice(flag));
    }
    *slot = Some(value);
    Ok(())
}

fn twice(flag: &str) -> String {
    format!("{flag} is given twice")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Command, String> {
        parse(line.split_whitespace().map(str::to_owned))
    }

    fn args(line: &str) -> Args {
        match parse_line(line) {
            Ok(Command::Run(args)) => args,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn mock_mode_takes_the_defaults() {
        let a = args("--mock");
        assert_eq!(a.settings.target, Target::Mock);
        assert_eq!(
            (a.settings.concurrency, a.settings.grounding, a.corpus),
            (1, None, PathBuf::from("eval/corpus"))
        );
        assert_eq!((a.json, a.check, a.write_baseline), (None, None, None));
    }

    #[test]
    fn every_flag_is_read_with_a_space_or_an_equals_sign() {
        let a = args(
            "--base-url=http://127.0.0.1:11434/v1 --model llama3.1 --corpus c --json r.json \
             --check b.json --write-baseline n.json --concurrency=4 --grounding strict",
        );
        assert_eq!(
            a.settings.target,
            Target::Endpoint {
                base_url: "http://127.0.0.1:11434/v1".into(),
                model: Some("llama3.1".into())
            }
        );
        assert_eq!(
            (a.settings.concurrency, a.settings.grounding.as_deref()),
            (4, Some("strict"))
        );
        assert_eq!(a.corpus, PathBuf::from("c"));
        assert_eq!(
            (a.json, a.check, a.write_baseline),
            (
                Some("r.json".into()),
                Some("b.json".into()),
                Some("n.json".into())
            )
        );
    }

    #[test]
    fn mistakes_are_named() {
        let error = |line: &str| parse_line(line).expect_err(line);
        assert_eq!(error(""), "choose a target: --mock or --base-url URL");
        assert_eq!(
            error("--mock --base-url u"),
            "choose --mock or --base-url, not both"
        );
        assert_eq!(
            error("--mock --model m"),
            "--model goes with --base-url, not --mock"
        );
        assert_eq!(error("--mock --corpus"), "--corpus needs a value");
        assert_eq!(
            error("--mock --corpus a --corpus b"),
            "--corpus is given twice"
        );
        assert_eq!(
            error("--mock --concurrency 0"),
            "--concurrency must be a whole number from 1 to 64"
        );
        assert_eq!(
            error("--mock --grounding loose"),
            "--grounding must be flag or strict"
        );
        assert_eq!(
            error("--mock --verbose"),
            "unknown argument --verbose (see --help)"
        );
        assert!(error("--base-url u --api-key sk-x").contains("OPENAI_API_KEY only"));
        assert_eq!(
            error("--base-url u sk-secret"),
            "unexpected value without a flag (see --help)"
        );
    }

    #[test]
    fn help_wins() {
        assert_eq!(parse_line("--mock --help"), Ok(Command::Help));
    }
}
