//! Grounding signatures through the server: process → save → get says `verified: true`; a
//! forged grounding is stored as the client's claim or refused; servers sharing a key accept
//! each other's signatures and others do not; documents from before signatures read as claims.

use serde_json::{Value, json};

use super::helpers::{MAYA, TestApp, spawn_app};

const KEY: &str = "k6Xq1dXy0mR0oVb2m1w0kq3t7z9yQpL4sN8eR2uC5aE=";
const OTHER_KEY: &str = "Zt4b9Qw2Lr7Xc1Vn8Mk3Hj6Gf5Ds0Aa9Pp2Oo7Ii4Uu=";

/// The `verified` flag of each entry of the saved persona's grounding, read back with get.
async fn saved_flags(app: &TestApp, persona: &Value, grounding: &Value) -> Value {
    let saved = app.save_grounded(persona, grounding).await;
    assert_eq!(saved.status, 201, "{}", saved.body);
    let id = saved.body["data"]["id"].as_str().expect("an id");
    let got = app.get_persona(id).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let fields = got.body["data"]["grounding"]["fields"]
        .as_object()
        .expect("fields");
    Value::Object(
        fields
            .iter()
            .map(|(pointer, entry)| (pointer.clone(), entry["verified"].clone()))
            .collect(),
    )
}

fn all(flags: &Value, expected: bool) -> bool {
    flags
        .as_object()
        .is_some_and(|f| !f.is_empty() && f.values().all(|v| *v == expected))
}

async fn processed(app: &TestApp) -> Value {
    let answer = app.process(&[MAYA], &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["data"].clone()
}

#[tokio::test]
async fn a_processed_persona_saved_unchanged_reads_back_verified() {
    let app = spawn_app(&[("GROUNDING_SIGNING_KEY", KEY)]).await;
    let data = processed(&app).await;
    let fields = data["grounding"]["fields"].as_object().expect("fields");
    assert!(
        fields
            .values()
            .all(|e| e["signature"].as_str().is_some_and(|s| s.len() == 32)
                && e.get("verified").is_none()),
        "{fields:?}"
    );
    let flags = saved_flags(&app, &data["persona"], &data["grounding"]).await;
    assert!(all(&flags, true), "{flags}");
    assert_eq!(flags.as_object().map(|f| f.len()), Some(fields.len()));
}

#[tokio::test]
async fn without_a_configured_key_the_process_signs_with_its_own() {
    let app = spawn_app(&[]).await;
    let data = processed(&app).await;
    let flags = saved_flags(&app, &data["persona"], &data["grounding"]).await;
    assert!(all(&flags, true), "{flags}");
}

#[tokio::test]
async fn an_edited_persona_keeps_its_unchanged_values_verified() {
    let app = spawn_app(&[
        ("GROUNDING_SIGNING_KEY", KEY),
        ("GROUNDING_SIGNATURES", "require"),
    ])
    .await;
    let data = processed(&app).await;
    // What the playground does: the first interest removed, the others' entries re-keyed.
    let mut persona = data["persona"].clone();
    let interests = persona["interests"].as_array().expect("interests").clone();
    assert_eq!(interests.len(), 3, "{persona}");
    persona["interests"] = json!(interests[1..]);
    let old = &data["grounding"]["fields"];
    let mut fields = serde_json::Map::new();
    for (pointer, entry) in old.as_object().expect("fields") {
        match pointer.as_str() {
            "/interests/0" => {}
            "/interests/1" => _ = fields.insert("/interests/0".into(), entry.clone()),
            "/interests/2" => _ = fields.insert("/interests/1".into(), entry.clone()),
            _ => _ = fields.insert(pointer.clone(), entry.clone()),
        }
    }
    let mut grounding = data["grounding"].clone();
    grounding["fields"] = Value::Object(fields);
    grounding["counts"]["quoted"] = json!(grounding["counts"]["quoted"].as_u64().expect("n") - 1);
    let flags = saved_flags(&app, &persona, &grounding).await;
    assert!(all(&flags, true), "{flags}");
    assert_eq!(flags.get("/interests/1"), Some(&json!(true)));
}

/// The shape of the forged save that used to be stored as verified: a persona with every list
/// full of long items, every value marked `quoted` with an invented 500-character quote and span.
fn forged_body() -> Value {
    let lists = [
        "traits",
        "interests",
        "skills",
        "values",
        "goals",
        "languages",
        "quotes",
    ];
    let invented = "an invented quote that the source never said ".repeat(12);
    let invented = &invented[..500];
    let mut persona = json!({
        "name": "Forged Person", "age": 40, "occupation": "forger", "location": "Nowhere",
        "background": "b".repeat(2_000), "communication_style": "s".repeat(500),
        "evidence": (0..50).map(|i| json!({"field": "skills", "quote": format!("{i:02} {}", &invented[..497]), "source": "block:0"})).collect::<Vec<_>>(),
    });
    let mut fields = serde_json::Map::new();
    let entry = json!({"status": "quoted", "quote": invented, "source": "block:0",
                       "span": {"start": 0, "end": 500}});
    for scalar in [
        "name",
        "age",
        "occupation",
        "location",
        "communication_style",
    ] {
        fields.insert(format!("/{scalar}"), entry.clone());
    }
    for list in lists {
        let items: Vec<String> = (0..20)
            .map(|i| format!("{list} item {i} {}", "x".repeat(170)))
            .collect();
        persona[list] = json!(items);
        for i in 0..20 {
            fields.insert(format!("/{list}/{i}"), entry.clone());
        }
    }
    let quoted = fields.len();
    json!({
        "persona": persona,
        "source": {"blocks": 1, "links": 0},
        "grounding": {"mode": "flag", "fields": fields,
                      "counts": {"quoted": quoted, "stated": 0, "inferred": 0, "fabricated_quotes": 0}},
    })
}

#[tokio::test]
async fn a_forged_grounding_is_stored_as_the_clients_claim() {
    let app = spawn_app(&[("GROUNDING_SIGNING_KEY", KEY)]).await;
    let body = forged_body();
    assert!(
        body.to_string().len() > 140_000,
        "{}",
        body.to_string().len()
    );
    let flags = saved_flags(&app, &body["persona"], &body["grounding"]).await;
    assert_eq!(flags.as_object().map(|f| f.len()), Some(145));
    assert!(all(&flags, false), "{flags}");
}

#[tokio::test]
async fn a_forged_grounding_is_refused_when_signatures_are_required() {
    let app = spawn_app(&[
        ("GROUNDING_SIGNING_KEY", KEY),
        ("GROUNDING_SIGNATURES", "require"),
    ])
    .await;
    let answer = app.post_json("/api/save-persona", &forged_body()).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.code(), "INVALID_REQUEST");
    let message = answer.body["error"]["message"].as_str().expect("a message");
    assert!(
        message.contains("send each entry exactly as process-persona returned it"),
        "{message}"
    );
    let details = answer.body["error"]["details"].as_array().expect("details");
    assert_eq!(details.len(), 20, "at most 20 entries are listed");
    assert_eq!(details[0]["field"], "/grounding/fields/~1name/signature");
    assert!(
        !answer.body.to_string().contains("invented"),
        "no user text echoed"
    );
}

#[tokio::test]
async fn servers_sharing_a_key_accept_each_others_signatures_and_others_do_not() {
    let first = spawn_app(&[("GROUNDING_SIGNING_KEY", KEY)]).await;
    let same = spawn_app(&[("GROUNDING_SIGNING_KEY", KEY)]).await;
    let other = spawn_app(&[("GROUNDING_SIGNING_KEY", OTHER_KEY)]).await;
    let data = processed(&first).await;
    let flags = saved_flags(&same, &data["persona"], &data["grounding"]).await;
    assert!(all(&flags, true), "{flags}");
    let flags = saved_flags(&other, &data["persona"], &data["grounding"]).await;
    assert!(all(&flags, false), "{flags}");
}

#[tokio::test]
async fn a_document_saved_before_signatures_reads_as_the_clients_claim() {
    let app = spawn_app(&[("GROUNDING_SIGNING_KEY", KEY)]).await;
    let data = processed(&app).await;
    let saved = app
        .save_grounded(&data["persona"], &data["grounding"])
        .await;
    let id = saved.body["data"]["id"].as_str().expect("an id").to_owned();
    // Rewrite the stored file as this service wrote it before signatures: no signature, no flag.
    let path = app.data_dir.join(format!("{id}.json"));
    let mut document: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("stored")).expect("json");
    for entry in document["grounding"]["fields"]
        .as_object_mut()
        .expect("fields")
        .values_mut()
    {
        let entry = entry.as_object_mut().expect("entry");
        assert_eq!(entry.remove("verified"), Some(json!(true)));
        entry.remove("signature");
    }
    std::fs::write(&path, serde_json::to_vec(&document).expect("json")).expect("rewritten");
    let got = app.get_persona(&id).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let fields = got.body["data"]["grounding"]["fields"]
        .as_object()
        .expect("fields");
    assert!(
        fields.values().all(|e| e["verified"] == false),
        "{fields:?}"
    );
}

#[tokio::test]
async fn a_key_too_short_stops_the_server_with_how_to_make_one() {
    let config = persona_app_http::Config::from_lookup(|name| {
        (name == "GROUNDING_SIGNING_KEY").then(|| "hunter2".to_owned())
    });
    let message = config.expect_err("refused").to_string();
    assert!(message.contains("openssl rand -base64 32"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}
