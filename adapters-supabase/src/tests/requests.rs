//! The exact requests a save and a get send: path, headers and body.

use serde_json::Value;
use wiremock::matchers::header;

use super::*;

#[tokio::test]
async fn a_save_sends_the_exact_request() {
    let (server, store) = connected().await;
    mount(&server, "POST", &object_path(ID), json_ok(UPLOADED)).await;
    let doc = document();

    store.create(&doc).await.expect("created");

    let uploads = requests_to(&server, "POST", &object_path(ID)).await;
    assert_eq!(uploads.len(), 1);
    let upload = &uploads[0];
    assert_eq!(header_of(upload, "content-type"), "application/json");
    assert_eq!(header_of(upload, "x-upsert"), "false");
    assert_eq!(header_of(upload, "cache-control"), "no-cache");
    assert_eq!(header_of(upload, "authorization"), format!("Bearer {KEY}"));
    assert_eq!(header_of(upload, "apikey"), KEY);
    assert_eq!(upload.body, doc.to_json());
    assert_eq!(
        header_of(upload, "content-length"),
        doc.to_json().len().to_string()
    );
    assert!(upload.headers.get("transfer-encoding").is_none());
    let metadata = BASE64
        .decode(header_of(upload, "x-metadata"))
        .expect("base64");
    let metadata: Value = serde_json::from_slice(&metadata).expect("json");
    assert_eq!(
        metadata,
        serde_json::to_value(doc.metadata()).expect("json")
    );
    assert_eq!(metadata["content_sha256"], doc.metadata().content_sha256);
}

#[tokio::test]
async fn a_get_reads_the_authenticated_object_with_both_key_headers() {
    let (server, store) = connected().await;
    let doc = document();
    Mock::given(method("GET"))
        .and(path(download_path(ID)))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("apikey", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_raw(doc.to_json(), "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    assert_eq!(store.get(doc.id()).await, Ok(doc));
}
