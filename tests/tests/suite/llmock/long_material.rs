//! The target through llmock: the 10,000-word fixture, through `persona-server` and a
//! model with an 8,192-token context, gives a persona with facts from every part and its
//! conflicts reported. llmock cannot read, so each chunk's answer is scripted: what the mock
//! extractor reads in that chunk (evidence naming the blocks of the whole material), cut to the
//! bounds of the answer schema, queued in chunk order (one chunk at a time: `LLM_MAX_CONCURRENCY=1`).

use persona_adapters_mock::MockExtractor;
use persona_adapters_openai::{OpenAiExtractor, OpenAiSettings};
use persona_domain::chunk::{ChunkSettings, split};
use persona_domain::limits::{
    ANSWER_BACKGROUND_CHARS, ANSWER_EVIDENCE, ANSWER_ITEM_CHARS, ANSWER_LIST_ITEMS,
    ANSWER_QUOTE_CHARS, ANSWER_QUOTES, ANSWER_SHORT_CHARS, ANSWER_STYLE_CHARS,
};
use persona_domain::{PersonaDraft, SourceBundle};
use persona_ports::PersonaExtractor;
use serde_json::json;

use super::llmock;
use crate::api::helpers::spawn_app;
use crate::api::long_material::{assert_read_whole, long_material};

const CONTEXT_TOKENS: u32 = 8_192;

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The draft within the answer schema's bounds (a cut quote is still a verbatim quote).
fn bounded(mut d: PersonaDraft) -> PersonaDraft {
    let short = |v: Option<String>, max| v.map(|s| cut(&s, max));
    d.name = short(d.name, ANSWER_SHORT_CHARS);
    d.occupation = short(d.occupation, ANSWER_SHORT_CHARS);
    d.location = short(d.location, ANSWER_SHORT_CHARS);
    d.communication_style = short(d.communication_style, ANSWER_STYLE_CHARS);
    d.background = cut(&d.background, ANSWER_BACKGROUND_CHARS);
    for list in [
        &mut d.traits,
        &mut d.interests,
        &mut d.skills,
        &mut d.values,
        &mut d.goals,
        &mut d.languages,
    ] {
        list.truncate(ANSWER_LIST_ITEMS);
        list.iter_mut().for_each(|i| *i = cut(i, ANSWER_ITEM_CHARS));
    }
    d.quotes.truncate(ANSWER_QUOTES);
    d.quotes
        .iter_mut()
        .for_each(|q| *q = cut(q, ANSWER_QUOTE_CHARS));
    d.evidence.truncate(ANSWER_EVIDENCE);
    d.evidence
        .iter_mut()
        .for_each(|e| e.quote = cut(&e.quote, ANSWER_QUOTE_CHARS));
    d
}

#[tokio::test]
async fn a_10000_word_source_through_an_8192_token_model_is_read_in_chunks() {
    let Some(llmock) = llmock("long-material").await else {
        return;
    };
    // The chunks the server will make: the same adapter settings, the same splitting.
    let extractor = OpenAiExtractor::new(OpenAiSettings {
        base_url: llmock.base_url(),
        api_key: Some(secrecy::SecretString::from("sk-llmock")),
        model: llmock.model.clone(),
        context_tokens: CONTEXT_TOKENS,
        ..OpenAiSettings::default()
    })
    .expect("valid settings");
    let body = long_material();
    let blocks: Vec<String> = serde_json::from_value(body["textBlocks"].clone()).expect("blocks");
    let material = SourceBundle::parse(&blocks, &[]).expect("valid");
    let budget = extractor.chunk_budget(&material).expect("a budget");
    let chunks = split(&material, ChunkSettings::new(budget as usize), &|t| {
        extractor.measure(t) as usize
    })
    .expect("splits");
    let mut replies = Vec::new();
    for chunk in &chunks {
        let draft = MockExtractor::new()
            .extract(chunk)
            .await
            .expect("read")
            .draft;
        let text = serde_json::to_string(&bounded(draft)).expect("json");
        replies.push(json!({ "type": "reply", "text": text }));
    }
    llmock.script(&replies).await;
    let context = CONTEXT_TOKENS.to_string();
    let app = spawn_app(&[
        ("OPENAI_BASE_URL", &llmock.base_url()),
        ("OPENAI_API_KEY", "sk-llmock"),
        ("OPENAI_MODEL", &llmock.model),
        ("OPENAI_CONTEXT_TOKENS", &context),
        ("LLM_MAX_CONCURRENCY", "1"),
        ("PROCESS_DEADLINE_MS", "60000"),
    ])
    .await;

    let answer = app.post_json("/api/process-persona", &body).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let data = &answer.body["data"];
    assert!(chunks.len() >= 3, "{} chunks", chunks.len());
    assert_eq!(data["usage"]["chunks"], chunks.len());
    assert_eq!(
        data["usage"]["attempts"],
        chunks.len(),
        "one call per chunk"
    );
    assert_read_whole(data);
    // Each call carried one chunk, its blocks named by their number in the whole material.
    let served = llmock.served().await;
    assert_eq!(served.len(), chunks.len());
    for (request, chunk) in served.iter().zip(&chunks) {
        assert_eq!(request.status, 200);
        let prompt = request.body["messages"][1]["content"]
            .as_str()
            .expect("a prompt");
        let first = format!("[block:{}]\n", chunk.block_number(0));
        assert!(prompt.contains(&first), "{first}");
        assert!(prompt.contains(chunk.text_blocks()[0].as_str()));
    }
    assert!(served.iter().all(|r| r.fault.is_none()));
}
