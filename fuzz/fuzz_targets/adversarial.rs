//! Worst-case process-persona bodies (`persona_fuzz::adversarial`): long lists of distinct
//! items, values hidden inside long words, floods of sentences and of matches, each filled up to
//! the documented limits, through `Api::handle` over the mock adapters.
//!
//! Invariants: every such body is answered 200 (it is within the limits and the mock never
//! fails), with a persona whose lists hold at most 20 items and whose evidence at most 50. Speed
//! is libFuzzer's to judge: run with `-timeout=2` (fuzz/README.md) and an input that takes longer
//! is reported as a timeout, with the input saved, as a regression to the quadratic steps of
//! issue 14 would be.
#![no_main]

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use persona_adapters_mock::{MemoryStore, MockExtractor};
use persona_api::{Api, ApiSettings, CorsPolicy, RateLimitPolicy, Request};
use persona_domain::Field;
use persona_fuzz::adversarial::Shape;
use persona_ports::PersonaService;
use serde_json::{Value, json};

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
});

static API: LazyLock<Api> = LazyLock::new(|| {
    let service = PersonaService::new(Arc::new(MockExtractor::new()), Arc::new(MemoryStore::new()));
    Api::new(
        service,
        ApiSettings {
            cors: CorsPolicy::AnyOrigin,
            mock_mode: true,
            model: None,
            bucket: None,
            rate_limits: RateLimitPolicy::off(),
            deadline: Duration::from_secs(30),
        },
    )
});

fuzz_target!(|shape: Shape| {
    let body = json!({ "textBlocks": shape.blocks() }).to_string();
    let request = Request::new("POST", "/api/process-persona")
        .with_header("content-type", "application/json")
        .with_body(body);
    let response = RUNTIME.block_on(API.handle(request));
    let answer: Value = serde_json::from_slice(&response.body).expect("a JSON envelope");
    assert_eq!(response.status, 200, "{shape:?}: {answer}");
    let persona = &answer["data"]["persona"];
    // Every list (and evidence) within its cap.
    for field in Field::ALL {
        if let Some(max) = field.max_items() {
            let items = persona[field.name()].as_array().map_or(0, Vec::len);
            assert!(items <= max, "{shape:?}: {field} has {items} items");
        }
    }
});
