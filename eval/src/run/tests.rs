use std::collections::HashMap;

use super::*;
use crate::labels::{Field, Labels};
use crate::score::Tally;

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn endpoint(model: Option<&str>) -> Settings {
    Settings {
        target: Target::Endpoint {
            base_url: "http://127.0.0.1:11434/v1".into(),
            model: model.map(str::to_owned),
        },
        grounding: None,
        concurrency: 1,
    }
}

fn mock() -> Settings {
    Settings {
        target: Target::Mock,
        grounding: None,
        concurrency: 1,
    }
}

/// Settings a user's environment may hold, which the evaluation must not follow to a store.
const STRAY: &[(&str, &str)] = &[
    ("OPENAI_API_KEY", "sk-from-env"),
    ("OPENAI_BASE_URL", "https://elsewhere.example/v1"),
    ("OPENAI_MODEL", "from-env"),
    ("SUPABASE_URL", "https://x.supabase.co"),
    ("SUPABASE_SERVICE_ROLE_KEY", "k"),
    ("USE_MOCK_DATA", "false"),
    ("MAX_TOKENS", "3000"),
];

#[test]
fn mock_mode_ignores_every_model_and_store_setting_of_the_environment() {
    let config = config(&mock(), env(STRAY)).expect("config");
    assert!(config.mock_mode);
    assert!(!config.openai_configured && config.openai.api_key.is_none());
    assert!(config.supabase.is_none());
}

#[test]
fn an_endpoint_takes_its_url_and_model_from_the_flags_and_its_key_from_the_environment() {
    let config = config(&endpoint(Some("llama3.1")), env(STRAY)).expect("config");
    assert!(!config.mock_mode);
    assert_eq!(config.openai.base_url, "http://127.0.0.1:11434/v1");
    assert_eq!(config.openai.model, "llama3.1");
    assert!(config.openai.api_key.is_some());
    assert_eq!(config.openai.max_tokens, 3000);
    assert!(config.supabase.is_none());
    // Without --model, OPENAI_MODEL (or the service's default) names the model.
    let unnamed = super::config(&endpoint(None), env(STRAY)).expect("config");
    assert_eq!(unnamed.openai.model, "from-env");
}

#[test]
fn the_grounding_flag_wins_over_the_environment() {
    let vars = [("GROUNDING", "flag")];
    let mut settings = mock();
    assert_eq!(
        lookup(&settings, env(&vars))("GROUNDING").as_deref(),
        Some("flag")
    );
    settings.grounding = Some("strict".into());
    assert_eq!(
        lookup(&settings, env(&vars))("GROUNDING").as_deref(),
        Some("strict")
    );
}

fn case(name: &str, blocks: &[&str]) -> Case {
    Case {
        name: name.into(),
        description: String::new(),
        text_blocks: blocks.iter().map(|b| (*b).to_owned()).collect(),
        links: vec![],
        labels: Labels::from_json(&serde_json::json!({
            "name": "Maya Patel", "age": 34, "occupation": "product designer", "location": null
        }))
        .expect("labels"),
    }
}

#[tokio::test]
async fn each_case_is_answered_by_the_pipeline_and_scored_in_corpus_order() {
    let api = build_api_in_memory(&config(&mock(), env(&[])).expect("config")).expect("pipeline");
    let cases = [
        case(
            "01-ok",
            &["Hi, my name is Maya Patel. I'm 34 years old and I work as a product designer."],
        ),
        case("02-empty", &["   "]),
    ];
    let results = run(&api, &cases, 2).await;
    let outcomes: Vec<(&str, &str)> = results
        .iter()
        .map(|r| (r.case.as_str(), r.answer.outcome()))
        .collect();
    assert_eq!(outcomes, [("01-ok", "ok"), ("02-empty", "INVALID_REQUEST")]);
    let hit = Tally {
        tp: 1,
        fp: 0,
        fn_: 0,
    };
    assert_eq!(results[0].tallies[&Field::Name], hit);
    assert_eq!(results[0].tallies[&Field::Occupation], hit);
    assert_eq!(
        results[1].tallies[&Field::Age],
        Tally {
            tp: 0,
            fp: 0,
            fn_: 1
        }
    );
}
