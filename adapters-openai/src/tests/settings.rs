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
