//! The served OpenAPI document against the served answers, the hardening headers, and inputs at
//! the size limits, black-box.

use serde_json::{Value, json};

use super::helpers::{MAYA, TestApp, spawn_app};

/// Checks answers against the document the server itself serves.
struct Document(Value);

impl Document {
    async fn fetch(app: &TestApp) -> Self {
        let answer = app.get("/api/openapi.json").await;
        assert_eq!(answer.status, 200);
        Self(answer.body)
    }

    /// The problems `body` has against the component schema `name` (empty: it conforms).
    fn problems(&self, name: &str, body: &Value) -> Vec<String> {
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#/components/schemas/{name}"),
            "components": self.0["components"],
        });
        let validator = jsonschema::validator_for(&root).expect("the component compiles");
        validator.iter_errors(body).map(|e| e.to_string()).collect()
    }

    /// The schema the document names for `status` of `operation`.
    fn schema_for(&self, path: &str, method: &str, status: u16) -> String {
        let operation = &self.0["paths"][path][method];
        let response = &operation["responses"][status.to_string()];
        let reference = response["$ref"]
            .as_str()
            .map(|r| {
                let name = r.rsplit('/').next().expect("a name");
                self.0["components"]["responses"][name]["content"]["application/json"]["schema"]
                    ["$ref"]
                    .clone()
            })
            .unwrap_or_else(|| response["content"]["application/json"]["schema"]["$ref"].clone());
        let reference = reference
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} documents no {status}"));
        reference.rsplit('/').next().expect("a name").to_owned()
    }

    fn assert_conforms(&self, path: &str, method: &str, status: u16, body: &Value) {
        let schema = self.schema_for(path, method, status);
        let problems = self.problems(&schema, body);
        assert!(
            problems.is_empty(),
            "{method} {path} {status} vs {schema}: {problems:?}\n{body}"
        );
    }
}

#[tokio::test]
async fn every_answer_of_a_session_matches_the_served_document() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true")]).await;
    let document = Document::fetch(&app).await;

    let processed = app.process(&[MAYA], &["https://example.com/maya"]).await;
    document.assert_conforms(
        "/api/process-persona",
        "post",
        processed.status,
        &processed.body,
    );
    assert_eq!(processed.status, 200);
    let saved = app.save(&processed.body["data"]["persona"]).await;
    document.assert_conforms("/api/save-persona", "post", saved.status, &saved.body);
    assert_eq!(saved.status, 201);
    let id = saved.body["data"]["id"].as_str().expect("an id");
    let got = app.get_persona(id).await;
    document.assert_conforms("/api/get-persona", "get", got.status, &got.body);
    let health = app.get("/api/health").await;
    document.assert_conforms("/api/health", "get", health.status, &health.body);

    let errors = [
        (
            "/api/process-persona",
            "post",
            app.process(&[" "], &[]).await,
        ),
        (
            "/api/save-persona",
            "post",
            app.save(&json!({ "age": 400 })).await,
        ),
        ("/api/get-persona", "get", app.get_persona("nope").await),
        (
            "/api/get-persona",
            "get",
            app.get_persona("AAAAAAAAAAAAAAAAAAAAA").await,
        ),
        (
            "/api/process-persona",
            "post",
            app.post_json("/api/process-persona", &json!([])).await,
        ),
    ];
    for (path, method, answer) in errors {
        assert!(answer.status >= 400, "{path}: {}", answer.status);
        document.assert_conforms(path, method, answer.status, &answer.body);
    }
}

#[tokio::test]
async fn answers_carry_the_hardening_headers_and_no_server_banner() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true")]).await;
    for answer in [
        app.get("/api/health").await,
        app.process(&[MAYA], &[]).await,
        app.get_persona("AAAAAAAAAAAAAAAAAAAAA").await,
        app.get("/api/nowhere").await,
    ] {
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(answer.header("x-frame-options"), Some("DENY"));
        assert_eq!(answer.header("cache-control"), Some("no-store"));
        assert!(answer.header("server").is_none(), "{:?}", answer.headers);
        assert!(answer.header("x-request-id").is_some());
    }
}

#[tokio::test]
async fn a_client_over_its_budget_is_told_when_to_come_back() {
    let app = spawn_app(&[
        ("USE_MOCK_DATA", "true"),
        ("RATE_LIMIT_PER_MINUTE", "process-persona=2"),
    ])
    .await;
    assert_eq!(app.process(&[MAYA], &[]).await.status, 200);
    assert_eq!(app.process(&[MAYA], &[]).await.status, 200);
    let limited = app.process(&[MAYA], &[]).await;
    assert_eq!((limited.status, limited.code()), (429, "RATE_LIMITED"));
    let wait: u64 = limited
        .header("retry-after")
        .expect("retry-after")
        .parse()
        .expect("seconds");
    assert!((25..=30).contains(&wait), "{wait}");
    // Reads have a budget of their own.
    assert_eq!(app.get_persona("AAAAAAAAAAAAAAAAAAAAA").await.status, 404);
}

/// About `words` words of varied, realistic prose.
fn long_text(words: usize) -> String {
    let sentence = "Maya Patel spent the spring mapping bike lanes across Berlin with her \
                    neighbours, and she writes about it every week. ";
    let per = sentence.split_whitespace().count();
    sentence.repeat(words.div_ceil(per))
}

#[tokio::test]
async fn ten_thousand_words_and_twenty_five_links_are_processed() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true")]).await;
    let text = long_text(10_500);
    assert!(text.split_whitespace().count() >= 10_000);
    let links: Vec<String> = (0..25)
        .map(|i| format!("https://example.com/maya/{i}"))
        .collect();
    let links: Vec<&str> = links.iter().map(String::as_str).collect();
    let answer = app.process(&[&text, MAYA], &links).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["data"]["persona"]["name"], "Maya Patel");
}

#[tokio::test]
async fn inputs_over_the_limits_are_told_what_and_by_how_much() {
    let app = spawn_app(&[("USE_MOCK_DATA", "true")]).await;
    let links: Vec<String> = (0..53)
        .map(|i| format!("https://example.com/{i}"))
        .collect();
    let links: Vec<&str> = links.iter().map(String::as_str).collect();
    let answer = app.process(&[MAYA], &links).await;
    assert_eq!((answer.status, answer.code()), (413, "PAYLOAD_TOO_LARGE"));
    assert_eq!(
        answer.body["error"]["message"],
        "links holds 53 links; at most 50 are allowed (3 too many)"
    );

    let block = "a".repeat(100_010);
    let answer = app.process(&[&block], &[]).await;
    assert_eq!((answer.status, answer.code()), (413, "PAYLOAD_TOO_LARGE"));
    assert_eq!(
        answer.body["error"]["message"],
        "textBlocks[0] has 100010 characters; at most 100000 are allowed (10 too many)"
    );

    let huge = "b".repeat(1_200_000);
    let answer = app
        .send(
            app.client
                .post(app.url("/api/process-persona"))
                .header("content-type", "application/json")
                .body(format!("{{\"textBlocks\": [\"{huge}\"]}}")),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (413, "PAYLOAD_TOO_LARGE"));
    let message = answer.body["error"]["message"].as_str().expect("a message");
    assert!(
        message.starts_with("the request body is 1200020 bytes, 151444 over the limit of 1048576"),
        "{message}"
    );
}
