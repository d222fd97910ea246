//! Settings: defaults, what is refused, and the key never shown.

use crate::OpenAiConfigError;
use crate::settings::endpoint;

use super::*;

fn with(tweak: impl FnOnce(&mut OpenAiSettings)) -> Result<OpenAiExtractor, OpenAiConfigError> {
    let mut settings = OpenAiSettings {
        api_key: Some(SecretString::from(KEY)),
        ..OpenAiSettings::default()
    };
    tweak(&mut settings);
    OpenAiExtractor::new(settings)
}

#[test]
fn defaults_follow_the_issue() {
    let s = OpenAiSettings::default();
    assert_eq!(s.base_url, "https://api.openai.com/v1");
    assert_eq!(s.model, "gpt-4o-mini");
    assert_eq!(
        (s.max_tokens, s.max_retries, s.context_tokens),
        (2000, 2, 128_000)
    );
    assert_eq!(s.deadline, Duration::from_secs(25));
    assert!(s.api_key.is_none());
}

#[test]
fn the_endpoint_keeps_the_base_path() {
    let url = |base: &str| endpoint(base).expect("valid").to_string();
    assert_eq!(
        url("https://api.openai.com/v1"),
        "https://api.openai.com/v1/chat/completions"
    );
    assert_eq!(
        url("http://localhost:11434/v1/"),
        "http://localhost:11434/v1/chat/completions"
    );
    assert_eq!(
        url("http://127.0.0.1:8080"),
        "http://127.0.0.1:8080/chat/completions"
    );
}

#[test]
fn a_base_url_that_is_not_http_is_refused() {
    for base in [
        "",
        "api.openai.com/v1",
        "ftp://example.com/v1",
        "https://x.example/v1?a=b",
        "file:///tmp",
    ] {
        let error = with(|s| s.base_url = base.into()).expect_err(base);
        assert!(
            matches!(error, OpenAiConfigError::BadBaseUrl { .. }),
            "{base}: {error:?}"
        );
    }
}

#[test]
fn settings_that_cannot_work_are_refused() {
    assert_eq!(
        with(|s| s.model = " ".into()).unwrap_err(),
        OpenAiConfigError::EmptyModel
    );
    assert_eq!(
        with(|s| s.max_tokens = 0).unwrap_err(),
        OpenAiConfigError::ZeroMaxTokens
    );
    assert_eq!(
        with(|s| s.deadline = Duration::ZERO).unwrap_err(),
        OpenAiConfigError::ZeroDeadline
    );
    assert!(matches!(
        with(|s| s.context_tokens = 2000).unwrap_err(),
        OpenAiConfigError::ContextTooSmall { .. }
    ));
    let error = with(|s| s.api_key = Some(SecretString::from("sk-line\nbreak"))).unwrap_err();
    assert_eq!(error, OpenAiConfigError::BadApiKey);
    assert!(!error.to_string().contains("sk-line"));
}

#[test]
fn debug_never_shows_the_key() {
    let extractor = with(|_| {}).expect("valid");
    let settings = OpenAiSettings {
        api_key: Some(SecretString::from(KEY)),
        ..OpenAiSettings::default()
    };
    for text in [format!("{extractor:?}"), format!("{settings:?}")] {
        assert!(!text.contains(KEY), "{text}");
        assert!(text.contains("gpt-4o-mini"), "{text}");
    }
}

#[test]
fn the_dialect_follows_the_host_unless_set() {
    let dialect = |url: &str, set: Option<SchemaDialect>| {
        with(|s| {
            s.base_url = url.to_owned();
            s.schema_dialect = set;
        })
        .expect("valid")
        .dialect()
    };
    assert_eq!(
        dialect("https://api.openai.com/v1", None),
        SchemaDialect::OpenAi
    );
    assert_eq!(
        dialect("https://my-team.openai.azure.com/openai/v1", None),
        SchemaDialect::OpenAi
    );
    for local in [
        "http://127.0.0.1:8080/v1",
        "http://localhost:11434/v1",
        "https://vllm.internal.example/v1",
    ] {
        assert_eq!(dialect(local, None), SchemaDialect::Full, "{local}");
    }
    assert_eq!(
        dialect("http://127.0.0.1:8080/v1", Some(SchemaDialect::OpenAi)),
        SchemaDialect::OpenAi
    );
    assert_eq!(
        dialect("https://api.openai.com/v1", Some(SchemaDialect::Full)),
        SchemaDialect::Full
    );
}

#[test]
fn sampling_out_of_range_is_refused() {
    assert_eq!(
        with(|s| s.sampling.temperature = 2.5).unwrap_err(),
        OpenAiConfigError::BadTemperature
    );
    assert_eq!(
        with(|s| s.sampling.temperature = f64::NAN).unwrap_err(),
        OpenAiConfigError::BadTemperature
    );
    assert_eq!(
        with(|s| s.sampling.frequency_penalty = Some(-3.0)).unwrap_err(),
        OpenAiConfigError::BadFrequencyPenalty
    );
}

#[test]
fn the_budget_is_the_schema_bound_capped_by_max_tokens() {
    assert_eq!(with(|_| {}).expect("valid").max_tokens(), budget());
    assert!(
        budget() < 2000,
        "the bound fits the default cap: {}",
        budget()
    );
    assert_eq!(
        with(|s| s.max_tokens = 300).expect("valid").max_tokens(),
        300
    );
}
