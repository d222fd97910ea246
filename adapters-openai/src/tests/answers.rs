//! What the model says: refusals, cut-off answers, answers that are not drafts, and models
//! without structured outputs.

use persona_ports::{ExtractError, PersonaExtractor, Usage};
use wiremock::matchers::body_partial_json;

use super::*;

fn refusal(words: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(completion_body(None, Some(words), "stop", (80, 5)))
}

fn cut_off() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(completion_body(
        Some(r#"{"name":"Maya Pa"#),
        None,
        "length",
        (100, 2000),
    ))
}

#[tokio::test]
async fn a_refusal_is_refused() {
    let fake = Fake::start().await;
    fake.always(refusal("I'm sorry, I can't help with that."))
        .await;

    let failure = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect_err("refused");

    assert_eq!(failure.error, ExtractError::Refused);
    assert_eq!(failure.usage.expect("usage").completion_tokens, 5);
    assert_eq!(fake.requests().await.len(), 1);
}

#[tokio::test]
async fn a_content_filter_stop_is_refused() {
    let fake = Fake::start().await;
    fake.always(ResponseTemplate::new(200).set_body_json(completion_body(
        None,
        None,
        "content_filter",
        (80, 0),
    )))
    .await;

    let failure = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect_err("refused");

    assert_eq!(failure.error, ExtractError::Refused);
    assert_eq!(fake.requests().await.len(), 1);
}

#[tokio::test]
async fn a_cut_off_answer_is_asked_again_with_twice_the_budget() {
    let fake = Fake::start().await;
    fake.then(cut_off()).await;
    fake.then(good_answer()).await;

    let extraction = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    let bodies = fake.bodies().await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["max_tokens"], budget());
    assert_eq!(bodies[1]["max_tokens"], 2 * budget());
    assert_eq!(
        bodies[1]["messages"], bodies[0]["messages"],
        "the same conversation"
    );
    assert_eq!(extraction.usage.completion_tokens, 2000 + 20);
}

#[tokio::test]
async fn the_raised_budget_stays_within_the_context() {
    let fake = Fake::start().await;
    fake.then(cut_off()).await;
    fake.then(good_answer()).await;

    fake.extractor(|s| s.context_tokens = 3000)
        .extract(&bundle())
        .await
        .expect("extracted");

    let raised = fake.bodies().await[1]["max_tokens"]
        .as_u64()
        .expect("a number");
    assert!(
        raised > u64::from(budget()) && raised < 2 * u64::from(budget()),
        "raised to {raised}: more than the budget, less than twice, so the prompt still fits"
    );
}

#[tokio::test]
async fn the_budget_is_capped_by_max_tokens() {
    let fake = Fake::start().await;
    fake.then(good_answer()).await;

    fake.extractor(|s| s.max_tokens = 700)
        .extract(&bundle())
        .await
        .expect("extracted");

    assert_eq!(fake.bodies().await[0]["max_tokens"], 700);
}

#[tokio::test]
async fn an_answer_cut_off_twice_is_invalid_output() {
    let fake = Fake::start().await;
    fake.always(cut_off()).await;

    let failure = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect_err("invalid");

    assert!(
        matches!(failure.error, ExtractError::InvalidOutput { .. }),
        "{:?}",
        failure.error
    );
    assert_eq!(fake.requests().await.len(), 2);
    assert_eq!(failure.usage.expect("usage").attempts, 2);
}

#[tokio::test]
async fn an_invalid_answer_is_corrected_once_with_the_problems() {
    let malformed = r#"{"name": 42, "age": "thirty"}"#;
    let fake = Fake::start().await;
    fake.then(answer_costing(malformed, (100, 10))).await;
    fake.then(answer_costing(&draft_json(), (180, 30))).await;

    let extraction = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    assert_eq!(extraction.draft, draft());
    assert_eq!(
        extraction.usage,
        Usage {
            model: "gpt-4o-mini-2024-07-18".into(),
            prompt_tokens: 280,
            completion_tokens: 40,
            attempts: 2,
        }
    );
    let bodies = fake.bodies().await;
    assert_eq!(bodies.len(), 2);
    let messages = bodies[1]["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 4);
    assert_eq!(
        messages[..2],
        bodies[0]["messages"].as_array().expect("messages")[..]
    );
    assert_eq!(
        messages[2],
        json!({ "role": "assistant", "content": malformed })
    );
    assert_eq!(messages[3]["role"], "user");
    let correction = messages[3]["content"].as_str().expect("text");
    assert!(correction.contains("/name"), "{correction}");
    assert!(correction.contains("/age"), "{correction}");
    assert!(
        correction.contains("required"),
        "missing fields are named: {correction}"
    );
    assert!(
        !correction.contains("thirty"),
        "values are masked: {correction}"
    );
    assert!(!correction.contains("Maya"), "no material: {correction}");
}

#[tokio::test]
async fn text_that_is_not_json_is_corrected_too() {
    let fake = Fake::start().await;
    fake.then(answer("Sure! Here is the persona: Maya.")).await;
    fake.then(good_answer()).await;

    fake.extractor(|_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    let bodies = fake.bodies().await;
    let correction = bodies[1]["messages"][3]["content"].as_str().expect("text");
    assert!(correction.contains("not JSON"), "{correction}");
}

#[tokio::test]
async fn an_answer_invalid_twice_is_invalid_output_with_the_usage_summed() {
    let fake = Fake::start().await;
    fake.always(answer_costing(r#"{"name": "Maya"}"#, (100, 10)))
        .await;

    let failure = fake
        .extractor(|_| {})
        .extract(&bundle())
        .await
        .expect_err("invalid");

    let ExtractError::InvalidOutput { reason } = &failure.error else {
        panic!("expected InvalidOutput, got {:?}", failure.error);
    };
    assert!(reason.contains("required"), "{reason}");
    assert!(!reason.contains("Maya"), "{reason}");
    let usage = failure.usage.expect("usage");
    assert_eq!(
        (usage.prompt_tokens, usage.completion_tokens, usage.attempts),
        (200, 20, 2)
    );
    assert_eq!(fake.requests().await.len(), 2);
}

#[tokio::test]
async fn a_model_without_structured_outputs_falls_back_to_json_mode_for_good() {
    let fake = Fake::start().await;
    Mock::given(body_partial_json(json!({ "response_format": { "type": "json_schema" } })))
        .respond_with(ResponseTemplate::new(400).set_body_json(error_body(
            "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
            "invalid_request_error",
            Some("response_format"),
            None,
        )))
        .mount(&fake.server)
        .await;
    Mock::given(body_partial_json(
        json!({ "response_format": { "type": "json_object" } }),
    ))
    .respond_with(good_answer())
    .mount(&fake.server)
    .await;
    let extractor = fake.extractor(|s| s.model = "gpt-4-turbo".into());

    let first = extractor.extract(&bundle()).await.expect("extracted");
    assert_eq!(first.draft, draft());
    assert_eq!(first.usage.attempts, 2);
    let second = extractor.extract(&bundle()).await.expect("extracted");
    assert_eq!(second.usage.attempts, 1, "straight to JSON mode");

    let bodies = fake.bodies().await;
    let formats: Vec<&Value> = bodies
        .iter()
        .map(|b| &b["response_format"]["type"])
        .collect();
    assert_eq!(formats, ["json_schema", "json_object", "json_object"]);
    let system = bodies[1]["messages"][0]["content"].as_str().expect("text");
    assert!(system.starts_with(persona_domain::prompt::SYSTEM_PROMPT));
    assert!(
        system.contains(r#""additionalProperties":false"#),
        "the schema is stated"
    );
}
