//! The [`PersonaExtractor`] contract, case by case.
//!
//! Every case runs against every extractor. An extractor over a model runs them against a fake
//! model that is deterministic and quotes only what the prompt shows it (see the OpenAI runner in
//! `tests/suite/openai.rs`): given such a model, the adapter itself must keep both properties, so
//! each case checks the adapter's own part (usage, the block names it gives the model, passing
//! the answer through) rather than the model's.

use persona_domain::{Persona, SourceBundle};
use persona_ports::PersonaExtractor;

fn bundle(blocks: &[&str]) -> SourceBundle {
    let blocks: Vec<String> = blocks.iter().map(|b| (*b).to_owned()).collect();
    SourceBundle::parse(&blocks, &["https://example.com/maya".to_owned()]).expect("valid bundle")
}

const FIRST_PERSON: &str = "Hi, my name is Maya Patel. I'm 34 years old and I work as a product designer. \
I live in Berlin. I love climbing and jazz. I speak English and German.";

/// An extraction reports its model and at least one attempt, and its draft repairs into a
/// persona that passes the strict rules.
pub async fn extraction_reports_usage_and_yields_a_valid_persona(extractor: &dyn PersonaExtractor) {
    let extraction = extractor
        .extract(&bundle(&[FIRST_PERSON]))
        .await
        .expect("extracted");
    assert!(!extraction.usage.model.is_empty());
    assert!(extraction.usage.attempts >= 1);
    let persona = Persona::from_draft(extraction.draft).persona;
    assert_eq!(Persona::parse(persona.to_draft()), Ok(persona));
}

/// Equal bundles give equal drafts (over a deterministic model).
pub async fn equal_bundles_give_equal_drafts(extractor: &dyn PersonaExtractor) {
    let one = extractor
        .extract(&bundle(&[FIRST_PERSON, "She values honesty."]))
        .await
        .expect("extracted");
    let two = extractor
        .extract(&bundle(&[FIRST_PERSON, "She values honesty."]))
        .await
        .expect("extracted");
    assert_eq!(one.draft, two.draft);
}

/// Evidence quotes are verbatim in the block they name (over a model that quotes the blocks as
/// the prompt names them): the extractor names each block by its place in the bundle.
pub async fn evidence_quotes_are_verbatim_in_their_block(extractor: &dyn PersonaExtractor) {
    let blocks = ["Notes about a colleague.", FIRST_PERSON];
    let extraction = extractor
        .extract(&bundle(&blocks))
        .await
        .expect("extracted");
    assert!(
        extraction
            .draft
            .evidence
            .iter()
            .any(|e| e.source == "block:1"),
        "the facts about Maya are in the second block: {:?}",
        extraction.draft.evidence
    );
    for evidence in &extraction.draft.evidence {
        let index: usize = evidence
            .source
            .strip_prefix("block:")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("source names a block: {}", evidence.source));
        let block = blocks.get(index).unwrap_or_else(|| {
            panic!(
                "{} names block {index}; there are {}",
                evidence.field,
                blocks.len()
            )
        });
        assert!(
            block.contains(&evidence.quote),
            "quote for {} is verbatim in block {index}",
            evidence.field
        );
    }
}

/// A chunk of a longer material, cut as the service cuts it, is extracted like any bundle, and
/// its evidence names the blocks of the whole material (the chunk's blocks keep their numbers);
/// material within the extractor's own [`PersonaExtractor::chunk_budget`] is not refused.
pub async fn a_chunk_names_the_blocks_of_the_whole_material(extractor: &dyn PersonaExtractor) {
    use persona_domain::chunk::{ChunkSettings, split};
    use persona_domain::prompt::BLOCK_SEPARATOR;

    let blocks = [
        "Notes about a colleague.",
        "Nothing else here.",
        FIRST_PERSON,
    ];
    let material = bundle(&blocks);
    let measure = |text: &str| extractor.measure(text) as usize;
    if let Some(budget) = extractor.chunk_budget(&material) {
        let chunks =
            split(&material, ChunkSettings::new(budget as usize), &measure).expect("splits");
        for chunk in &chunks {
            extractor
                .extract(chunk)
                .await
                .expect("a chunk fits one call");
        }
    }
    // A budget whose chunks hold the last block alone (four fifths of it just fit that block).
    let last = measure(FIRST_PERSON) + measure("[block:2]\n") + measure(BLOCK_SEPARATOR);
    let chunks = split(&material, ChunkSettings::new(last * 5 / 4 + 5), &measure).expect("splits");
    let chunk = chunks.last().expect("chunks");
    assert_eq!(
        chunk.text_blocks(),
        [FIRST_PERSON],
        "{} chunks",
        chunks.len()
    );
    assert_eq!(chunk.block_number(0), 2);

    let extraction = extractor.extract(chunk).await.expect("extracted");
    assert!(!extraction.draft.evidence.is_empty());
    for evidence in &extraction.draft.evidence {
        assert_eq!(evidence.source, "block:2", "{}", evidence.field);
        assert!(blocks[2].contains(&evidence.quote), "{}", evidence.field);
    }
}
