//! The playground page from both doors: `netlify.toml`'s `[[headers]]` rules give each file of
//! `public/` the headers persona-server sends with its embedded copy, and under `netlify dev`
//! the two doors answer the same bytes with the same headers.
//!
//! One difference is the CLI's, not the configuration's: `netlify dev`'s static server keeps its
//! own `cache-control` (`public, max-age=0`) over a `[[headers]]` rule, where a deploy applies
//! the rule. So `cache-control` is compared by what it makes a browser do (ask again before
//! reusing a copy), and the rule itself is held to the server's `no-cache` by the check of the
//! tables.

use std::collections::BTreeMap;

use persona_app_http::site::{FILES, HEADERS};

use super::{setting, spawn_server};

/// The headers compared between the doors (lowercase), besides `cache-control`.
const COMPARED: [&str; 5] = [
    "content-type",
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
];

/// `for` path → header (lowercase name) → value, from the `[[headers]]` rules of `netlify.toml`.
fn netlify_header_rules() -> BTreeMap<String, BTreeMap<String, String>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../netlify.toml");
    let text = std::fs::read_to_string(&path).expect("netlify.toml");
    let config: toml::Table = toml::from_str(&text).expect("netlify.toml is TOML");
    let rules = config
        .get("headers")
        .and_then(toml::Value::as_array)
        .expect("netlify.toml has [[headers]]");
    rules
        .iter()
        .map(|rule| {
            let path = rule.get("for").and_then(toml::Value::as_str);
            let values = rule.get("values").and_then(toml::Value::as_table);
            let (Some(path), Some(values)) = (path, values) else {
                panic!("a [[headers]] rule without `for` or `values`: {rule:?}");
            };
            let values = values
                .iter()
                .map(|(name, value)| {
                    let value = value.as_str().expect("header values are strings");
                    (name.to_ascii_lowercase(), value.to_owned())
                })
                .collect();
            (path.to_owned(), values)
        })
        .collect()
}

#[test]
fn netlify_toml_gives_each_file_the_headers_the_server_sends() {
    let rules = netlify_header_rules();
    let expected: BTreeMap<String, BTreeMap<String, String>> = FILES
        .iter()
        .map(|file| {
            let mut headers: BTreeMap<String, String> = HEADERS
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect();
            headers.insert("content-type".into(), file.content_type.into());
            (file.path.to_owned(), headers)
        })
        .collect();
    assert_eq!(rules, expected);
}

/// Whether a `cache-control` value makes a browser ask again before reusing a copy.
fn revalidates(cache_control: &str) -> bool {
    cache_control
        .split(',')
        .map(str::trim)
        .any(|directive| directive == "no-cache" || directive == "max-age=0")
}

#[test]
fn revalidation_is_read_from_the_directives() {
    assert!(revalidates("no-cache"));
    assert!(revalidates("public, max-age=0"));
    assert!(!revalidates("public, max-age=300"));
    assert!(!revalidates("max-age=00"));
}

/// Status, the compared headers, `cache-control` and the body of a GET.
async fn page(
    client: &reqwest::Client,
    base: &str,
    path: &str,
) -> (u16, BTreeMap<&'static str, String>, String, Vec<u8>) {
    let response = client
        .get(format!("{base}{path}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {base}{path}: {e}"));
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("<absent>")
            .to_owned()
    };
    let compared = COMPARED.iter().map(|name| (*name, header(name))).collect();
    let cache_control = header("cache-control");
    let body = response.bytes().await.expect("a body").to_vec();
    (status, compared, cache_control, body)
}

#[tokio::test]
async fn the_page_under_netlify_dev_is_the_servers_byte_for_byte() {
    let Some(netlify) = setting("NETLIFY_URL", "the address of .ci/start-netlify") else {
        return;
    };
    let server = spawn_server().await;
    let client = reqwest::Client::new();
    for path in [
        "/",
        "/?id=V1StGXR8_Z5jdHi6B-myT",
        "/app.js",
        "/style.css",
        "/favicon.svg",
    ] {
        let (status, headers, cache_control, body) = page(&client, &server.base, path).await;
        let (n_status, n_headers, n_cache_control, n_body) = page(&client, &netlify, path).await;
        assert_eq!((status, n_status), (200, 200), "{path}");
        assert!(body == n_body, "{path}: the doors answer different bytes");
        assert_eq!(headers, n_headers, "{path}: server, then Netlify");
        assert_eq!(cache_control, "no-cache", "{path}");
        assert!(
            revalidates(&n_cache_control),
            "{path}: Netlify's cache-control {n_cache_control:?} lets a browser reuse a stale copy"
        );
    }
    server.handle.stop(true).await;
}
