//! The settings: defaults, overrides, and every setting that cannot work named.

use std::collections::HashMap;

use super::*;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|name| map.get(name).cloned())
}

#[test]
fn defaults_need_no_variable() {
    let c = config(&[]).expect("config");
    assert_eq!(
        (c.host.as_str(), c.port, c.mock_mode),
        ("127.0.0.1", 8080, false)
    );
    assert_eq!(c.data_dir, PathBuf::from("./data"));
    assert_eq!(c.cors, CorsPolicy::Origins(vec![]));
    assert!(!c.openai_configured);
    assert_eq!(c.logging, Logging::default());
    assert_eq!(
        (
            c.openai.base_url.as_str(),
            c.openai.model.as_str(),
            c.openai.max_tokens,
            c.openai.max_retries,
            c.openai.context_tokens,
            c.openai.deadline,
        ),
        (
            "https://api.openai.com/v1",
            "gpt-4o-mini",
            2_000,
            2,
            128_000,
            Duration::from_secs(25)
        )
    );
    assert!(c.supabase.is_none());
    assert_eq!(c.grounding, GroundingMode::Flag);
}

#[test]
fn grounding_is_flag_or_strict_and_anything_else_is_named() {
    assert_eq!(
        config(&[("GROUNDING", "strict")])
            .expect("config")
            .grounding,
        GroundingMode::Strict
    );
    assert_eq!(
        config(&[("GROUNDING", "flag")]).expect("config").grounding,
        GroundingMode::Flag
    );
    let e = config(&[("GROUNDING", "STRICT!")]).expect_err("refused");
    assert_eq!(e.to_string(), "GROUNDING must be one of: flag, strict");
}

#[test]
fn hardening_defaults_and_overrides() {
    let c = config(&[]).expect("config");
    assert_eq!(c.rate_limits, RateLimitPolicy::default());
    assert_eq!(c.request_deadline, Duration::from_secs(30));
    assert_eq!(c.openai.attempt_timeout, None);
    assert_eq!(
        c.llm_limit,
        LlmLimit {
            max_concurrency: 8,
            queue_timeout: Duration::from_secs(10),
            max_waiting: 256
        }
    );
    let c = config(&[
        ("RATE_LIMIT_PER_MINUTE", "process-persona=3"),
        ("TRUSTED_CLIENT_IP_HEADER", "x-forwarded-for"),
        ("TRUSTED_PROXY_HOPS", "2"),
        ("OPENAI_TIMEOUT_MS", "2500"),
        ("LLM_MAX_CONCURRENCY", "2"),
    ])
    .expect("config");
    assert_eq!(c.rate_limits.per_minute["process-persona"], 3);
    assert_eq!(
        c.rate_limits.client_address.to_string(),
        "x-forwarded-for, hops=2"
    );
    assert_eq!(c.openai.attempt_timeout, Some(Duration::from_millis(2500)));
    assert_eq!(c.llm_limit.max_concurrency, 2);
}

#[test]
fn hardening_settings_that_cannot_work_are_named() {
    let e = config(&[("RATE_LIMIT_PER_MINUTE", "fast")]).expect_err("bad");
    assert!(e.to_string().starts_with("RATE_LIMIT_PER_MINUTE: "), "{e}");
    let e = config(&[
        ("PROCESS_DEADLINE_MS", "40000"),
        ("REQUEST_DEADLINE_MS", "30000"),
    ])
    .expect_err("longer than the request");
    assert_eq!(
        e,
        ConfigError::DeadlineOrder {
            process_ms: 40_000,
            request_ms: 30_000
        }
    );
    assert!(
        config(&[
            ("PROCESS_DEADLINE_MS", "40000"),
            ("REQUEST_DEADLINE_MS", "45000")
        ])
        .is_ok()
    );
    assert_eq!(
        config(&[("TRUST_PROXY_HEADERS", "maybe")]).err(),
        Some(ConfigError::NotABool {
            name: "TRUST_PROXY_HEADERS"
        })
    );
    let e = config(&[("TRUSTED_PROXY_HOPS", "1")]).expect_err("hops without a header");
    assert!(e.to_string().contains("x-forwarded-for"), "{e}");
    assert_eq!(
        config(&[("LLM_MAX_CONCURRENCY", "0")]).err(),
        Some(ConfigError::NotANumber {
            name: "LLM_MAX_CONCURRENCY",
            min: 1,
            max: 10_000
        })
    );
}

#[test]
fn trust_proxy_headers_is_refused_with_what_to_set_instead() {
    let e = config(&[("TRUST_PROXY_HEADERS", "true")]).expect_err("refused");
    let message = e.to_string();
    for hint in [
        "TRUSTED_CLIENT_IP_HEADER=x-nf-client-connection-ip",
        "TRUSTED_CLIENT_IP_HEADER=x-forwarded-for",
        "TRUSTED_PROXY_HOPS=N",
    ] {
        assert!(message.contains(hint), "{message}");
    }
    // Saying not to trust proxies is what the default does anyway.
    let c = config(&[("TRUST_PROXY_HEADERS", "false")]).expect("config");
    assert_eq!(c.rate_limits.client_address, ClientAddress::Peer);
}

#[test]
fn a_raised_process_deadline_alone_gets_a_request_deadline_that_fits() {
    let c = config(&[("PROCESS_DEADLINE_MS", "120000")]).expect("config");
    assert_eq!(c.request_deadline, Duration::from_secs(125));
    // Below the default, the default stands.
    let c = config(&[("PROCESS_DEADLINE_MS", "9000")]).expect("config");
    assert_eq!(c.request_deadline, DEFAULT_REQUEST_DEADLINE);
    let c = config(&[("PROCESS_DEADLINE_MS", "600000")]).expect("the longest");
    assert_eq!(c.request_deadline, Duration::from_secs(605));
}

#[test]
fn a_base_url_alone_configures_the_llm() {
    let c = config(&[("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")]).expect("config");
    assert!(c.openai_configured && c.openai.api_key.is_none());
    assert_eq!(c.openai.base_url, "http://127.0.0.1:11434/v1");
}

#[test]
fn numbers_out_of_range_are_named_with_their_range() {
    assert_eq!(
        config(&[("MAX_TOKENS", "lots")]).err(),
        Some(ConfigError::NotANumber {
            name: "MAX_TOKENS",
            min: 16,
            max: 100_000
        })
    );
    let e = config(&[("PROCESS_DEADLINE_MS", "50")]).expect_err("too short");
    assert_eq!(
        e.to_string(),
        "PROCESS_DEADLINE_MS must be a whole number from 1000 to 600000"
    );
    assert_eq!(
        config(&[("PROCESS_DEADLINE_MS", "9000")])
            .expect("config")
            .openai
            .deadline,
        Duration::from_secs(9)
    );
}

#[test]
fn half_a_supabase_configuration_is_refused() {
    assert_eq!(
        config(&[("SUPABASE_URL", "https://x.supabase.co")]).err(),
        Some(ConfigError::Incomplete {
            set: "SUPABASE_URL",
            missing: "SUPABASE_SERVICE_ROLE_KEY"
        })
    );
    assert_eq!(
        config(&[("SUPABASE_SERVICE_ROLE_KEY", "k")]).err(),
        Some(ConfigError::Incomplete {
            set: "SUPABASE_SERVICE_ROLE_KEY",
            missing: "SUPABASE_URL"
        })
    );
    let c = config(&[
        ("SUPABASE_URL", "https://x.supabase.co"),
        ("SUPABASE_SERVICE_ROLE_KEY", "k"),
        ("SUPABASE_BUCKET", "team-personas"),
    ])
    .expect("config");
    let supabase = c.supabase.expect("supabase");
    assert_eq!(
        (supabase.url.as_str(), supabase.bucket.as_str()),
        ("https://x.supabase.co", "team-personas")
    );
}

#[test]
fn mock_mode_allows_any_origin_by_default() {
    let c = config(&[("USE_MOCK_DATA", "true")]).expect("config");
    assert!(c.mock_mode);
    assert_eq!(c.cors, CorsPolicy::AnyOrigin);
}

#[test]
fn the_next_public_flag_is_accepted_when_the_plain_one_is_unset() {
    assert!(
        config(&[("NEXT_PUBLIC_USE_MOCK_DATA", "1")])
            .expect("config")
            .mock_mode
    );
    assert!(
        !config(&[
            ("USE_MOCK_DATA", "false"),
            ("NEXT_PUBLIC_USE_MOCK_DATA", "true")
        ])
        .expect("config")
        .mock_mode
    );
}

#[test]
fn explicit_origins_win_over_the_mock_default() {
    let c = config(&[
        ("USE_MOCK_DATA", "true"),
        ("ALLOWED_ORIGINS", "http://localhost:3000"),
    ])
    .expect("config");
    assert_eq!(
        c.cors,
        CorsPolicy::Origins(vec!["http://localhost:3000".into()])
    );
}

#[test]
fn a_bad_flag_or_port_is_named() {
    assert_eq!(
        config(&[("USE_MOCK_DATA", "maybe")]).err(),
        Some(ConfigError::NotABool {
            name: "USE_MOCK_DATA"
        })
    );
    assert_eq!(
        config(&[("PORT", "http")]).err(),
        Some(ConfigError::BadPort)
    );
    assert_eq!(
        config(&[("PORT", "70000")]).err(),
        Some(ConfigError::BadPort)
    );
}

#[test]
fn debug_never_shows_a_key() {
    let c = config(&[
        ("OPENAI_API_KEY", "sk-test-very-secret"),
        ("SUPABASE_URL", "https://x.supabase.co"),
        ("SUPABASE_SERVICE_ROLE_KEY", "eyJsecret"),
    ])
    .expect("config");
    let shown = format!("{c:?}");
    assert!(
        !shown.contains("very-secret") && !shown.contains("eyJsecret"),
        "{shown}"
    );
}

#[test]
fn supabase_takes_the_adapters_defaults_and_each_override() {
    let both = [
        ("SUPABASE_URL", "https://x.supabase.co"),
        ("SUPABASE_SERVICE_ROLE_KEY", "k"),
    ];
    let c = config(&both).expect("config");
    let supabase = c.supabase.expect("supabase");
    let default = SupabaseSettings::default();
    assert_eq!(
        (
            supabase.bucket.as_str(),
            supabase.deadline,
            supabase.max_retries
        ),
        ("personas", Duration::from_secs(10), default.max_retries)
    );
    let c = config(&[both[0], both[1], ("STORE_DEADLINE_MS", "2500")]).expect("config");
    assert_eq!(
        c.supabase.expect("supabase").deadline,
        Duration::from_millis(2500)
    );
    // Without Supabase the deadline is still checked, so a bad one is named at once.
    assert_eq!(
        config(&[("STORE_DEADLINE_MS", "5")]).err(),
        Some(ConfigError::NotANumber {
            name: "STORE_DEADLINE_MS",
            min: 100,
            max: 600_000
        })
    );
}

#[test]
fn the_log_settings_are_read_with_the_rest() {
    let c = config(&[("LOG_FORMAT", " JSON "), ("RUST_LOG", "persona=debug")]).expect("config");
    assert_eq!(
        c.logging,
        Logging {
            format: LogFormat::Json,
            filter: Some("persona=debug".into())
        }
    );
    let c = config(&[("LOG_FORMAT", "text"), ("RUST_LOG", "  ")]).expect("config");
    assert_eq!(c.logging, Logging::default());
}
