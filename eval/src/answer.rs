//! Reading a process-persona answer: the persona, what it cost, and its grounding when the
//! answer carries one.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The code given to an answer that is not the envelope the API promises.
pub const UNREADABLE: &str = "UNREADABLE_ANSWER";

/// What one process-persona call answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A 200 with a persona: the pipeline validated it, so it passes the domain's rules.
    Persona {
        persona: Value,
        usage: Option<Usage>,
        /// `None` when the answer has no `grounding` (no figures, not zeros).
        grounding: Option<GroundingCounts>,
    },
    /// Any other answer, by its error code (or [`UNREADABLE`]).
    Error { code: String },
}

/// `data.usage` of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub attempts: u64,
    #[serde(default)]
    pub cached: bool,
}

/// `data.grounding.counts` of an answer: how many values were quoted, stated or inferred, and how
/// many quotes could not be found in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GroundingCounts {
    pub quoted: u64,
    pub stated: u64,
    pub inferred: u64,
    pub fabricated_quotes: u64,
}

impl Answer {
    /// Reads an answer from its status and body.
    pub fn read(status: u16, body: &[u8]) -> Self {
        let Ok(envelope) = serde_json::from_slice::<Value>(body) else {
            return unreadable();
        };
        if status != 200 || envelope["success"] != Value::Bool(true) {
            return match envelope["error"]["code"].as_str() {
                Some(code) => Answer::Error {
                    code: code.to_owned(),
                },
                None => unreadable(),
            };
        }
        let data = &envelope["data"];
        let persona = &data["persona"];
        if !persona.is_object() {
            return unreadable();
        }
        Answer::Persona {
            persona: persona.clone(),
            usage: Usage::deserialize(&data["usage"]).ok(),
            grounding: GroundingCounts::deserialize(&data["grounding"]["counts"]).ok(),
        }
    }

    /// `"ok"`, or the error code.
    pub fn outcome(&self) -> &str {
        match self {
            Answer::Persona { .. } => "ok",
            Answer::Error { code } => code,
        }
    }
}

fn unreadable() -> Answer {
    Answer::Error {
        code: UNREADABLE.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(status: u16, body: &Value) -> Answer {
        Answer::read(status, body.to_string().as_bytes())
    }

    fn usage() -> Value {
        json!({"model": "m", "prompt_tokens": 900, "completion_tokens": 120, "attempts": 2, "cached": false})
    }

    #[test]
    fn a_success_gives_the_persona_usage_and_grounding_counts() {
        let answer = read(
            200,
            &json!({"success": true, "data": {
                "persona": {"name": "Ana Ruiz"}, "warnings": [], "usage": usage(),
                "grounding": {"mode": "flag", "fields": {"/name": {"status": "quoted"}},
                              "counts": {"quoted": 2, "stated": 1, "inferred": 1, "fabricated_quotes": 0}}}}),
        );
        let Answer::Persona {
            persona,
            usage,
            grounding,
        } = answer
        else {
            panic!("a persona answer, got {answer:?}");
        };
        assert_eq!(persona["name"], "Ana Ruiz");
        assert_eq!(
            usage.map(|u| (u.prompt_tokens, u.completion_tokens, u.attempts)),
            Some((900, 120, 2))
        );
        assert_eq!(
            grounding,
            Some(GroundingCounts {
                quoted: 2,
                stated: 1,
                inferred: 1,
                fabricated_quotes: 0
            })
        );
    }

    #[test]
    fn a_success_without_grounding_has_no_counts_rather_than_zeros() {
        let answer = read(
            200,
            &json!({"success": true, "data": {"persona": {}, "warnings": [], "usage": usage()}}),
        );
        assert!(matches!(
            answer,
            Answer::Persona {
                grounding: None,
                ..
            }
        ));
    }

    #[test]
    fn an_error_answer_gives_its_code() {
        let answer = read(
            422,
            &json!({"success": false, "error": {"code": "EXTRACTION_FAILED", "message": "m"}}),
        );
        assert_eq!(answer.outcome(), "EXTRACTION_FAILED");
    }

    #[test]
    fn a_body_that_is_not_the_envelope_is_unreadable() {
        assert_eq!(Answer::read(200, b"<html>").outcome(), UNREADABLE);
        assert_eq!(
            read(200, &json!({"success": true, "data": {}})).outcome(),
            UNREADABLE
        );
        assert_eq!(read(502, &json!({"oops": 1})).outcome(), UNREADABLE);
    }
}
