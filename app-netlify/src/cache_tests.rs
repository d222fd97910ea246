//! get-persona's `ETag` and 304, and the cache of saved personas, through a warm function.

use std::collections::HashMap;
use std::path::Path;

use lambda_http::Body;
use lambda_http::aws_lambda_events::apigw::ApiGatewayProxyResponse;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{Function, config_from_lookup};

async fn functions(data_dir: &Path, vars: &[(&str, &str)]) -> (Function, Function) {
    let mut map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    map.insert("USE_MOCK_DATA".into(), "true".into());
    map.insert("PERSONA_DATA_DIR".into(), data_dir.display().to_string());
    let config = config_from_lookup(|name| map.get(name).cloned()).expect("config");
    let save = Function::build("save-persona", &config)
        .await
        .expect("builds");
    let get = Function::build("get-persona", &config)
        .await
        .expect("builds");
    (save, get)
}

fn text(answer: &ApiGatewayProxyResponse) -> &str {
    match &answer.body {
        Some(Body::Text(text)) => text,
        other => panic!("a text body, not {other:?}"),
    }
}

fn header<'a>(answer: &'a ApiGatewayProxyResponse, name: &str) -> Option<&'a str> {
    answer.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn save(function: &Function) -> String {
    let saved = function
        .answer(json!({
            "path": "/api/save-persona",
            "httpMethod": "POST",
            "headers": { "content-type": "application/json" },
            "body": json!({ "persona": { "name": "Ada", "background": "x".repeat(1_000) } }).to_string(),
        }))
        .await
        .expect("answered");
    assert_eq!(saved.status_code, 201, "{saved:?}");
    let body: Value = serde_json::from_str(text(&saved)).expect("json");
    body["data"]["id"].as_str().expect("id").to_owned()
}

async fn get(
    function: &Function,
    method: &str,
    id: &str,
    condition: Option<&str>,
) -> ApiGatewayProxyResponse {
    let headers = condition.map_or_else(|| json!({}), |tag| json!({ "if-none-match": tag }));
    function
        .answer(json!({
            "path": "/api/get-persona",
            "httpMethod": method,
            "headers": headers,
            "queryStringParameters": { "id": id },
        }))
        .await
        .expect("answered")
}

#[tokio::test]
async fn a_function_tags_a_persona_and_answers_a_matching_condition_with_304() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (save_fn, get_fn) = functions(dir.path(), &[]).await;
    let id = save(&save_fn).await;
    let first = get(&get_fn, "GET", &id, None).await;
    assert_eq!(first.status_code, 200);
    let tag = format!("\"{:x}\"", Sha256::digest(text(&first).as_bytes()));
    assert_eq!(header(&first, "etag"), Some(tag.as_str()));
    assert_eq!(header(&first, "cache-control"), Some("private, no-cache"));
    for method in ["GET", "HEAD"] {
        let answer = get(&get_fn, method, &id, Some(&format!("W/{tag}"))).await;
        assert_eq!(answer.status_code, 304, "{method}");
        assert_eq!(text(&answer), "", "{method}");
        assert_eq!(header(&answer, "etag"), Some(tag.as_str()), "{method}");
        assert_eq!(header(&answer, "cache-control"), Some("private, no-cache"));
        assert_eq!(header(&answer, "content-length"), None, "{method}");
    }
    let stale = get(&get_fn, "GET", &id, Some("\"stale\"")).await;
    assert_eq!(stale.status_code, 200);
    let bad = get(&get_fn, "GET", &id, Some("stale")).await;
    assert_eq!(bad.status_code, 400);
}

/// Saves, reads once, removes the file: what the same warm get-persona answers next.
async fn status_after_the_file_is_gone(vars: &[(&str, &str)]) -> i64 {
    let dir = tempfile::tempdir().expect("tempdir");
    let (save_fn, get_fn) = functions(dir.path(), vars).await;
    let id = save(&save_fn).await;
    assert_eq!(get(&get_fn, "GET", &id, None).await.status_code, 200);
    std::fs::remove_file(dir.path().join(format!("{id}.json"))).expect("the file was there");
    get(&get_fn, "GET", &id, None).await.status_code
}

#[tokio::test]
async fn a_warm_function_serves_a_persona_it_read_from_memory_within_its_bound() {
    assert_eq!(status_after_the_file_is_gone(&[]).await, 200);
    assert_eq!(
        status_after_the_file_is_gone(&[("PERSONA_CACHE_BYTES", "0")]).await,
        404
    );
    assert_eq!(
        status_after_the_file_is_gone(&[("PERSONA_CACHE_BYTES", "1000")]).await,
        404
    );
}
