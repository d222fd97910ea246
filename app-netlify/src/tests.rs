//! The deployed layout agrees with the API: every operation is a function crate and a rewrite
//! from its path, so a new operation cannot be served by the server alone.

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
