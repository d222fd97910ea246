//! The report of a run, and its Markdown rendering: overall figures, one row per field, one row
//! per case.

use std::fmt::Write;

use serde::Serialize;

use crate::figures::{CaseResult, Figures, Latency, aggregate, latency};
use crate::labels::SCORED;
use crate::score::Tally;

/// Everything a run found: what `--json` writes.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What was evaluated: `mock extractor`, or `model NAME`.
    pub target: String,
    /// The `--grounding` mode asked for, if any.
    pub grounding_requested: Option<String>,
    pub figures: Figures,
    pub latency: Option<Latency>,
    pub cases: Vec<CaseLine>,
}

/// One case's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct CaseLine {
    pub case: String,
    /// `ok`, or the error code.
    pub outcome: String,
    #[serde(flatten)]
    pub tally: Tally,
    pub latency_ms: f64,
}

impl Report {
    pub fn new(
        target: String,
        grounding_requested: Option<String>,
        results: &[CaseResult],
    ) -> Self {
        let cases = results
            .iter()
            .map(|r| {
                let mut tally = Tally::default();
                for t in r.tallies.values() {
                    tally += *t;
                }
                CaseLine {
                    case: r.case.clone(),
                    outcome: r.answer.outcome().to_owned(),
                    tally,
                    latency_ms: r.latency.as_secs_f64() * 1000.0,
                }
            })
            .collect();
        Self {
            target,
            grounding_requested,
            figures: aggregate(results),
            latency: latency(results),
            cases,
        }
    }

    /// The report as Markdown: a table of overall figures, a table per field, a table per case.
    pub fn to_markdown(&self) -> String {
        let f = &self.figures;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "### persona-eval: {}, {} cases\n",
            self.target, f.cases
        );
        out.push_str("| figure | value |\n|---|---|\n");
        let mut row = |name: &str, value: String| {
            let _ = writeln!(out, "| {name} | {value} |");
        };
        row("cases", f.cases.to_string());
        row(
            "schema-valid rate",
            format!(
                "{} ({} of {})",
                percent(f.schema_valid_rate),
                f.valid,
                f.cases
            ),
        );
        row("errors", errors(f));
        let all = &f.all_fields;
        row(
            "precision, all fields",
            format!(
                "{} (TP {}, FP {})",
                decimal(all.precision),
                all.tally.tp,
                all.tally.fp
            ),
        );
        row(
            "recall, all fields",
            format!(
                "{} (TP {}, FN {})",
                decimal(all.recall),
                all.tally.tp,
                all.tally.fn_
            ),
        );
        let (shares, fabricated) = grounding(f, self.grounding_requested.as_deref());
        row("quoted / stated / inferred", shares);
        row("fabricated quotes", fabricated);
        let usage = f.usage.as_ref();
        row(
            "attempts per persona",
            decimal(usage.and_then(|u| u.mean_attempts)),
        );
        row(
            "prompt / completion tokens per persona",
            format!(
                "{} / {}",
                whole(usage.and_then(|u| u.mean_prompt_tokens)),
                whole(usage.and_then(|u| u.mean_completion_tokens))
            ),
        );
        row(
            "latency p50 / max",
            self.latency.map_or_else(
                || "n/a".to_owned(),
                |l| format!("{:.1} ms / {:.1} ms", l.p50_ms, l.max_ms),
            ),
        );

        out.push_str("\n| field | cases labelled | TP | FP | FN | precision | recall |\n");
        out.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
        let fields = SCORED
            .into_iter()
            .filter_map(|field| Some((field.name(), f.fields.get(&field)?)))
            .chain([("all fields", &f.all_fields)]);
        for (name, field) in fields {
            let t = field.tally;
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | {} | {} | {} |",
                field.labelled,
                t.tp,
                t.fp,
                t.fn_,
                decimal(field.precision),
                decimal(field.recall)
            );
        }

        out.push_str("\n| case | outcome | TP | FP | FN | ms |\n");
        out.push_str("|---|---|---:|---:|---:|---:|\n");
        for case in &self.cases {
            let t = case.tally;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {:.1} |",
                case.case, case.outcome, t.tp, t.fp, t.fn_, case.latency_ms
            );
        }
        out
    }
}

fn errors(f: &Figures) -> String {
    if f.errors.is_empty() {
        return "none".to_owned();
    }
    f.errors
        .iter()
        .map(|(code, n)| format!("{code} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The grounding rows: shares, then fabricated quotes.
fn grounding(f: &Figures, requested: Option<&str>) -> (String, String) {
    let Some(g) = &f.grounding else {
        let why = match requested {
            Some(mode) => format!("n/a (asked for {mode}; no answer carries grounding)"),
            None => "n/a (no answer carries grounding)".to_owned(),
        };
        return (why, "n/a".to_owned());
    };
    let c = g.counts;
    (
        format!(
            "{} / {} / {} ({} / {} / {} values in {} answers)",
            percent(g.quoted_share),
            percent(g.stated_share),
            percent(g.inferred_share),
            c.quoted,
            c.stated,
            c.inferred,
            g.answers
        ),
        format!(
            "{} ({} per persona)",
            c.fabricated_quotes,
            decimal(g.fabricated_quotes_per_persona)
        ),
    )
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

fn decimal(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.3}"))
}

fn whole(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.0}"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::answer::Answer;
    use crate::labels::Labels;
    use crate::score::score;

    fn result(body: &serde_json::Value) -> CaseResult {
        let labels = Labels::from_json(
            &json!({"name": "Ana Ruiz", "age": null, "occupation": null, "location": null}),
        )
        .expect("labels");
        let answer = Answer::read(200, body.to_string().as_bytes());
        let persona = match &answer {
            Answer::Persona { persona, .. } => Some(persona.clone()),
            Answer::Error { .. } => None,
        };
        CaseResult {
            case: "01-a".into(),
            tallies: score(&labels, persona.as_ref()),
            answer,
            latency: Duration::from_millis(12),
        }
    }

    #[test]
    fn missing_grounding_and_usage_show_n_a_never_zero() {
        let body = json!({"success": true, "data": {"persona": {"name": "Ana Ruiz"}}});
        let report = Report::new("model m".into(), Some("strict".into()), &[result(&body)]);
        let table = report.to_markdown();
        assert!(
            table.contains(
                "| quoted / stated / inferred | n/a (asked for strict; no answer carries grounding) |"
            ),
            "{table}"
        );
        assert!(table.contains("| fabricated quotes | n/a |"), "{table}");
        assert!(table.contains("| attempts per persona | n/a |"), "{table}");
        assert!(
            table.contains("| goals | 0 | 0 | 0 | 0 | n/a | n/a |"),
            "{table}"
        );
        assert!(
            table.contains("| name | 1 | 1 | 0 | 0 | 1.000 | 1.000 |"),
            "{table}"
        );
        assert!(
            table.contains("| 01-a | ok | 1 | 0 | 0 | 12.0 |"),
            "{table}"
        );
    }

    #[test]
    fn grounding_figures_are_shown_as_shares_with_their_counts() {
        let body = json!({"success": true, "data": {
            "persona": {"name": "Ana Ruiz"},
            "usage": {"model": "m", "prompt_tokens": 812, "completion_tokens": 95, "attempts": 1},
            "grounding": {"mode": "flag", "fields": {},
                          "counts": {"quoted": 2, "stated": 1, "inferred": 1, "fabricated_quotes": 1}}}});
        let table = Report::new("model m".into(), None, &[result(&body)]).to_markdown();
        assert!(
            table.contains(
                "| quoted / stated / inferred | 50.0% / 25.0% / 25.0% (2 / 1 / 1 values in 1 answers) |"
            ),
            "{table}"
        );
        assert!(table.contains("| fabricated quotes | 1 (1.000 per persona) |"));
        assert!(table.contains("| prompt / completion tokens per persona | 812 / 95 |"));
    }
}
