//! The grounding rules: the failure shapes of small models, one behaviour per test, and
//! properties of quote verification.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::persona::PersonaDraft;

fn bundle(blocks: &[&str]) -> SourceBundle {
    let blocks: Vec<String> = blocks.iter().map(|b| (*b).to_owned()).collect();
    SourceBundle::parse(&blocks, &[]).expect("a valid bundle")
}

fn evidence(field: &str, quote: &str, source: &str) -> Evidence {
    Evidence {
        field: field.into(),
        quote: quote.into(),
        source: source.into(),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn persona(draft: PersonaDraft) -> Persona {
    Persona::from_draft(draft).persona
}

fn flag(draft: PersonaDraft, blocks: &[&str]) -> Grounded {
    ground(persona(draft), &bundle(blocks), GroundingMode::Flag)
}

fn strict(draft: PersonaDraft, blocks: &[&str]) -> Grounded {
    ground(persona(draft), &bundle(blocks), GroundingMode::Strict)
}

fn status(grounded: &Grounded, pointer: &str) -> Option<GroundingStatus> {
    grounded.grounding.fields.get(pointer).map(|f| f.status)
}

fn codes(warnings: &[Warning]) -> Vec<(&str, WarningCode)> {
    warnings
        .iter()
        .map(|w| (w.field.as_str(), w.code))
        .collect()
}

const ANA: &str = "My name is Ana Ruiz, 34, and I teach chemistry in Valencia.";

fn ana() -> PersonaDraft {
    PersonaDraft {
        name: Some("Ana Ruiz".into()),
        age: Some(34),
        occupation: Some("chemistry teacher".into()),
        location: Some("Madrid".into()),
        evidence: vec![evidence("name", "My name is Ana Ruiz", "block:0")],
        ..PersonaDraft::default()
    }
}

#[test]
fn the_grounding_has_the_documented_shape() {
    let grounded = flag(ana(), &[ANA]);
    assert_eq!(
        serde_json::to_value(&grounded.grounding).expect("json"),
        json!({
            "mode": "flag",
            "fields": {
                "/name": {"status": "quoted", "quote": "My name is Ana Ruiz", "source": "block:0",
                          "span": {"start": 0, "end": 19}},
                "/age": {"status": "stated", "source": "block:0", "span": {"start": 21, "end": 23}},
                "/occupation": {"status": "inferred"},
                "/location": {"status": "inferred"},
            },
            "counts": {"quoted": 1, "stated": 1, "inferred": 2, "fabricated_quotes": 0}
        })
    );
}

#[test]
fn a_location_never_mentioned_is_inferred_and_kept_when_flagging() {
    let grounded = flag(ana(), &[ANA]);
    assert_eq!(
        status(&grounded, "/location"),
        Some(GroundingStatus::Inferred)
    );
    assert_eq!(grounded.persona.location(), Some("Madrid"));
    assert!(grounded.warnings.is_empty(), "{:?}", grounded.warnings);
}

#[test]
fn under_strict_an_unmentioned_location_becomes_null_with_a_warning() {
    let grounded = strict(ana(), &[ANA]);
    assert_eq!(grounded.persona.location(), None);
    assert_eq!(grounded.persona.occupation(), None);
    assert_eq!(grounded.grounding.fields.get("/location"), None);
    assert_eq!(grounded.grounding.counts.inferred, 0);
    assert_eq!(
        codes(&grounded.warnings),
        [
            ("/occupation", WarningCode::UnsupportedRemoved),
            ("/location", WarningCode::UnsupportedRemoved)
        ]
    );
    assert!(
        !grounded.warnings[1].message.contains("Madrid"),
        "warnings name fields, never values"
    );
    assert_eq!(grounded.persona.name(), "Ana Ruiz");
    assert_eq!(grounded.persona.age(), Some(34));
}

#[test]
fn a_location_that_is_stated_is_kept_under_strict_with_its_span() {
    let draft = PersonaDraft {
        location: Some("valencia".into()),
        ..ana()
    };
    let grounded = strict(draft, &[ANA]);
    assert_eq!(grounded.persona.location(), Some("valencia"));
    let location = grounded.grounding.fields.get("/location").expect("graded");
    assert_eq!(location.status, GroundingStatus::Stated);
    assert_eq!(location.span, Some(Span { start: 50, end: 58 }));
    assert_eq!(&ANA[50..58], "Valencia");
}

#[test]
fn an_invented_quote_is_dropped_and_counted() {
    let draft = PersonaDraft {
        location: Some("Madrid".into()),
        evidence: vec![
            evidence("location", "I have lived in Madrid all my life", "block:0"),
            evidence("name", "My name is Ana Ruiz", "block:0"),
        ],
        ..ana()
    };
    let grounded = flag(draft, &[ANA]);
    assert_eq!(grounded.grounding.counts.fabricated_quotes, 1);
    assert_eq!(
        grounded.persona.evidence(),
        [evidence("name", "My name is Ana Ruiz", "block:0")]
    );
    assert_eq!(
        codes(&grounded.warnings),
        [("/evidence/0", WarningCode::FabricatedQuote)]
    );
    assert_eq!(
        status(&grounded, "/location"),
        Some(GroundingStatus::Inferred)
    );
}

#[test]
fn an_array_of_one_repeated_value_collapses_to_one_item() {
    let draft = PersonaDraft {
        name: Some("Ana Ruiz".into()),
        skills: strings(&[
            "chemistry",
            "Chemistry.",
            "chemistry!",
            "chemistry chemistry",
            "chemistryyy",
            "CHEMISTRY",
        ]),
        ..PersonaDraft::default()
    };
    let normalised = Persona::from_draft(draft);
    assert_eq!(normalised.persona.skills(), ["chemistry"]);
    let grounded = ground(normalised.persona, &bundle(&[ANA]), GroundingMode::Flag);
    assert_eq!(
        status(&grounded, "/skills/0"),
        Some(GroundingStatus::Stated)
    );
    assert_eq!(status(&grounded, "/skills/1"), None);
}

#[test]
fn a_quote_that_mentions_the_value_makes_it_quoted() {
    let draft = PersonaDraft {
        occupation: Some("Chemistry teacher".into()),
        evidence: vec![evidence(
            "occupation",
            "I teach chemistry in Valencia",
            "block:0",
        )],
        ..ana()
    };
    let grounded = flag(draft, &[ANA]);
    let occupation = grounded
        .grounding
        .fields
        .get("/occupation")
        .expect("graded");
    assert_eq!(occupation.status, GroundingStatus::Quoted);
    assert_eq!(
        occupation.quote.as_deref(),
        Some("I teach chemistry in Valencia")
    );
    assert_eq!(occupation.span, Some(Span { start: 29, end: 58 }));
}

#[test]
fn a_real_quote_about_something_else_does_not_support_a_value() {
    let draft = PersonaDraft {
        location: Some("Madrid".into()),
        evidence: vec![evidence("location", "My name is Ana Ruiz", "block:0")],
        ..ana()
    };
    let grounded = flag(draft, &[ANA]);
    assert_eq!(grounded.grounding.counts.fabricated_quotes, 0);
    assert_eq!(
        status(&grounded, "/location"),
        Some(GroundingStatus::Inferred)
    );
    assert_eq!(status(&grounded, "/name"), Some(GroundingStatus::Stated));
}

#[test]
fn evidence_for_another_field_supports_nothing_here() {
    let draft = PersonaDraft {
        location: Some("Valencia".into()),
        evidence: vec![evidence(
            "occupation",
            "I teach chemistry in Valencia",
            "block:0",
        )],
        ..ana()
    };
    let grounded = flag(draft, &[ANA]);
    assert_eq!(
        status(&grounded, "/location"),
        Some(GroundingStatus::Stated)
    );
}

#[test]
fn evidence_field_names_are_read_loosely() {
    for field in ["skills", "/skills/0", "Skill", "skills[0]"] {
        let draft = PersonaDraft {
            skills: strings(&["teach chemistry"]),
            evidence: vec![evidence(field, "I teach chemistry", "block:0")],
            ..ana()
        };
        let grounded = flag(draft, &[ANA]);
        assert_eq!(
            status(&grounded, "/skills/0"),
            Some(GroundingStatus::Quoted),
            "{field}"
        );
    }
}

#[test]
fn the_age_is_stated_only_as_a_whole_number() {
    let draft = PersonaDraft {
        age: Some(34),
        ..PersonaDraft::default()
    };
    assert_eq!(
        status(
            &flag(draft.clone(), &["Born in 1990, moved in 2034."]),
            "/age"
        ),
        Some(GroundingStatus::Inferred)
    );
    assert_eq!(
        status(&flag(draft, &["A 34-year-old nurse."]), "/age"),
        Some(GroundingStatus::Stated)
    );
}

#[test]
fn a_value_inside_a_longer_word_is_not_stated() {
    let draft = PersonaDraft {
        name: Some("Al".into()),
        ..PersonaDraft::default()
    };
    let grounded = flag(draft.clone(), &["Always late, never sorry."]);
    assert_eq!(status(&grounded, "/name"), Some(GroundingStatus::Inferred));
    let grounded = flag(draft, &["Everyone calls him Al."]);
    assert_eq!(status(&grounded, "/name"), Some(GroundingStatus::Stated));
}

#[test]
fn an_unnamed_persona_has_no_name_entry_and_strict_removes_an_invented_name() {
    let grounded = flag(PersonaDraft::default(), &[ANA]);
    assert_eq!(grounded.persona.name(), Persona::UNNAMED);
    assert_eq!(grounded.grounding.fields.get("/name"), None);

    let invented = PersonaDraft {
        name: Some("John Smith".into()),
        ..PersonaDraft::default()
    };
    let grounded = strict(invented, &[ANA]);
    assert_eq!(grounded.persona.name(), Persona::UNNAMED);
    assert_eq!(grounded.grounding.fields.get("/name"), None);
    assert_eq!(
        codes(&grounded.warnings),
        [("/name", WarningCode::UnsupportedRemoved)]
    );
}

#[test]
fn strict_drops_inferred_list_items_and_renumbers_the_rest() {
    let draft = PersonaDraft {
        interests: strings(&["surfing", "chemistry", "opera", "Valencia"]),
        ..ana()
    };
    let grounded = strict(draft, &[ANA]);
    assert_eq!(grounded.persona.interests(), ["chemistry", "Valencia"]);
    assert_eq!(
        status(&grounded, "/interests/0"),
        Some(GroundingStatus::Stated)
    );
    assert_eq!(
        status(&grounded, "/interests/1"),
        Some(GroundingStatus::Stated)
    );
    assert_eq!(status(&grounded, "/interests/2"), None);
    let removed = grounded
        .warnings
        .iter()
        .filter(|w| w.field == "/interests")
        .count();
    assert_eq!(removed, 2);
}

#[test]
fn fields_follow_persona_order_with_indices_in_number_order() {
    let skills: Vec<String> = (0..12).map(|i| format!("skill{i}")).collect();
    let draft = PersonaDraft {
        name: Some("Ana".into()),
        location: Some("Valencia".into()),
        skills,
        communication_style: Some("brief".into()),
        ..PersonaDraft::default()
    };
    let grounded = flag(draft, &[ANA]);
    let pointers: Vec<&str> = grounded.grounding.fields.iter().map(|(p, _)| p).collect();
    let mut expected = vec!["/name".to_owned(), "/location".to_owned()];
    expected.extend((0..12).map(|i| format!("/skills/{i}")));
    expected.push("/communication_style".to_owned());
    assert_eq!(pointers, expected);
    let json = serde_json::to_string(&grounded.grounding).expect("json");
    assert!(json.find("/skills/2\"").expect("2") < json.find("/skills/10\"").expect("10"));
}

#[test]
fn a_quote_found_in_another_block_is_kept_naming_that_block() {
    let draft = PersonaDraft {
        location: Some("Valencia".into()),
        evidence: vec![evidence(
            "location",
            "I teach chemistry in Valencia",
            "block:0",
        )],
        ..ana()
    };
    let grounded = flag(draft, &["Hello there.", ANA]);
    assert_eq!(grounded.persona.evidence()[0].source, "block:1");
    let location = grounded.grounding.fields.get("/location").expect("graded");
    assert_eq!(location.source.as_deref(), Some("block:1"));
}

#[test]
fn a_value_the_source_wraps_in_invisible_characters_is_stated_at_its_place() {
    // Bidi isolates around a name and a soft hyphen inside a word: the persona's strings lose the
    // bidi controls, and folding drops every invisible character on both sides.
    let source = "I live in \u{2067}Berlin\u{2069} and love coo\u{00AD}king.";
    let draft = PersonaDraft {
        location: Some("Berlin".into()),
        interests: strings(&["cooking"]),
        ..PersonaDraft::default()
    };
    let grounded = flag(draft, &[source]);
    let location = grounded.grounding.fields.get("/location").expect("graded");
    assert_eq!(location.status, GroundingStatus::Stated);
    assert_eq!(location.span, Some(Span { start: 11, end: 17 }));
    let cooking = grounded
        .grounding
        .fields
        .get("/interests/0")
        .expect("graded");
    assert_eq!(cooking.status, GroundingStatus::Stated);
    assert_eq!(cooking.span, Some(Span { start: 28, end: 36 }));
}

#[test]
fn folding_matches_case_curly_quotes_dashes_whitespace_and_compatibility_forms() {
    let source = "She said: \u{201C}I\u{2019}m the co\u{2011}founder\u{00A0}of ＡＣＭＥ\u{201D}.";
    let draft = PersonaDraft {
        evidence: vec![evidence(
            "occupation",
            "\"i'm THE co-founder   of acme\"",
            "block:0",
        )],
        ..PersonaDraft::default()
    };
    let grounded = flag(draft, &[source]);
    assert_eq!(grounded.grounding.counts.fabricated_quotes, 0);
    // The evidence keeps the source's own words.
    assert_eq!(
        grounded.persona.evidence()[0].quote,
        "\u{201C}I\u{2019}m the co\u{2011}founder of ＡＣＭＥ\u{201D}"
    );
}

#[test]
fn a_quote_with_one_word_in_five_changed_verifies_and_two_do_not() {
    let source = "Last spring I finally opened my own small bakery near the harbour.";
    let quote = |q: &str| {
        let draft = PersonaDraft {
            evidence: vec![evidence("goals", q, "block:0")],
            ..PersonaDraft::default()
        };
        flag(draft, &[source]).grounding.counts.fabricated_quotes
    };
    assert_eq!(quote("I finally opened my own small bakery"), 0, "exact");
    assert_eq!(
        quote("I finally opened my own little bakery"),
        0,
        "1 of 7 changed"
    );
    assert_eq!(
        quote("I opened my own small bakery"),
        0,
        "one word left out"
    );
    assert_eq!(
        quote("I finally opened my own small cafe"),
        0,
        "1 of 7 changed"
    );
    assert_eq!(
        quote("I finally closed my own small cafe"),
        1,
        "2 of 7 changed"
    );
    assert_eq!(quote("I finally opened a cafe"), 1, "2 of 5 changed");
    assert_eq!(
        quote("I finally opened it"),
        1,
        "short quotes match exactly"
    );
    assert_eq!(
        quote("I finally opened my"),
        0,
        "short quotes match exactly"
    );
}

#[test]
fn a_fuzzy_quote_supports_only_what_the_source_words_say() {
    let source = "On weekends I love jazz, tea and long walks by the sea.";
    let draft = PersonaDraft {
        interests: strings(&["coffee", "jazz"]),
        evidence: vec![evidence(
            "interests",
            "I love jazz, coffee and long walks",
            "block:0",
        )],
        ..PersonaDraft::default()
    };
    let grounded = flag(draft, &[source]);
    assert_eq!(grounded.grounding.counts.fabricated_quotes, 0);
    assert_eq!(
        grounded.persona.evidence()[0].quote,
        "I love jazz, tea and long walks"
    );
    assert_eq!(
        status(&grounded, "/interests/0"),
        Some(GroundingStatus::Inferred)
    );
    assert_eq!(
        status(&grounded, "/interests/1"),
        Some(GroundingStatus::Quoted)
    );
}

#[test]
fn spans_count_characters_of_the_text_the_client_sent() {
    let raw = "  \r\nNombre: José\r\nEdad: 34";
    let draft = PersonaDraft {
        name: Some("José".into()),
        age: Some(34),
        ..PersonaDraft::default()
    };
    let grounded = ground(
        persona(draft),
        &SourceBundle::parse(&[raw.to_owned()], &[]).expect("valid"),
        GroundingMode::Flag,
    );
    let chars: Vec<char> = raw.chars().collect();
    for (pointer, expected) in [("/name", "José"), ("/age", "34")] {
        let span = grounded
            .grounding
            .fields
            .get(pointer)
            .and_then(|f| f.span)
            .expect("span");
        let text: String = chars[span.start as usize..span.end as usize]
            .iter()
            .collect();
        assert_eq!(text, expected, "{pointer}");
    }
}

#[test]
fn a_quote_deep_in_a_large_source_is_found_at_its_place() {
    let filler = "lorem ipsum dolor sit amet ".repeat(2_700);
    let block = format!("{filler}I restore old sailing boats for a living.");
    let start = filler.chars().count();
    let draft = PersonaDraft {
        occupation: Some("boat restorer".into()),
        evidence: vec![evidence(
            "occupation",
            "I restore old sailing boats",
            "block:3",
        )],
        ..PersonaDraft::default()
    };
    let blocks = [
        filler.as_str(),
        filler.as_str(),
        filler.as_str(),
        block.as_str(),
    ];
    let grounded = flag(draft, &blocks);
    let occupation = grounded
        .grounding
        .fields
        .get("/occupation")
        .expect("graded");
    assert_eq!(occupation.status, GroundingStatus::Quoted);
    let expected = u32::try_from(start).expect("small");
    assert_eq!(
        occupation.span,
        Some(Span {
            start: expected,
            end: expected + 27
        })
    );
}

#[test]
fn the_mode_reads_and_writes_its_name() {
    assert_eq!("flag".parse(), Ok(GroundingMode::Flag));
    assert_eq!("strict".parse(), Ok(GroundingMode::Strict));
    assert_eq!(
        "lenient".parse::<GroundingMode>(),
        Err(UnknownGroundingMode)
    );
    assert_eq!(GroundingMode::Strict.to_string(), "strict");
    assert_eq!(GroundingMode::default(), GroundingMode::Flag);
}

#[test]
fn a_grounding_round_trips_through_json() {
    let grounding = flag(ana(), &[ANA]).grounding;
    let json = serde_json::to_string(&grounding).expect("json");
    assert_eq!(
        serde_json::from_str::<Grounding>(&json).expect("reads"),
        grounding
    );
    let twice = json.replace("\"/age\"", "\"/name\"");
    assert!(
        serde_json::from_str::<Grounding>(&twice).is_err(),
        "a repeated pointer"
    );
}

#[test]
fn check_accepts_what_ground_produced() {
    let grounded = flag(ana(), &[ANA]);
    assert_eq!(grounded.grounding.check(&grounded.persona), Ok(()));
}

#[test]
fn check_names_each_misfit_by_pointer() {
    let grounded = flag(ana(), &[ANA]);
    let mut json = serde_json::to_value(&grounded.grounding).expect("json");
    json["fields"]["/skills/0"] = json!({"status": "inferred"});
    json["fields"]["/age"]["quote"] = json!("34");
    json["fields"]["/name"]["source"] = json!("https://example.com");
    json["fields"]["/location"]["span"] = json!({"start": 3, "end": 3});
    let grounding: Grounding = serde_json::from_value(json).expect("shape");
    let violations = grounding.check(&grounded.persona).expect_err("misfits");
    let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "/fields/~1name/source",
            "/fields/~1age/quote",
            "/fields/~1location/span",
            "/fields/~1skills~10",
            "/counts"
        ]
    );
}

#[test]
fn check_does_not_repeat_a_key_that_is_no_pointer() {
    let grounded = flag(ana(), &[ANA]);
    let mut json = serde_json::to_value(&grounded.grounding).expect("json");
    json["fields"]["my secret diary"] = json!({"status": "inferred"});
    json["counts"]["inferred"] = json!(3);
    let grounding: Grounding = serde_json::from_value(json).expect("shape");
    let violations = grounding.check(&grounded.persona).expect_err("misfit");
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].field, "/fields");
    assert!(!format!("{violations:?}").contains("secret"));
}

/// Words of a source vocabulary ([a-m]) and words that are never in it ([n-z]).
fn source_text() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-m]{1,8}", 10..80).prop_map(|words| words.join(" "))
}

fn absent_word() -> impl Strategy<Value = String> {
    "[n-z]{2,8}"
}

/// Text with everything folding has to handle: case, accents, ligatures, full-width letters,
/// curly quotes, dashes, runs of mixed whitespace.
fn rich_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9]{1,8}",
        "[éÉßçÇøÅ]{1,3}",
        Just("\u{FB01}".to_owned()),
        Just("ＡＢ".to_owned()),
        Just("\u{2019}".to_owned()),
        Just("\u{201C}".to_owned()),
        Just("\u{2014}".to_owned()),
        Just("-".to_owned()),
        "[ \t\n\u{A0}]{1,3}",
        "[.,;:!?]",
    ];
    prop::collection::vec(piece, 20..120).prop_map(|p| p.concat())
}

fn quote_draft(quote: String) -> PersonaDraft {
    PersonaDraft {
        evidence: vec![evidence("background", &quote, "block:0")],
        ..PersonaDraft::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_substring_of_the_source_verifies_with_the_right_span(
        text in rich_text(),
        lead in "[ \t\r\n]{0,3}",
        from in 0usize..1000,
        len in 8usize..60,
    ) {
        let raw = format!("{lead}{text}");
        let Ok(bundle) = SourceBundle::parse(std::slice::from_ref(&raw), &[]) else {
            return Ok(());
        };
        let block: Vec<char> = bundle.text_blocks()[0].chars().collect();
        prop_assume!(block.len() > len);
        let from = from % (block.len() - len);
        let quote: String = block[from..from + len].iter().collect();
        let folded = Folded::new(&quote);
        prop_assume!(folded.text.chars().any(char::is_alphanumeric));

        let grounded = ground(persona(quote_draft(quote.clone())), &bundle, GroundingMode::Flag);
        prop_assert_eq!(grounded.grounding.counts.fabricated_quotes, 0);
        let source = Source::new(&bundle);
        let found = source.quote(&quote, Some(0)).expect("found");
        let (start, end) = bundle.original_span(0, found.start, found.end).expect("in range");
        let raw_chars: Vec<char> = raw.chars().collect();
        let at_span: String = raw_chars[start..end].iter().collect();
        prop_assert_eq!(Folded::new(&at_span).text, folded.text);
    }

    #[test]
    fn a_substring_of_unique_words_is_found_exactly_where_it_was_taken(
        // Words of one length cannot hide inside each other.
        words in prop::collection::hash_set("[a-z]{5}", 10..60),
        from in 0usize..1000,
        count in 1usize..8,
    ) {
        let words: Vec<String> = words.into_iter().collect();
        let text = words.join(" ");
        let from = from % (words.len() - count);
        let quote = words[from..from + count].join(" ");
        let start = words[..from].iter().map(|w| w.len() + 1).sum::<usize>();
        let source = Source::new(&bundle(&[&text]));
        let found = source.quote(&quote, None).expect("found");
        prop_assert_eq!((found.start, found.end), (start, start + quote.len()));
    }

    #[test]
    fn strings_absent_from_the_source_never_verify(
        text in source_text(),
        quote in prop::collection::vec(absent_word(), 1..30).prop_map(|w| w.join(" ")),
    ) {
        let grounded = ground(persona(quote_draft(quote)), &bundle(&[&text]), GroundingMode::Flag);
        prop_assert_eq!(grounded.grounding.counts.fabricated_quotes, 1);
        prop_assert!(grounded.persona.evidence().is_empty());
    }

    #[test]
    fn a_quote_with_more_than_a_fifth_of_its_words_absent_never_verifies(
        text in source_text(),
        from in 0usize..1000,
        kept in 1usize..20,
        absent in prop::collection::vec(absent_word(), 1..10),
        at in 0usize..1000,
    ) {
        prop_assume!(absent.len() * 100 > (kept + absent.len()) * (100 - FUZZY_MIN_OVERLAP_PERCENT));
        let words: Vec<&str> = text.split(' ').collect();
        prop_assume!(words.len() > kept);
        let from = from % (words.len() - kept);
        let mut quote: Vec<&str> = words[from..from + kept].to_vec();
        for word in &absent {
            quote.insert(at % (quote.len() + 1), word);
        }
        let source = Source::new(&bundle(&[&text]));
        prop_assert_eq!(source.quote(&quote.join(" "), Some(0)), None);
    }

    #[test]
    fn strict_grounding_returns_nothing_unsupported(
        text in source_text(),
        picks in prop::collection::vec((any::<bool>(), 0usize..100), 0..10),
        invented in prop::collection::vec(absent_word(), 0..5),
    ) {
        let words: Vec<&str> = text.split(' ').collect();
        let mut skills: Vec<String> = picks
            .iter()
            .map(|&(_, i)| words[i % words.len()].to_owned())
            .collect();
        skills.extend(invented.iter().cloned());
        let draft = PersonaDraft {
            name: Some(words[0].to_owned()),
            location: invented.first().cloned(),
            skills,
            evidence: picks
                .iter()
                .map(|&(real, i)| {
                    let quote = if real { words[i % words.len()].to_owned() } else { "zzz qqq".to_owned() };
                    evidence("skills", &quote, "block:0")
                })
                .collect(),
            ..PersonaDraft::default()
        };
        let grounded = strict(draft, &[&text]);
        prop_assert_eq!(grounded.grounding.counts.inferred, 0);
        prop_assert_eq!(grounded.persona.location(), None);
        prop_assert!(grounded.persona.skills().iter().all(|s| !invented.contains(s)));
        prop_assert_eq!(grounded.grounding.fields.len(), 1 + grounded.persona.skills().len());
        prop_assert_eq!(grounded.grounding.check(&grounded.persona), Ok(()));
        // Grounding again finds nothing more to remove.
        let again = ground(grounded.persona.clone(), &bundle(&[&text]), GroundingMode::Strict);
        prop_assert_eq!(again.persona, grounded.persona);
        prop_assert!(again.warnings.is_empty());
    }
}
