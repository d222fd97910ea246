//! The [`PersonaExtractor`] contract, case by case.

use persona_domain::{Persona, SourceBundle};
use persona_ports::PersonaExtractor;

/// What an adapter promises beyond the common contract.
#[derive(Debug, Clone, Copy)]
pub struct Capabilities {
    /// The same bundle always gives the same draft.
    pub deterministic: bool,
    /// Every evidence quote is verbatim in the block its `source` names.
    pub verbatim_evidence: bool,
}

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

/// A deterministic adapter gives equal drafts for equal bundles.
pub async fn equal_bundles_give_equal_drafts(extractor: &dyn PersonaExtractor, caps: Capabilities) {
    if !caps.deterministic {
        return;
    }
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

/// Evidence quotes are verbatim in the block they name.
pub async fn evidence_quotes_are_verbatim_in_their_block(
    extractor: &dyn PersonaExtractor,
    caps: Capabilities,
) {
    if !caps.verbatim_evidence {
        return;
    }
    let blocks = ["Notes about a colleague.", FIRST_PERSON];
    let extraction = extractor
        .extract(&bundle(&blocks))
        .await
        .expect("extracted");
    assert!(
        !extraction.draft.evidence.is_empty(),
        "the material supports several fields"
    );
    for evidence in &extraction.draft.evidence {
        let index: usize = evidence
            .source
            .strip_prefix("block:")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("source names a block: {}", evidence.source));
        assert!(
            blocks[index].contains(&evidence.quote),
            "quote for {} is verbatim in block {index}",
            evidence.field
        );
    }
}
