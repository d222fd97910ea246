//! Signed entries come back verified; unsigned or altered ones are kept as the client's claim,
//! and without a key nothing is signed or verified.

use super::*;

#[tokio::test]
async fn process_signs_every_entry_and_a_save_of_it_is_verified() {
    let api = api(Some(1), SignaturePolicy::Accept);
    let data = process(&api).await;
    let fields = data["grounding"]["fields"].as_object().expect("fields");
    assert_eq!(fields.len(), 5, "{fields:?}");
    assert!(
        fields
            .values()
            .all(|e| e["signature"].as_str().map(str::len) == Some(32))
    );
    let (status, flags) = save_and_get(&api, &data["persona"], &data["grounding"]).await;
    assert_eq!(status, 201);
    assert_eq!(
        flags,
        json!({"/name": true, "/location": true, "/skills/0": true, "/skills/1": true, "/skills/2": true})
    );
}

#[tokio::test]
async fn unsigned_and_altered_entries_are_stored_as_the_clients_claim() {
    let api = api(Some(1), SignaturePolicy::Accept);
    let data = process(&api).await;
    let mut grounding = data["grounding"].clone();
    let fields = &mut grounding["fields"];
    fields["/name"]
        .as_object_mut()
        .expect("entry")
        .remove("signature");
    fields["/location"]["span"]["start"] = json!(0);
    // A client cannot set the flag itself.
    fields["/skills/0"]["verified"] = json!(true);
    fields["/skills/0"]["signature"] = json!("0".repeat(32));
    let (status, flags) = save_and_get(&api, &data["persona"], &grounding).await;
    assert_eq!(status, 201);
    assert_eq!(
        flags,
        json!({"/name": false, "/location": false, "/skills/0": false, "/skills/1": true, "/skills/2": true})
    );
}

#[tokio::test]
async fn a_removed_list_item_keeps_the_others_verified() {
    let api = api(Some(1), SignaturePolicy::Require);
    let data = process(&api).await;
    let mut persona = data["persona"].clone();
    persona["skills"] = json!(["chemistry", "cooking"]);
    let mut grounding = data["grounding"].clone();
    let old = grounding["fields"].clone();
    let fields = grounding["fields"].as_object_mut().expect("fields");
    fields.remove("/skills/2");
    fields.insert("/skills/1".into(), old["/skills/2"].clone());
    let status = old["/skills/1"]["status"]
        .as_str()
        .expect("a status")
        .to_owned();
    grounding["counts"][&status] =
        json!(grounding["counts"][&status].as_u64().expect("a count") - 1);
    let (status, flags) = save_and_get(&api, &persona, &grounding).await;
    assert_eq!(status, 201, "{flags}");
    assert_eq!(
        flags,
        json!({"/name": true, "/location": true, "/skills/0": true, "/skills/1": true})
    );
}

#[tokio::test]
async fn without_a_key_nothing_is_signed_and_nothing_verified() {
    let api = api(None, SignaturePolicy::Accept);
    let data = process(&api).await;
    let fields = data["grounding"]["fields"].as_object().expect("fields");
    assert!(fields.values().all(|e| e.get("signature").is_none()));
    let (status, flags) = save_and_get(&api, &data["persona"], &data["grounding"]).await;
    assert_eq!(status, 201);
    assert!(
        flags
            .as_object()
            .expect("flags")
            .values()
            .all(|v| v == false),
        "{flags}"
    );
}
