use serde_json::json;

use super::*;
use crate::labels::Labels;
use crate::score::score;

fn labels() -> Labels {
    Labels::from_json(&json!({
        "name": "Ana Ruiz", "age": 34, "occupation": null, "location": "Madrid",
        "skills": ["welding", "forklift driving"]
    }))
    .expect("labels")
}

/// A case answered 200 with the process-persona `data` given, read as the API's bytes.
fn answered(case: &str, data: serde_json::Value, ms: u64) -> CaseResult {
    let body = json!({"success": true, "data": data}).to_string();
    let answer = Answer::read(200, body.as_bytes());
    let persona = match &answer {
        Answer::Persona { persona, .. } => Some(persona.clone()),
        Answer::Error { .. } => None,
    };
    CaseResult {
        case: case.to_owned(),
        tallies: score(&labels(), persona.as_ref()),
        answer,
        latency: Duration::from_millis(ms),
    }
}

fn failed(case: &str, code: &str, ms: u64) -> CaseResult {
    CaseResult {
        case: case.to_owned(),
        answer: Answer::Error { code: code.into() },
        tallies: score(&labels(), None),
        latency: Duration::from_millis(ms),
    }
}

fn usage(attempts: u64, prompt: u64, completion: u64) -> serde_json::Value {
    json!({"model": "m", "prompt_tokens": prompt, "completion_tokens": completion,
           "attempts": attempts, "cached": false})
}

fn grounded(quoted: u64, stated: u64, inferred: u64, fabricated: u64) -> serde_json::Value {
    json!({"mode": "flag", "fields": {},
           "counts": {"quoted": quoted, "stated": stated, "inferred": inferred,
                      "fabricated_quotes": fabricated}})
}

#[test]
fn grounding_counts_are_summed_into_shares_and_fabrications_per_persona() {
    let results = [
        answered(
            "a",
            json!({"persona": {"name": "Ana Ruiz"}, "warnings": [], "usage": usage(1, 800, 100),
                   "grounding": grounded(2, 1, 1, 0)}),
            10,
        ),
        answered(
            "b",
            json!({"persona": {"name": "Ana"}, "warnings": [], "usage": usage(3, 1000, 300),
                   "grounding": grounded(3, 0, 1, 2)}),
            30,
        ),
        failed("c", "EXTRACTION_FAILED", 20),
    ];
    let figures = aggregate(&results);
    assert_eq!((figures.cases, figures.valid), (3, 2));
    assert_eq!(figures.schema_valid_rate, Some(2.0 / 3.0));
    assert_eq!(
        figures.errors,
        BTreeMap::from([("EXTRACTION_FAILED".to_owned(), 1)])
    );
    let grounding = figures.grounding.expect("grounding figures");
    assert_eq!(grounding.answers, 2);
    // 5 quoted, 1 stated, 2 inferred: 8 values; 2 fabricated quotes over 2 personas.
    assert_eq!(grounding.quoted_share, Some(5.0 / 8.0));
    assert_eq!(grounding.stated_share, Some(1.0 / 8.0));
    assert_eq!(grounding.inferred_share, Some(2.0 / 8.0));
    assert_eq!(grounding.counts.fabricated_quotes, 2);
    assert_eq!(grounding.fabricated_quotes_per_persona, Some(1.0));
    let usage = figures.usage.expect("usage figures");
    assert_eq!(
        (
            usage.mean_attempts,
            usage.mean_prompt_tokens,
            usage.mean_completion_tokens
        ),
        (Some(2.0), Some(900.0), Some(200.0))
    );
}

#[test]
fn answers_without_grounding_give_no_grounding_figures_not_zeros() {
    let results = [answered(
        "a",
        json!({"persona": {"name": "Ana Ruiz"}, "warnings": [], "usage": usage(1, 0, 0)}),
        5,
    )];
    assert_eq!(aggregate(&results).grounding, None);
}

#[test]
fn per_field_counts_add_up_across_cases_errors_included() {
    let results = [
        answered(
            "a",
            json!({"persona": {"name": "Ana Ruiz", "age": 34, "location": "Madrid, Spain",
                               "skills": ["Welding", "crane operation"]},
                   "warnings": [], "usage": usage(1, 0, 0)}),
            1,
        ),
        failed("b", "UPSTREAM_TIMEOUT", 1),
    ];
    let figures = aggregate(&results);
    let skills = figures.fields[&Field::Skills];
    // Case a: welding found, crane operation extra, forklift driving missed; case b: both missed.
    assert_eq!(
        (skills.labelled, skills.tally),
        (
            2,
            Tally {
                tp: 1,
                fp: 1,
                fn_: 3
            }
        )
    );
    assert_eq!((skills.precision, skills.recall), (Some(0.5), Some(0.25)));
    // Fields no case labels are listed with no figures.
    let goals = figures.fields[&Field::Goals];
    assert_eq!(
        (goals.labelled, goals.precision, goals.recall),
        (0, None, None)
    );
    // All fields: a gets name, age, location and welding right (4), 1 extra, 1 missed;
    // b misses name, age, location and both skills (5).
    assert_eq!(
        figures.all_fields.tally,
        Tally {
            tp: 4,
            fp: 1,
            fn_: 6
        }
    );
    assert_eq!(figures.all_fields.precision, Some(0.8));
    assert_eq!(figures.all_fields.recall, Some(0.4));
}

#[test]
fn no_usage_and_no_valid_answer_give_no_usage_figures() {
    let figures = aggregate(&[failed("a", "RATE_LIMITED", 1)]);
    assert_eq!(figures.usage, None);
    assert_eq!(figures.schema_valid_rate, Some(0.0));
    assert_eq!(aggregate(&[]).schema_valid_rate, None);
}

#[test]
fn latency_is_the_nearest_rank_median_and_the_maximum() {
    let results: Vec<CaseResult> = [40, 10, 30, 20]
        .into_iter()
        .enumerate()
        .map(|(i, ms)| failed(&i.to_string(), "X", ms))
        .collect();
    let latency = latency(&results).expect("latency");
    assert_eq!((latency.p50_ms, latency.max_ms), (20.0, 40.0));
    assert_eq!(super::latency(&[]), None);
}
