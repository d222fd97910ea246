//! The deployed layout agrees with the API: every operation is a function crate and a rewrite
//! from its path, so a new operation cannot be served by the server alone. And the functions,
//! separate processes, agree on grounding signatures only through `GROUNDING_SIGNING_KEY`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use persona_api::Operation;

use crate::StartError;

fn workspace_file(path: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `(from, to)` of each `[[redirects]]` rule of `netlify.toml`, in order.
fn redirects(netlify_toml: &str) -> Vec<(String, String)> {
    let config: toml::Table = toml::from_str(netlify_toml).expect("netlify.toml is TOML");
    let text = |rule: &toml::Value, key: &str| {
        rule.get(key)
            .and_then(toml::Value::as_str)
            .unwrap_or_else(|| panic!("a redirect without a `{key}`"))
            .to_owned()
    };
    config
        .get("redirects")
        .and_then(toml::Value::as_array)
        .expect("netlify.toml has [[redirects]]")
        .iter()
        .map(|rule| (text(rule, "from"), text(rule, "to")))
        .collect()
}

#[test]
fn every_operation_is_a_function_crate_calling_run_with_its_name() {
    let folders: BTreeSet<String> =
        std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../netlify/functions"))
            .expect("netlify/functions")
            .map(|entry| {
                entry
                    .expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
    let names: BTreeSet<String> = Operation::ALL
        .iter()
        .map(|op| op.name().to_owned())
        .collect();
    assert_eq!(folders, names);
    for name in &names {
        let main = workspace_file(&format!("netlify/functions/{name}/src/main.rs"));
        assert!(
            main.contains(&format!("persona_app_netlify::run({name:?})")),
            "netlify/functions/{name}/src/main.rs does not run {name}"
        );
        let manifest = workspace_file(&format!("netlify/functions/{name}/Cargo.toml"));
        assert!(
            manifest.contains(&format!("name = {name:?}")),
            "netlify/functions/{name}/Cargo.toml is not the package {name}"
        );
    }
}

#[test]
fn netlify_toml_rewrites_each_operations_path_to_its_function() {
    let mut got = redirects(&workspace_file("netlify.toml"));
    got.sort();
    let mut expected: Vec<(String, String)> = Operation::ALL
        .iter()
        .map(|op| {
            (
                op.path().to_owned(),
                format!("/.netlify/functions/{}", op.name()),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(got, expected);
}

#[test]
fn an_unknown_name_is_told_every_function() {
    let message = StartError::UnknownFunction("nope".into()).to_string();
    for operation in Operation::ALL {
        assert!(message.contains(operation.name()), "{message}");
    }
}

/// `data` of a function's answer to a JSON event.
async fn call(
    function: &crate::Function,
    method: &str,
    query: &str,
    body: &serde_json::Value,
) -> serde_json::Value {
    let answer = function
        .answer(serde_json::json!({
            "path": format!("/api/{}", function.operation().name()),
            "httpMethod": method,
            "headers": { "content-type": "application/json" },
            "queryStringParameters": if query.is_empty() { serde_json::json!({}) } else { serde_json::json!({ "id": query }) },
            "body": if body.is_null() { String::new() } else { body.to_string() },
            "isBase64Encoded": false,
        }))
        .await
        .expect("answered");
    let text = match answer.body {
        Some(lambda_http::Body::Text(text)) => text,
        other => panic!("a text body, not {other:?}"),
    };
    let body: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert!(answer.status_code < 300, "{body}");
    body["data"].clone()
}

/// Processes in one cold-started function, saves in another and reads back in a third, as
/// Netlify runs them: the `verified` flags of the saved grounding.
async fn verified_across_functions(vars: &[(&str, &str)]) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().display().to_string();
    let mut vars: Vec<(&str, &str)> = vars.to_vec();
    vars.extend([("USE_MOCK_DATA", "true"), ("PERSONA_DATA_DIR", &data_dir)]);
    let config = crate::config_from_lookup(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .expect("config");
    let build = |name: &'static str| crate::Function::build(name, &config);
    let maya = "Hi, my name is Maya Patel. I live in Berlin. I love climbing and jazz.";
    let processed = call(
        &build("process-persona").await.expect("builds"),
        "POST",
        "",
        &serde_json::json!({ "textBlocks": [maya] }),
    )
    .await;
    let saved = call(
        &build("save-persona").await.expect("builds"),
        "POST",
        "",
        &serde_json::json!({ "persona": processed["persona"], "grounding": processed["grounding"] }),
    )
    .await;
    let id = saved["id"].as_str().expect("an id");
    let got = call(
        &build("get-persona").await.expect("builds"),
        "GET",
        id,
        &serde_json::Value::Null,
    )
    .await;
    got["grounding"]["fields"]
        .as_object()
        .expect("fields")
        .values()
        .map(|entry| entry["verified"].clone())
        .collect()
}

#[tokio::test]
async fn functions_sharing_grounding_signing_key_verify_each_others_signatures() {
    let key = "a-key-every-function-of-the-site-is-given";
    let flags = verified_across_functions(&[("GROUNDING_SIGNING_KEY", key)]).await;
    assert!(
        !flags.is_empty() && flags.iter().all(|f| *f == true),
        "{flags:?}"
    );
}

#[tokio::test]
async fn without_a_key_each_function_signs_with_its_own_and_a_save_is_the_clients_claim() {
    let flags = verified_across_functions(&[]).await;
    assert!(
        !flags.is_empty() && flags.iter().all(|f| *f == false),
        "{flags:?}"
    );
}
