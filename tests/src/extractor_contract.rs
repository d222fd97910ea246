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
