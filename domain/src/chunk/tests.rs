//! Splitting: what fits stays whole, chunks fit, nothing is cut inside a sentence, every sentence
//! is read, blocks keep their numbers, and the work is linear in the material.

use std::cell::Cell;

use proptest::prelude::*;

use super::*;

fn bundle(blocks: &[&str]) -> SourceBundle {
    let blocks: Vec<String> = blocks.iter().map(|s| (*s).to_owned()).collect();
    SourceBundle::parse(&blocks, &[]).expect("valid")
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// What a chunk measures as a prompt does: each piece with its heading and separator.
fn chunk_cost(chunk: &SourceBundle) -> usize {
    (0..chunk.text_blocks().len())
        .map(|i| heading_cost(chunk.block_number(i), &chars) + chars(&chunk.text_blocks()[i]))
        .sum()
}

/// Thirty numbered sentences in three paragraphs of one block, and a second short block.
fn long_material() -> SourceBundle {
    let paragraph = |p: usize| {
        (0..10)
            .map(|s| format!("Sentence {p}-{s} says something."))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let first = [paragraph(0), paragraph(1), paragraph(2)].join("\n\n");
    bundle(&[&first, "The last block. It ends here!"])
}

#[test]
fn fits_whole_is_the_test_split_starts_with() {
    let material = long_material();
    let size = chunk_cost(&material);
    for budget in [size - 1, size, size + 1] {
        let settings = ChunkSettings::new(budget);
        let whole = split(&material, settings, &chars).expect("splits");
        assert_eq!(
            fits_whole(&material, settings, &chars),
            whole == [material.clone()],
            "budget {budget}"
        );
    }
    // A bound that knows nothing fits nothing, however large a budget an extractor gives.
    let unknown = |_: &str| usize::MAX;
    let largest = ChunkSettings::new(u32::MAX as usize);
    assert!(!fits_whole(&material, largest, &unknown));
}

#[test]
fn material_that_fits_is_one_chunk_the_bundle_itself() {
    let material = bundle(&["I am Ada.", "I live in Paris."]);
    let chunks = split(&material, ChunkSettings::new(10_000), &chars).expect("fits");
    assert_eq!(chunks, [material]);
}

#[test]
fn every_chunk_fits_the_budget_and_holds_whole_sentences() {
    let material = long_material();
    let settings = ChunkSettings::new(200);
    let chunks = split(&material, settings, &chars).expect("splits");
    assert!(chunks.len() > 3, "{} chunks", chunks.len());
    for chunk in &chunks {
        assert!(chunk_cost(chunk) <= settings.fill, "{}", chunk_cost(chunk));
        for piece in chunk.text_blocks() {
            assert!(
                piece.starts_with("Sentence") || piece.starts_with("The"),
                "{piece}"
            );
            assert!(piece.ends_with('.') || piece.ends_with('!'), "{piece}");
        }
    }
}

#[test]
fn every_sentence_is_read_and_pieces_are_verbatim_slices_of_their_block() {
    let material = long_material();
    let chunks = split(&material, ChunkSettings::new(200), &chars).expect("splits");
    for chunk in &chunks {
        for (i, piece) in chunk.text_blocks().iter().enumerate() {
            let whole = &material.text_blocks()[chunk.block_number(i)];
            assert!(whole.contains(piece.as_str()), "{piece}");
        }
    }
    for p in 0..3 {
        for s in 0..10 {
            let sentence = format!("Sentence {p}-{s} says something.");
            assert!(
                chunks
                    .iter()
                    .any(|c| c.text_blocks().iter().any(|b| b.contains(&sentence))),
                "{sentence} is in no chunk"
            );
        }
    }
    let last = chunks.last().expect("chunks");
    assert_eq!(last.block_number(last.text_blocks().len() - 1), 1);
}

#[test]
fn consecutive_chunks_cut_inside_a_paragraph_overlap_by_a_sentence() {
    let one_paragraph: Vec<String> = (0..30)
        .map(|s| format!("Sentence {s} says something."))
        .collect();
    let material = bundle(&[&one_paragraph.join(" ")]);
    // A tenth of 400 leaves room for one sentence of about 32 characters.
    let chunks = split(&material, ChunkSettings::new(400), &chars).expect("splits");
    assert!(chunks.len() > 2);
    let first_sentence = |c: &SourceBundle| {
        let piece = &c.text_blocks()[0];
        piece[..=piece.find('.').expect("a sentence")].to_owned()
    };
    let shared = chunks
        .windows(2)
        .filter(|pair| {
            let text = pair[0].text_blocks().join("\n");
            text.contains(&first_sentence(&pair[1]))
        })
        .count();
    assert_eq!(
        shared,
        chunks.len() - 1,
        "each chunk repeats the end of the one before"
    );
}

#[test]
fn blocks_that_fit_stay_whole_and_keep_their_numbers() {
    let blocks: Vec<String> = (0..6).map(|i| format!("Block {i} is short.")).collect();
    let refs: Vec<&str> = blocks.iter().map(String::as_str).collect();
    let material = bundle(&refs);
    let chunks = split(&material, ChunkSettings::new(80), &chars).expect("splits");
    assert!(chunks.len() > 1);
    for chunk in &chunks {
        for (i, piece) in chunk.text_blocks().iter().enumerate() {
            assert_eq!(piece, &format!("Block {} is short.", chunk.block_number(i)));
        }
    }
}

#[test]
fn a_sentence_longer_than_the_budget_cannot_be_chunked_and_its_block_is_named() {
    let long = format!("Short one. {} end.", "word ".repeat(100));
    let material = bundle(&["A first block.", &long]);
    let error = split(&material, ChunkSettings::new(120), &chars).expect_err("unsplittable");
    let ChunkError::Unsplittable {
        block,
        size,
        budget,
    } = error.clone()
    else {
        panic!("{error:?}");
    };
    assert_eq!(block, 1);
    assert!(size > budget);
    assert!(!error.to_string().contains("word"), "{error}");
}

#[test]
fn titles_and_initials_end_no_sentence() {
    let starts = sentence_starts("Dr. Smith met J. Doe. They talked.\nNew line");
    let text = "Dr. Smith met J. Doe. They talked.\nNew line";
    let found: Vec<&str> = starts.iter().map(|&at| &text[at..]).collect();
    assert_eq!(found, ["They talked.\nNew line", "New line"]);
}

#[test]
fn the_fingerprint_names_the_version_and_every_setting() {
    assert_eq!(
        ChunkSettings::new(1_000).to_string(),
        "c1:budget=1000:fill=800:overlap=100:units=2"
    );
}

#[test]
fn hostile_material_is_measured_a_bounded_number_of_times() {
    // Many tiny blocks and no sentence ends: the worst the request limits allow is linear work.
    let measured = Cell::new(0_usize);
    let counting = |text: &str| {
        measured.set(measured.get() + text.len());
        chars(text)
    };
    let blocks: Vec<String> = (0..50).map(|_| "ab\n".repeat(2_000)).collect();
    let material = SourceBundle::parse(&blocks, &[]).expect("valid");
    let total: usize = material.text_blocks().iter().map(String::len).sum();
    let chunks = split(&material, ChunkSettings::new(5_000), &counting).expect("splits at lines");
    assert!(chunks.len() > 50, "{} chunks", chunks.len());
    assert!(
        measured.get() <= 3 * total + 50 * 40,
        "measured {} bytes of {total}",
        measured.get()
    );
}

#[test]
fn material_that_would_take_too_many_chunks_is_refused_before_any_is_made() {
    let blocks: Vec<String> = (0..50).map(|_| "ab\n".repeat(2_000)).collect();
    let material = SourceBundle::parse(&blocks, &[]).expect("valid");
    let error = split(&material, ChunkSettings::new(500), &chars).expect_err("too many");
    let ChunkError::TooManyChunks { needed, max } = error else {
        panic!("{error:?}");
    };
    assert_eq!(max, MAX_CHUNKS);
    assert!(needed > MAX_CHUNKS, "{needed}");
}

proptest! {
    #[test]
    fn chunks_fit_cover_every_sentence_and_never_cut_one(
        sentences in proptest::collection::vec("[a-z]{1,12}( [a-z]{1,12}){0,6}[.!?]", 1..60),
        breaks in proptest::collection::vec(0_u8..4, 60),
        budget in 200_usize..500,
    ) {
        // Sentences joined by a space, a line break, a blank line or a new block.
        let mut blocks = vec![String::new()];
        for (sentence, brk) in sentences.iter().zip(&breaks) {
            let last = blocks.last_mut().expect("a block");
            if !last.is_empty() {
                last.push_str(match brk { 0 | 3 => " ", 1 => "\n", _ => "\n\n" });
            }
            last.push_str(sentence);
            if *brk == 3 && blocks.len() < 50 {
                blocks.push(String::new());
            }
        }
        blocks.retain(|b| !b.is_empty());
        let material = SourceBundle::parse(&blocks, &[]).expect("valid");
        let chunks = split(&material, ChunkSettings::new(budget), &chars).expect("every sentence fits");
        for chunk in &chunks {
            prop_assert!(chunk_cost(chunk) <= budget / 5 * 4 || chunks.len() == 1);
            for (i, piece) in chunk.text_blocks().iter().enumerate() {
                let whole = &material.text_blocks()[chunk.block_number(i)];
                prop_assert!(whole.contains(piece.as_str()));
                prop_assert!(piece.ends_with(['.', '!', '?']), "{}", piece);
            }
        }
        for sentence in &sentences {
            prop_assert!(chunks.iter().any(|c| c.text_blocks().iter().any(|b| b.contains(sentence.as_str()))));
        }
        let again = split(&material, ChunkSettings::new(budget), &chars).expect("same");
        prop_assert_eq!(chunks, again);
    }
}
