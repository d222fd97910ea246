//! Under `require`, and with another server's key or a malformed signature: what a save refuses,
//! and how the refusal says what to send.

use super::*;

#[tokio::test]
async fn require_refuses_an_unverified_entry_and_says_what_to_do() {
    let api = api(Some(1), SignaturePolicy::Require);
    let data = process(&api).await;
    let mut grounding = data["grounding"].clone();
    grounding["fields"]["/location"]
        .as_object_mut()
        .expect("entry")
        .remove("signature");
    let (status, body) = save_and_get(&api, &data["persona"], &grounding).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "INVALID_REQUEST");
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(
        message.contains("exactly as process-persona returned it"),
        "{message}"
    );
    assert_eq!(
        body["error"]["details"],
        json!([{
            "field": "/grounding/fields/~1location/signature",
            "message": "no signature of this server holds for this entry and value",
        }])
    );
    // The same save without the entry is fine.
    grounding["fields"]
        .as_object_mut()
        .expect("fields")
        .remove("/location");
    grounding["counts"]["stated"] = json!(grounding["counts"]["stated"].as_u64().expect("n") - 1);
    let (status, body) = save_and_get(&api, &data["persona"], &grounding).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn another_servers_key_is_not_this_servers() {
    let ours = api(Some(1), SignaturePolicy::Accept);
    let same_key = api(Some(1), SignaturePolicy::Accept);
    let other_key = api(Some(2), SignaturePolicy::Accept);
    let data = process(&ours).await;
    let (_, flags) = save_and_get(&same_key, &data["persona"], &data["grounding"]).await;
    assert!(
        flags
            .as_object()
            .expect("flags")
            .values()
            .all(|v| v == true),
        "{flags}"
    );
    let (_, flags) = save_and_get(&other_key, &data["persona"], &data["grounding"]).await;
    assert!(
        flags
            .as_object()
            .expect("flags")
            .values()
            .all(|v| v == false),
        "{flags}"
    );
}

#[tokio::test]
async fn a_malformed_signature_is_refused_at_its_place() {
    let api = api(Some(1), SignaturePolicy::Accept);
    let data = process(&api).await;
    let mut grounding = data["grounding"].clone();
    grounding["fields"]["/name"]["signature"] = json!("not a signature");
    let (status, body) = save_and_get(&api, &data["persona"], &grounding).await;
    assert_eq!(status, 400, "{body}");
    let details = body["error"]["details"].as_array().expect("details");
    assert_eq!(details.len(), 1, "{body}");
    assert_eq!(
        details[0]["field"], "/grounding/fields/~1name/signature",
        "{body}"
    );
    let message = details[0]["message"].as_str().expect("a message");
    assert_eq!(
        message,
        "a signature is the 32 lowercase hex digits process-persona gave; send it unchanged or leave it out"
    );
}
