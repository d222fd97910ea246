//! Judging a completion: a draft, a refusal, an answer cut off at the token budget, or an answer
//! that is not a draft, with what is wrong with it in words that quote nothing of the material.

use jsonschema::Validator;
use persona_domain::PersonaDraft;
use serde_json::Value;

use crate::wire::ChatResponse;

/// Validation problems reported back to the model, at most: enough for every field of the draft.
const MAX_PROBLEMS: usize = 20;

/// What a completion amounts to.
#[derive(Debug)]
pub(crate) enum Verdict {
    Draft(Box<PersonaDraft>),
    /// The model declined; `words` is its refusal, or the finish reason, for the logs.
    Refused {
        words: String,
    },
    /// `finish_reason: length`: the JSON is cut off.
    CutOff,
    /// Not a draft. `answer` is what the model said; `problems` are paths and messages, with
    /// every value of the answer masked.
    Invalid {
        answer: String,
        problems: Vec<String>,
    },
}

/// Judges the first choice of `response` against the draft schema.
pub(crate) fn judge(response: &ChatResponse, schema: &Validator) -> Verdict {
    let Some(choice) = response.choices.first() else {
        return invalid(String::new(), "the completion has no choices");
    };
    if let Some(refusal) = choice.message.refusal.as_deref().filter(|r| !r.is_empty()) {
        return Verdict::Refused {
            words: refusal.to_owned(),
        };
    }
    match choice.finish_reason.as_deref() {
        Some("content_filter") => {
            return Verdict::Refused {
                words: "finish_reason content_filter".to_owned(),
            };
        }
        Some("length") => return Verdict::CutOff,
        _ => {}
    }
    let answer = choice.message.content.clone().unwrap_or_default();
    if answer.trim().is_empty() {
        return invalid(answer, "the answer is empty");
    }
    let value = match serde_json::from_str::<Value>(&answer) {
        Ok(value) => value,
        // serde_json's messages name a position ("expected value at line 1 column 1"), not text.
        Err(e) => {
            let problem = format!("the answer is not JSON: {e}");
            return invalid(answer, &problem);
        }
    };
    let problems: Vec<String> = schema
        .iter_errors(&value)
        .take(MAX_PROBLEMS)
        .map(|e| {
            let path = e.instance_path().to_string();
            let path = if path.is_empty() { "/" } else { &path };
            format!("{path}: {}", e.masked())
        })
        .collect();
    if !problems.is_empty() {
        return Verdict::Invalid { answer, problems };
    }
    match serde_json::from_value::<PersonaDraft>(value) {
        Ok(draft) => Verdict::Draft(Box::new(draft)),
        Err(_) => invalid(answer, "the answer does not read as a persona draft"),
    }
}

/// The user message that asks the model to correct its previous answer.
pub(crate) fn correction_request(problems: &[String]) -> String {
    let mut message =
        String::from("Your previous answer does not follow the JSON schema you were given:\n");
    for problem in problems {
        message.push_str("- ");
        message.push_str(problem);
        message.push('\n');
    }
    message.push_str(
        "Answer again with one JSON object, and nothing else, that follows the schema exactly.",
    );
    message
}

fn invalid(answer: String, problem: &str) -> Verdict {
    Verdict::Invalid {
        answer,
        problems: vec![problem.to_owned()],
    }
}

/// The user message that asks again after an answer was stopped for running away (`reason`
/// names fields and counts, never text).
pub(crate) fn runaway_request(reason: &str) -> String {
    format!(
        "Your previous answer was stopped because {reason}. Answer again with one complete JSON \
         object that follows the schema: keep every string short, give each item once, and do \
         not repeat yourself."
    )
}
