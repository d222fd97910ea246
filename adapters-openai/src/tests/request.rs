//! The exact request, and a plain success.

use persona_domain::prompt::{SYSTEM_PROMPT, user_prompt};
use persona_domain::schema::{DRAFT_SCHEMA_NAME, draft_schema};
use persona_ports::PersonaExtractor;
use serde_json::json;

use super::*;

#[tokio::test]
async fn posts_the_prompts_and_the_strict_schema_to_chat_completions() {
    let fake = Fake::start().await;
    fake.then(good_answer()).await;

    fake.extractor(|_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    let requests = fake.requests().await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), ENDPOINT);
    assert_eq!(
        request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(
        request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let body: Value = request.body_json().expect("JSON");
    let expected = json!({
        "model": "gpt-4o-mini",
        "messages": [
            { "role": "system", "content": SYSTEM_PROMPT },
            { "role": "user", "content": user_prompt(&bundle()) },
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": { "name": DRAFT_SCHEMA_NAME, "strict": true, "schema": draft_schema() },
        },
        "max_tokens": budget(),
        "temperature": 0.2,
        "stream": true,
        "stream_options": { "include_usage": true },
    });
    assert_eq!(body, expected);
}

#[tokio::test]
async fn the_schema_keeps_the_persona_field_order() {
    let fake = Fake::start().await;
    fake.then(good_answer()).await;

    fake.extractor(|_| {})
        .extract(&bundle())
        .await
        .expect("extracted");

    let body = &fake.bodies().await[0];
    let sent: Vec<&String> = body["response_format"]["json_schema"]["schema"]["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .collect();
    let schema = draft_schema();
    let ours: Vec<&String> = schema["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .collect();
    assert_eq!(sent, ours);
    assert_eq!(sent.first().map(|k| k.as_str()), Some("name"));
}

#[tokio::test]
async fn sends_no_authorization_without_a_key() {
    let fake = Fake::start().await;
    fake.then(good_answer()).await;

    fake.extractor(|s| s.api_key = None)
        .extract(&bundle())
        .await
        .expect("extracted");

    let requests = fake.requests().await;
    assert!(requests[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn a_valid_answer_becomes_the_draft_with_its_usage() {
    let fake = Fake::start().await;
    fake.then(answer_costing(&draft_json(), (321, 45))).await;

    let extractor = fake.extractor(|_| {});
    let extraction = extractor.extract(&bundle()).await.expect("extracted");

    assert_eq!(extractor.name(), "openai");
    assert_eq!(extraction.draft, draft());
    assert_eq!(
        extraction.usage.model, "gpt-4o-mini-2024-07-18",
        "the model that answered"
    );
    assert_eq!(extraction.usage.prompt_tokens, 321);
    assert_eq!(extraction.usage.completion_tokens, 45);
    assert_eq!(extraction.usage.attempts, 1);
}

#[tokio::test]
async fn a_response_without_a_model_reports_the_configured_one() {
    let fake = Fake::start().await;
    let mut body = completion_body(Some(&draft_json()), None, "stop", (1, 1));
    body.as_object_mut().expect("object").remove("model");
    fake.then(ResponseTemplate::new(200).set_body_json(body))
        .await;

    let extraction = fake
        .extractor(|s| s.model = "llama3.1:8b".into())
        .extract(&bundle())
        .await
        .expect("extracted");

    assert_eq!(extraction.usage.model, "llama3.1:8b");
}

#[tokio::test]
async fn an_input_that_cannot_fit_is_refused_before_any_call() {
    let fake = Fake::start().await;
    fake.always(good_answer()).await;

    let failure = fake
        .extractor(|s| {
            s.max_tokens = 2000;
            s.context_tokens = 2500;
        })
        .extract(&bundle())
        .await
        .expect_err("too long");

    let persona_ports::ExtractError::InputTooLong {
        prompt_tokens,
        limit,
    } = failure.error
    else {
        panic!("expected InputTooLong, got {:?}", failure.error);
    };
    assert_eq!(limit, 2500 - budget());
    assert!(prompt_tokens > limit, "{prompt_tokens} tokens");
    assert_eq!(failure.usage, None);
    assert!(fake.requests().await.is_empty());
}

#[tokio::test]
async fn a_local_server_gets_bounded_strings_and_the_sampling_set() {
    let fake = Fake::start().await;
    fake.then(good_answer()).await;

    fake.extractor(|s| {
        s.schema_dialect = None; // the fake's address is local
        s.sampling = crate::Sampling {
            temperature: 0.0,
            frequency_penalty: Some(0.4),
            seed: Some(7),
        };
    })
    .extract(&bundle())
    .await
    .expect("extracted");

    let body = &fake.bodies().await[0];
    assert_eq!(
        body["response_format"]["json_schema"]["schema"],
        persona_domain::schema::draft_schema_for(SchemaDialect::Full)
    );
    assert_eq!(body["temperature"], 0.0);
    assert_eq!(body["frequency_penalty"], 0.4);
    assert_eq!(body["seed"], 7);
}

#[tokio::test]
async fn an_answer_past_a_bound_of_the_full_dialect_is_corrected() {
    let fake = Fake::start().await;
    let mut long = draft();
    long.occupation = Some("product designer ".repeat(6));
    fake.then(answer(&serde_json::to_string(&long).expect("json")))
        .await;
    fake.then(good_answer()).await;

    let extraction = fake
        .extractor(|s| s.schema_dialect = Some(SchemaDialect::Full))
        .extract(&bundle())
        .await
        .expect("extracted after a correction");

    assert_eq!(extraction.draft, draft());
    let bodies = fake.bodies().await;
    let ask = bodies[1]["messages"][3]["content"].as_str().expect("text");
    assert!(ask.contains("occupation"), "{ask}");
}

#[tokio::test]
async fn a_long_material_fits_in_chunks_of_the_budget_it_gives() {
    use persona_domain::chunk::{ChunkSettings, split};
    use persona_ports::PersonaExtractor;

    let fake = Fake::start().await;
    fake.always(good_answer()).await;
    let extractor = fake.extractor(|s| s.context_tokens = 8192);
    let paragraph = "Maya grew up near the coast and later studied design in Leeds. \
                     She says she loves climbing and jazz, and speaks three languages. ";
    let blocks: Vec<String> = (0..12).map(|_| paragraph.repeat(40)).collect();
    let material =
        SourceBundle::parse(&blocks, &["https://example.com/maya".to_owned()]).expect("valid");

    let whole = extractor
        .extract(&material)
        .await
        .expect_err("too long whole");
    assert!(matches!(
        whole.error,
        persona_ports::ExtractError::InputTooLong { .. }
    ));
    let budget = extractor.chunk_budget(&material).expect("a budget");
    assert!(budget > 1000 && budget < 8192 - super::budget(), "{budget}");
    let chunks = split(&material, ChunkSettings::new(budget as usize), &|t| {
        extractor.measure(t) as usize
    })
    .expect("splits");
    assert!(chunks.len() > 2, "{} chunks", chunks.len());
    for chunk in &chunks {
        extractor
            .extract(chunk)
            .await
            .expect("each chunk fits one call");
    }
    assert_eq!(fake.requests().await.len(), chunks.len());
}

#[tokio::test]
async fn the_bound_of_a_measure_is_never_below_the_token_count() {
    let fake = Fake::start().await;
    // One model of each tokenizer: cl100k_base (GPT-4) and o200k_base (anything else).
    for model in ["gpt-4", "gpt-4o-mini"] {
        let extractor = fake.extractor(|s| s.model = model.to_owned());
        for text in [
            "",
            "a",
            "Maya grew up near the coast and later studied design in Leeds.",
            "Zoë’s café – naïve résumé, ça va?",
            "東京で生まれ、大阪で育ちました。",
            "🧗‍♀️🎷🇰🇷 and 👩🏽‍💻",
            "<|endoftext|><|fim_prefix|> look-alikes count as text",
            "    \n\n\t\t  spaces\u{00a0}and\u{200b}breaks",
        ] {
            let (count, bound) = (extractor.measure(text), extractor.measure_bound(text));
            assert!(
                bound.is_some_and(|b| b >= count),
                "{model}: {text:?}: {count} > {bound:?}"
            );
        }
    }
}
