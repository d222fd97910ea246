//! What the mock reads from a bundle, one behaviour per test.

use persona_domain::{FieldValue, GroundingMode, GroundingStatus, Persona, WarningCode, ground};

use super::*;

const MAYA: &str = "Hi, my name is Maya Patel. I'm 34 years old and I work as a product designer in \
                    Berlin. I love climbing, jazz and Korean cooking. I speak English and German. \
                    I want to start my own studio.";

fn bundle(blocks: &[&str]) -> SourceBundle {
    let blocks: Vec<String> = blocks.iter().map(|b| (*b).to_owned()).collect();
    SourceBundle::parse(&blocks, &[]).expect("a valid bundle")
}

async fn extract(blocks: &[&str]) -> PersonaDraft {
    MockExtractor::new()
        .extract(&bundle(blocks))
        .await
        .expect("the mock never fails")
        .draft
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn evidence(field: &str, quote: &str, block: usize) -> Evidence {
    Evidence {
        field: field.into(),
        quote: quote.into(),
        source: format!("block:{block}"),
    }
}

#[tokio::test]
async fn first_person_input_yields_its_facts() {
    let draft = extract(&[MAYA]).await;
    assert_eq!(draft.name.as_deref(), Some("Maya Patel"));
    assert_eq!(draft.age, Some(34));
    assert_eq!(draft.occupation.as_deref(), Some("product designer"));
    assert_eq!(draft.location.as_deref(), Some("Berlin"));
    assert_eq!(
        draft.interests,
        strings(&["climbing", "jazz", "Korean cooking"])
    );
    assert_eq!(draft.languages, strings(&["English", "German"]));
    assert_eq!(draft.goals, strings(&["start my own studio"]));
    assert_eq!(draft.traits, Vec::<String>::new());
    assert_eq!(draft.skills, Vec::<String>::new());
    assert_eq!(draft.values, Vec::<String>::new());
    assert_eq!(draft.communication_style, None);
}

#[tokio::test]
async fn background_is_the_first_sentence_and_quotes_the_first_three_in_the_first_person() {
    let draft = extract(&[MAYA]).await;
    assert_eq!(draft.background, "Hi, my name is Maya Patel.");
    assert_eq!(
        draft.quotes,
        strings(&[
            "I'm 34 years old and I work as a product designer in Berlin.",
            "I love climbing, jazz and Korean cooking.",
            "I speak English and German.",
        ])
    );
}

#[tokio::test]
async fn third_person_labels_are_read() {
    let draft = extract(&["Name: Jane Doe\nAge: 52\nOccupation: nurse\nLocation: Leeds"]).await;
    assert_eq!(draft.name.as_deref(), Some("Jane Doe"));
    assert_eq!(draft.age, Some(52));
    assert_eq!(draft.occupation.as_deref(), Some("nurse"));
    assert_eq!(draft.location.as_deref(), Some("Leeds"));
    assert_eq!(draft.quotes, Vec::<String>::new());
}

#[tokio::test]
async fn i_am_a_teacher_is_an_occupation_not_a_name() {
    let draft = extract(&["I am a teacher."]).await;
    assert_eq!(draft.name, None);
    assert_eq!(draft.occupation.as_deref(), Some("teacher"));
    assert_eq!(draft.traits, Vec::<String>::new());
}

#[tokio::test]
async fn an_age_is_not_a_name() {
    let draft = extract(&["I'm 34 and I'm 34 years old."]).await;
    assert_eq!(draft.name, None);
    assert_eq!(draft.age, Some(34));
}

#[tokio::test]
async fn a_person_nobody_names_stays_unnamed() {
    let draft = extract(&["Loves gardening and lives in York with two cats."]).await;
    assert_eq!(draft.name, None);
    assert_eq!(draft.location.as_deref(), Some("York"));
    let normalised = Persona::from_draft(draft);
    assert_eq!(normalised.persona.name(), Persona::UNNAMED);
    assert_eq!(
        normalised
            .warnings
            .iter()
            .map(|w| w.code)
            .collect::<Vec<_>>(),
        [WarningCode::NameMissing]
    );
}

#[tokio::test]
async fn an_explicit_name_wins_over_i_am() {
    let draft = extract(&["I'm Canadian. My name is Bob Smith."]).await;
    assert_eq!(draft.name.as_deref(), Some("Bob Smith"));
}

#[tokio::test]
async fn the_same_bundle_gives_the_same_extraction() {
    let bundle = bundle(&[MAYA, "I value honesty. I'm curious and patient."]);
    let first = MockExtractor::new().extract(&bundle).await.expect("ok");
    let second = MockExtractor::new().extract(&bundle).await.expect("ok");
    assert_eq!(first, second);
}

#[tokio::test]
async fn every_evidence_quote_is_verbatim_from_the_block_it_names() {
    let blocks = [
        MAYA,
        "She is skilled in pottery and woodwork.\nTraits: calm, kind",
    ];
    let draft = extract(&blocks).await;
    assert!(draft.evidence.len() >= 10, "{:?}", draft.evidence);
    for item in &draft.evidence {
        let index: usize = item
            .source
            .strip_prefix("block:")
            .and_then(|i| i.parse().ok())
            .expect("block:N");
        assert!(blocks[index].contains(&item.quote), "{item:?}");
    }
    assert!(draft.evidence.contains(&evidence(
        "location",
        "I'm 34 years old and I work as a product designer in Berlin.",
        0
    )));
    assert!(
        draft
            .evidence
            .contains(&evidence("traits", "Traits: calm, kind", 1))
    );
}

#[tokio::test]
async fn a_fact_in_the_second_block_cites_block_1() {
    let draft = extract(&["My name is Maya Patel.", "I live in Lisbon."]).await;
    assert_eq!(draft.location.as_deref(), Some("Lisbon"));
    assert!(
        draft
            .evidence
            .contains(&evidence("location", "I live in Lisbon.", 1)),
        "{:?}",
        draft.evidence
    );
    assert!(
        draft
            .evidence
            .contains(&evidence("name", "My name is Maya Patel.", 0))
    );
}

#[tokio::test]
async fn lowercase_adjectives_after_i_am_are_traits() {
    let draft = extract(&["I'm curious, patient and a bit shy. I'm based in Porto."]).await;
    assert_eq!(draft.traits, strings(&["curious", "patient", "a bit shy"]));
    assert_eq!(draft.location.as_deref(), Some("Porto"));
}

#[tokio::test]
async fn skills_and_values_are_split_into_items() {
    let draft =
        extract(&["I can juggle and code. I value honesty, kindness and time.\nSkills: welding"])
            .await;
    assert_eq!(draft.skills, strings(&["juggle", "code", "welding"]));
    assert_eq!(draft.values, strings(&["honesty", "kindness", "time"]));
}

#[tokio::test]
async fn each_goal_is_a_whole_clause() {
    let draft =
        extract(&["My goal is to run a marathon, and I hope to open a bakery and a cafe."]).await;
    assert_eq!(
        draft.goals,
        strings(&["run a marathon", "open a bakery and a cafe"])
    );
}

#[tokio::test]
async fn list_items_are_kept_once_ignoring_case() {
    let draft = extract(&["I love jazz. I enjoy Jazz and tea. I like to cook."]).await;
    assert_eq!(draft.interests, strings(&["jazz", "tea", "cook"]));
}

#[tokio::test]
async fn a_list_of_thousands_keeps_each_item_once_in_its_first_spelling_and_place() {
    let words: Vec<String> = (0..5_000).map(|n| format!("skill{n}")).collect();
    let block = format!("Skills: Jazz, {}, JAZZ, jazz, SKILL7", words.join(", "));
    let draft = extract(&[&block]).await;
    assert_eq!(draft.skills.len(), 5_001);
    assert_eq!(draft.skills[..3], strings(&["Jazz", "skill0", "skill1"]));
    assert_eq!(draft.skills.last().map(String::as_str), Some("skill4999"));
}

#[tokio::test]
async fn a_long_sentence_with_many_matches_cites_each_match_once() {
    // One sentence over the quote limit, 2,000 alike matches ("I can cook and I", the list
    // ending at "and I"): each is cited by its own words, so the evidence holds it once.
    let block = "I can cook and I can sing, ".repeat(2_000);
    let draft = extract(&[&block]).await;
    let skills: Vec<&Evidence> = draft
        .evidence
        .iter()
        .filter(|e| e.field == "skills")
        .collect();
    assert_eq!(skills, [&evidence("skills", "I can cook and I", 0)]);
    assert_eq!(draft.skills, strings(&["cook"]));
}

#[tokio::test]
async fn an_offloaded_reading_gives_the_same_draft() {
    let jobs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&jobs);
    let offload = Offload::new(move |job| {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        job();
        Box::pin(std::future::ready(()))
    });
    let offloaded = MockExtractor::new()
        .with_offload(offload)
        .extract(&bundle(&[MAYA]))
        .await
        .expect("the mock never fails");
    assert_eq!(offloaded.draft, extract(&[MAYA]).await);
    assert_eq!(jobs.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_stated_communication_style_is_the_phrase() {
    let draft = extract(&["I prefer short, direct communication over email."]).await;
    assert_eq!(
        draft.communication_style.as_deref(),
        Some("short, direct communication")
    );
}

#[tokio::test]
async fn an_out_of_range_age_passes_through_to_the_rules() {
    let draft = extract(&["My name is Old Tom. He is 200 years old."]).await;
    assert_eq!(draft.age, Some(200));
    assert_eq!(Persona::from_draft(draft).persona.age(), None);
}

#[tokio::test]
async fn the_first_person_sample_needs_no_repair() {
    let normalised = Persona::from_draft(extract(&[MAYA]).await);
    assert_eq!(normalised.warnings, []);
}

#[tokio::test]
async fn usage_is_the_mock_model_with_no_tokens_and_one_attempt() {
    let extraction = MockExtractor::new()
        .extract(&bundle(&["Hello."]))
        .await
        .expect("ok");
    assert_eq!(MockExtractor::new().name(), "mock");
    assert_eq!(
        extraction.usage,
        Usage {
            model: "mock".into(),
            prompt_tokens: 0,
            completion_tokens: 0,
            attempts: 1
        }
    );
}

/// The persona the service would answer for `blocks`, grounded in them.
async fn grounded(blocks: &[&str]) -> persona_domain::Grounded {
    let bundle = bundle(blocks);
    let draft = MockExtractor::new()
        .extract(&bundle)
        .await
        .expect("the mock never fails")
        .draft;
    ground(
        Persona::from_draft(draft).persona,
        &bundle,
        GroundingMode::Strict,
    )
}

#[tokio::test]
async fn every_value_the_mock_returns_is_quoted_from_its_input() {
    let blocks = [
        MAYA,
        "I'm curious, patient and a bit shy. I value honesty and craft. I can code and weld.\n\
         Skills: pottery, woodwork\nCommunication style: direct and warm",
        "She is skilled in carpentry. My goal is to run a marathon, and I hope to open a bakery.",
    ];
    let grounded = grounded(&blocks).await;
    let counts = grounded.grounding.counts;
    assert_eq!(
        (counts.inferred, counts.fabricated_quotes),
        (0, 0),
        "{:?}",
        grounded.grounding
    );
    assert!(grounded.warnings.is_empty(), "{:?}", grounded.warnings);
    let statuses: Vec<(&str, GroundingStatus)> = grounded
        .grounding
        .fields
        .iter()
        .map(|(pointer, field)| (pointer, field.status))
        .collect();
    assert!(
        statuses.iter().all(|(_, s)| *s == GroundingStatus::Quoted),
        "{statuses:?}"
    );
    let persona = &grounded.persona;
    // One entry per grounded value the persona holds.
    let values: usize = Field::ALL
        .into_iter()
        .filter(|field| field.is_grounded())
        .map(|field| match persona.value(field) {
            FieldValue::Text(text) => usize::from(text.is_some()),
            FieldValue::Age(age) => usize::from(age.is_some()),
            FieldValue::List(items) => items.len(),
            FieldValue::Evidence(_) => 0,
        })
        .sum();
    assert_eq!(statuses.len(), values);
    assert!(persona.communication_style().is_some() && !persona.traits().is_empty());
    assert!(persona.age().is_some() && persona.occupation().is_some());
    assert!(persona.location().is_some() && persona.name() != Persona::UNNAMED);
}

#[tokio::test]
async fn the_mock_on_labelled_and_third_person_input_is_quoted_too() {
    for blocks in [
        &["Name: Jane Doe\nAge: 52\nOccupation: nurse\nLocation: Leeds\nLanguages: English, Urdu"]
            [..],
        &["Loves gardening and lives in York with two cats."][..],
        &[
            "My name is Maya Patel.",
            "I live in Lisbon. I like to cook.",
        ][..],
    ] {
        let grounded = grounded(blocks).await;
        let counts = grounded.grounding.counts;
        assert_eq!(
            counts.inferred + counts.stated + counts.fabricated_quotes,
            0,
            "{blocks:?}: {:?}",
            grounded.grounding
        );
        assert!(counts.quoted > 0, "{blocks:?}");
    }
}

#[tokio::test]
async fn a_chunk_cites_the_blocks_of_the_whole_material() {
    use persona_domain::chunk::{ChunkSettings, split};

    let material = bundle(&["My name is Ada Byron.", "Nothing here.", "I live in Turin."]);
    let extractor = MockExtractor::new().with_chunk_chars(50);
    let budget = extractor.chunk_budget(&material).expect("a chunk size");
    let chunks = split(&material, ChunkSettings::new(budget as usize), &|t| {
        extractor.measure(t) as usize
    })
    .expect("splits");
    let last = chunks.last().expect("chunks");
    assert_eq!(last.text_blocks(), ["I live in Turin."]);
    let draft = extractor.extract(last).await.expect("read").draft;
    assert_eq!(draft.location.as_deref(), Some("Turin"));
    assert_eq!(
        draft.evidence[0],
        evidence("location", "I live in Turin.", 2),
        "block 2 of the whole material, not block 0 of the chunk"
    );
    assert!(draft.evidence.iter().all(|e| e.source == "block:2"));
    assert_eq!(MockExtractor::new().chunk_budget(&material), None);
}
