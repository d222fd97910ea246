use super::*;
use crate::answer::GroundingCounts;
use crate::figures::{GroundingFigures, UsageFigures, aggregate};
use crate::labels::Field;

/// A baseline-like set of figures: 20 cases, every field at 0.8 precision and 0.6 recall,
/// grounding and usage reported.
fn baseline() -> Figures {
    let mut figures = aggregate(&[]);
    figures.cases = 20;
    figures.valid = 19;
    figures.schema_valid_rate = Some(0.95);
    for field in figures.fields.values_mut() {
        field.precision = Some(0.8);
        field.recall = Some(0.6);
    }
    figures.all_fields.precision = Some(0.8);
    figures.all_fields.recall = Some(0.6);
    figures.grounding = Some(GroundingFigures {
        answers: 19,
        counts: GroundingCounts {
            quoted: 60,
            stated: 20,
            inferred: 20,
            fabricated_quotes: 1,
        },
        quoted_share: Some(0.6),
        stated_share: Some(0.2),
        inferred_share: Some(0.2),
        fabricated_quotes_per_persona: Some(1.0 / 19.0),
    });
    figures.usage = Some(UsageFigures {
        answers: 19,
        mean_attempts: Some(1.1),
        mean_prompt_tokens: Some(900.0),
        mean_completion_tokens: Some(200.0),
        cached: 0,
    });
    figures
}

fn names(changes: &[&Change]) -> Vec<String> {
    changes.iter().map(|c| c.figure.clone()).collect()
}

fn field(figures: &mut Figures, f: Field) -> &mut crate::figures::FieldFigures {
    figures.fields.get_mut(&f).expect("every field is listed")
}

#[test]
fn the_same_figures_show_no_change() {
    assert_eq!(compare(&baseline(), &baseline()), vec![]);
}

#[test]
fn a_lower_recall_and_a_higher_inferred_share_are_regressions_named_by_figure() {
    let mut current = baseline();
    field(&mut current, Field::Skills).recall = Some(0.5);
    current.schema_valid_rate = Some(0.9);
    if let Some(g) = current.grounding.as_mut() {
        g.inferred_share = Some(0.3);
        g.counts.fabricated_quotes = 2;
    }
    let changes = compare(&baseline(), &current);
    assert_eq!(
        names(&regressions(&changes)),
        [
            "schema_valid_rate",
            "recall.skills",
            "grounding.inferred_share",
            "grounding.fabricated_quotes"
        ]
    );
    assert_eq!(
        changes[1].to_string(),
        "recall.skills: 0.6000 -> 0.5000",
        "{changes:?}"
    );
}

#[test]
fn improvements_are_reported_but_not_flagged() {
    let mut current = baseline();
    field(&mut current, Field::Name).precision = Some(0.9);
    current.all_fields.recall = Some(0.7);
    if let Some(g) = current.grounding.as_mut() {
        g.quoted_share = Some(0.7);
        g.inferred_share = Some(0.1);
    }
    if let Some(u) = current.usage.as_mut() {
        u.mean_attempts = Some(1.0);
    }
    let changes = compare(&baseline(), &current);
    assert_eq!(changes.len(), 5, "{changes:?}");
    assert!(
        changes.iter().all(|c| c.verdict == Verdict::Better),
        "{changes:?}"
    );
}

#[test]
fn token_means_and_the_stated_share_never_fail_a_check() {
    let mut current = baseline();
    if let Some(u) = current.usage.as_mut() {
        u.mean_prompt_tokens = Some(1500.0);
    }
    if let Some(g) = current.grounding.as_mut() {
        g.stated_share = Some(0.1);
    }
    let changes = compare(&baseline(), &current);
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|c| c.verdict == Verdict::Changed));
}

#[test]
fn a_figure_that_became_n_a_is_a_regression_and_one_that_appeared_is_not() {
    let mut current = baseline();
    current.grounding = None;
    field(&mut current, Field::Goals).precision = None;
    let changes = compare(&baseline(), &current);
    let worse = names(&regressions(&changes));
    assert!(worse.contains(&"precision.goals".to_owned()), "{worse:?}");
    assert!(worse.contains(&"grounding.quoted_share".to_owned()));
    // stated share disappears too, but it never fails a check.
    assert!(!worse.contains(&"grounding.stated_share".to_owned()));

    let back = compare(&current, &baseline());
    assert!(regressions(&back).is_empty(), "{back:?}");
}

#[test]
fn a_different_case_count_fails_because_the_corpus_changed() {
    let mut current = baseline();
    current.cases = 21;
    let changes = compare(&baseline(), &current);
    assert_eq!(names(&regressions(&changes)), ["cases"]);
}

#[test]
fn rounding_noise_is_no_change() {
    let mut current = baseline();
    field(&mut current, Field::Age).recall = Some(0.6 + 1e-12);
    assert!(compare(&baseline(), &current).is_empty());
}
