//! The evaluation over the shipped corpus, through the real pipeline: the mock's figures must
//! equal the committed baseline, so a change in the mock, the rules, the corpus or the scoring
//! shows up here (refresh with `persona-eval --mock --write-baseline eval/baseline-mock.json`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use persona_eval::check::compare;
use persona_eval::corpus::{self, Case};
use persona_eval::figures::Figures;
use persona_eval::labels::SCORED;
use persona_eval::read_baseline;
use persona_eval::run::{Settings, Target, evaluate};
use persona_eval::table::Report;

fn here(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn cases() -> Vec<Case> {
    corpus::load(&here("corpus")).expect("the shipped corpus reads")
}

fn mock(concurrency: usize) -> Settings {
    Settings {
        target: Target::Mock,
        grounding: None,
        concurrency,
    }
}

/// Every count behind the rates: equal counts and equal rates mean equal figures.
fn counts(f: &Figures) -> Vec<String> {
    let mut counts = vec![format!(
        "cases {} valid {} errors {:?}",
        f.cases, f.valid, f.errors
    )];
    counts.extend(SCORED.into_iter().map(|field| {
        let ff = f.fields[&field];
        format!("{field}: labelled {} {:?}", ff.labelled, ff.tally)
    }));
    counts
}

async fn run(settings: &Settings, cases: &[Case], env: &[(&str, &str)]) -> Report {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    evaluate(settings, cases, |name| {
        env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
    .await
    .expect("the pipeline builds")
}

#[tokio::test]
async fn the_mock_over_the_shipped_corpus_gives_the_committed_baseline() {
    let cases = cases();
    assert!(cases.len() >= 20, "the corpus holds {} cases", cases.len());
    let report = run(&mock(1), &cases, &[]).await;
    let baseline = read_baseline(&here("baseline-mock.json")).expect("baseline");
    let changes = compare(&baseline, &report.figures);
    assert!(
        changes.is_empty(),
        "the mock's figures moved; if that is intended, refresh eval/baseline-mock.json:\n{}",
        changes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(counts(&baseline), counts(&report.figures));
    // The mock calls no model and never fails.
    assert_eq!(report.figures.schema_valid_rate, Some(1.0));
    assert_eq!(report.target, "mock extractor");
}

#[tokio::test]
async fn concurrency_changes_nothing_but_the_timing() {
    let cases = cases();
    let one = run(&mock(1), &cases, &[]).await;
    let four = run(&mock(4), &cases, &[]).await;
    assert!(compare(&one.figures, &four.figures).is_empty());
    assert_eq!(counts(&one.figures), counts(&four.figures));
    let order = |r: &Report| -> Vec<String> { r.cases.iter().map(|c| c.case.clone()).collect() };
    assert_eq!(order(&one), order(&four));
}

#[tokio::test]
async fn an_unreachable_endpoint_is_counted_as_errors_with_no_usage_figures() {
    let cases: Vec<Case> = cases().into_iter().take(2).collect();
    let settings = Settings {
        target: Target::Endpoint {
            // Port 9 (discard) is closed on any test machine: the connection is refused.
            base_url: "http://127.0.0.1:9/v1".into(),
            model: Some("unreachable-model".into()),
        },
        grounding: None,
        concurrency: 1,
    };
    let report = run(&settings, &cases, &[("OPENAI_MAX_RETRIES", "0")]).await;
    let f = &report.figures;
    assert_eq!((f.cases, f.valid, f.schema_valid_rate), (2, 0, Some(0.0)));
    assert_eq!(f.errors.values().sum::<u64>(), 2, "{:?}", f.errors);
    assert!(
        f.errors.keys().all(|code| code.starts_with("UPSTREAM_")),
        "{:?}",
        f.errors
    );
    assert_eq!((f.usage, f.grounding), (None, None));
    assert_eq!(f.all_fields.precision, None);
    assert_eq!(f.all_fields.recall, Some(0.0));
    assert_eq!(report.target, "model unreachable-model");
}

/// llmock (an OpenAI simulator) at `LLMOCK_URL`, as `.ci/start-llmock` starts it: an answer from
/// a real OpenAI-compatible server is read and tabled like the mock's, with its token usage.
/// Says "skipping" and passes when llmock is not running, unless `REQUIRE_LLMOCK=1`.
#[tokio::test]
async fn an_openai_compatible_server_is_evaluated_through_the_same_table() {
    let url = std::env::var("LLMOCK_URL").unwrap_or_else(|_| "http://127.0.0.1:18087".to_owned());
    let cases: Vec<Case> = cases().into_iter().take(3).collect();
    let model = format!("persona-eval-{}", std::process::id());
    let settings = Settings {
        target: Target::Endpoint {
            base_url: format!("{}/v1", url.trim_end_matches('/')),
            model: Some(model.clone()),
        },
        grounding: None,
        concurrency: 3,
    };
    let report = run(
        &settings,
        &cases,
        &[("OPENAI_API_KEY", "sk-llmock"), ("OPENAI_MAX_RETRIES", "0")],
    )
    .await;
    let f = &report.figures;
    let unreachable = f.errors.get("UPSTREAM_UNAVAILABLE") == Some(&f.cases);
    if unreachable && std::env::var("REQUIRE_LLMOCK").as_deref() != Ok("1") {
        // Past the harness's capture, so a passing run still shows that this test checked nothing.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED an_openai_compatible_server_is_evaluated_through_the_same_table: llmock is \
             not running at {url} (start it with .ci/start-llmock)"
        );
        return;
    }
    assert_eq!(f.valid, 3, "errors: {:?}", f.errors);
    assert_eq!(report.target, format!("model {model}"));
    let usage = f.usage.expect("usage figures");
    assert!(
        usage.mean_prompt_tokens.is_some_and(|t| t > 0.0),
        "{usage:?}"
    );
    assert_eq!(usage.mean_attempts, Some(1.0));
    let table = report.to_markdown();
    assert!(table.contains(&format!("### persona-eval: model {model}, 3 cases")));
    assert!(table.contains("| 01-first-person-baker | ok |"), "{table}");
}
