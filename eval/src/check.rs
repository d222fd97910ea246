//! Comparing a run's figures with a baseline: which figures changed, and which got worse.
//!
//! Worse means: the case count differs (the corpus changed, so nothing is comparable); the
//! schema-valid rate, a precision, a recall or the quoted share is lower; the inferred share,
//! fabricated quotes (in total or per persona) or mean attempts are higher; or a figure the
//! baseline had is now `n/a`. The stated share and token means are reported when they change
//! but never fail a check (a new prompt may rightly cost more tokens). Latency is not compared:
//! it is not deterministic.

use std::fmt;

use crate::figures::Figures;
use crate::labels::SCORED;

/// Differences smaller than this are rounding, not change.
const EPSILON: f64 = 1e-9;

/// Which way a figure improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Better {
    Higher,
    Lower,
    /// Reported when it changes, never a regression.
    Neither,
    /// Any change is a regression.
    Unchanged,
}

/// A figure that differs from the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The figure's name, as in the baseline file (`recall.skills`, `grounding.inferred_share`).
    pub figure: String,
    pub before: Option<f64>,
    pub after: Option<f64>,
    pub verdict: Verdict,
}

/// Whether a change is for the better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Worse,
    Better,
    /// A figure with no better direction (token means, the stated share).
    Changed,
}

impl Change {
    pub fn is_worse(&self) -> bool {
        self.verdict == Verdict::Worse
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.4}"));
        write!(
            f,
            "{}: {} -> {}",
            self.figure,
            show(self.before),
            show(self.after)
        )
    }
}

/// Every figure that differs between `baseline` and `current`, in table order.
pub fn compare(baseline: &Figures, current: &Figures) -> Vec<Change> {
    comparable(baseline)
        .into_iter()
        .zip(comparable(current))
        .filter_map(|((figure, before, better), (_, after, _))| {
            let verdict = match (before, after, better) {
                (Some(b), Some(a), _) if (a - b).abs() <= EPSILON => return None,
                (None, None, _) => return None,
                (_, _, Better::Neither) => Verdict::Changed,
                (_, _, Better::Unchanged) => Verdict::Worse,
                (Some(b), Some(a), Better::Higher) if a < b => Verdict::Worse,
                (Some(b), Some(a), Better::Lower) if a > b => Verdict::Worse,
                (Some(_), Some(_), _) => Verdict::Better,
                // A figure the baseline had is gone; one it lacked has appeared.
                (Some(_), None, _) => Verdict::Worse,
                (None, Some(_), _) => Verdict::Better,
            };
            Some(Change {
                figure,
                before,
                after,
                verdict,
            })
        })
        .collect()
}

/// The changes that are regressions.
pub fn regressions(changes: &[Change]) -> Vec<&Change> {
    changes.iter().filter(|c| c.is_worse()).collect()
}

/// Every compared figure of `figures`, by name, with the way it improves. Both sides of a
/// comparison list the same names in the same order.
#[allow(clippy::cast_precision_loss)] // counts stay far below 2^52
fn comparable(figures: &Figures) -> Vec<(String, Option<f64>, Better)> {
    let mut list = vec![
        (
            "cases".to_owned(),
            Some(figures.cases as f64),
            Better::Unchanged,
        ),
        (
            "schema_valid_rate".to_owned(),
            figures.schema_valid_rate,
            Better::Higher,
        ),
    ];
    let fields = SCORED
        .into_iter()
        .map(|f| (f.name(), figures.fields.get(&f).copied()))
        .chain([("all_fields", Some(figures.all_fields))]);
    for (name, field) in fields {
        let field = field.as_ref();
        list.push((
            format!("precision.{name}"),
            field.and_then(|f| f.precision),
            Better::Higher,
        ));
        list.push((
            format!("recall.{name}"),
            field.and_then(|f| f.recall),
            Better::Higher,
        ));
    }
    let g = figures.grounding.as_ref();
    list.extend([
        (
            "grounding.quoted_share".to_owned(),
            g.and_then(|g| g.quoted_share),
            Better::Higher,
        ),
        (
            "grounding.stated_share".to_owned(),
            g.and_then(|g| g.stated_share),
            Better::Neither,
        ),
        (
            "grounding.inferred_share".to_owned(),
            g.and_then(|g| g.inferred_share),
            Better::Lower,
        ),
        (
            "grounding.fabricated_quotes".to_owned(),
            g.map(|g| g.counts.fabricated_quotes as f64),
            Better::Lower,
        ),
        (
            "grounding.fabricated_quotes_per_persona".to_owned(),
            g.and_then(|g| g.fabricated_quotes_per_persona),
            Better::Lower,
        ),
    ]);
    let u = figures.usage.as_ref();
    list.extend([
        (
            "usage.mean_attempts".to_owned(),
            u.and_then(|u| u.mean_attempts),
            Better::Lower,
        ),
        (
            "usage.mean_prompt_tokens".to_owned(),
            u.and_then(|u| u.mean_prompt_tokens),
            Better::Neither,
        ),
        (
            "usage.mean_completion_tokens".to_owned(),
            u.and_then(|u| u.mean_completion_tokens),
            Better::Neither,
        ),
    ]);
    list
}

#[cfg(test)]
mod tests;
