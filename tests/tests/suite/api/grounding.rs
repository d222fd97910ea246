//! Grounding through the server: what process-persona says the source supports, what a save
//! keeps, and strict mode.

use persona_domain::{Evidence, PersonaDraft};
use serde_json::{Value, json};

use super::helpers::{MAYA, fake_openai, spawn_app};

/// Every pointer of a grounding with its status.
fn statuses(grounding: &Value) -> Vec<(String, String)> {
    grounding["fields"]
        .as_object()
        .expect("fields")
        .iter()
        .map(|(pointer, field)| {
            (
                pointer.clone(),
                field["status"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect()
}

fn chars(text: &str, span: &Value) -> String {
    let start = span["start"].as_u64().expect("start") as usize;
    let end = span["end"].as_u64().expect("end") as usize;
    text.chars().skip(start).take(end - start).collect()
}

#[tokio::test]
async fn the_mock_persona_is_quoted_value_by_value_from_the_input() {
    let app = spawn_app(&[]).await;
    let answer = app.process(&[MAYA], &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let grounding = &answer.body["data"]["grounding"];
    assert_eq!(grounding["mode"], "flag");
    let mut name = grounding["fields"]["/name"].clone();
    let signature = name.as_object_mut().and_then(|e| e.remove("signature"));
    assert_eq!(
        signature.as_ref().and_then(Value::as_str).map(str::len),
        Some(32)
    );
    assert_eq!(
        name,
        json!({"status": "quoted", "quote": "Hi, my name is Maya Patel.", "source": "block:0",
               "span": {"start": 0, "end": 26}})
    );
    let pointers: Vec<(String, String)> = statuses(grounding);
    let expected: Vec<&str> = vec![
        "/name",
        "/age",
        "/occupation",
        "/location",
        "/interests/0",
        "/interests/1",
        "/interests/2",
        "/languages/0",
        "/languages/1",
        "/quotes/0",
        "/quotes/1",
        "/quotes/2",
    ];
    assert_eq!(
        pointers.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
        expected
    );
    assert!(pointers.iter().all(|(_, s)| s == "quoted"), "{pointers:?}");
    for (pointer, field) in grounding["fields"].as_object().expect("fields") {
        assert_eq!(
            chars(MAYA, &field["span"]),
            field["quote"].as_str().expect("quote"),
            "{pointer}"
        );
    }
    assert_eq!(
        grounding["counts"],
        json!({"quoted": 12, "stated": 0, "inferred": 0, "fabricated_quotes": 0})
    );
}

/// A model that invents: a location the source never mentions, a quote that is not in it, and
/// one interest out of nowhere.
fn inventive_draft() -> PersonaDraft {
    PersonaDraft {
        name: Some("Maya Patel".into()),
        age: Some(34),
        location: Some("Lisbon".into()),
        interests: vec!["jazz".into(), "opera".into()],
        evidence: vec![
            Evidence {
                field: "location".into(),
                quote: "I have always lived in sunny Lisbon".into(),
                source: "block:0".into(),
            },
            Evidence {
                field: "interests".into(),
                quote: "I love climbing, jazz and Korean cooking.".into(),
                source: "block:0".into(),
            },
        ],
        ..PersonaDraft::default()
    }
}

fn codes(warnings: &Value) -> Vec<(String, String)> {
    warnings
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| {
            (
                w["field"].as_str().unwrap_or("?").to_owned(),
                w["code"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[tokio::test]
async fn a_models_inventions_are_flagged_and_its_invented_quote_dropped() {
    let openai = fake_openai(&inventive_draft()).await;
    let base = format!("{}/v1", openai.uri());
    let app = spawn_app(&[("OPENAI_BASE_URL", &base)]).await;
    let answer = app.process(&[MAYA], &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let data = &answer.body["data"];
    assert_eq!(
        statuses(&data["grounding"]),
        pairs(&[
            ("/name", "stated"),
            ("/age", "stated"),
            ("/location", "inferred"),
            ("/interests/0", "quoted"),
            ("/interests/1", "inferred"),
        ])
    );
    assert_eq!(data["grounding"]["counts"]["fabricated_quotes"], 1);
    assert_eq!(data["persona"]["location"], "Lisbon");
    assert_eq!(
        data["persona"]["evidence"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        codes(&data["warnings"]),
        pairs(&[("/evidence/0", "FABRICATED_QUOTE")])
    );
}

#[tokio::test]
async fn strict_mode_returns_nothing_the_source_does_not_support() {
    let openai = fake_openai(&inventive_draft()).await;
    let base = format!("{}/v1", openai.uri());
    let app = spawn_app(&[("OPENAI_BASE_URL", &base), ("GROUNDING", "strict")]).await;
    let answer = app.process(&[MAYA], &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let data = &answer.body["data"];
    assert_eq!(data["grounding"]["mode"], "strict");
    assert_eq!(data["grounding"]["counts"]["inferred"], 0);
    assert!(
        statuses(&data["grounding"])
            .iter()
            .all(|(_, s)| s != "inferred"),
        "{}",
        data["grounding"]
    );
    assert_eq!(data["persona"]["location"], Value::Null);
    assert_eq!(data["persona"]["interests"], json!(["jazz"]));
    assert_eq!(
        codes(&data["warnings"]),
        pairs(&[
            ("/evidence/0", "FABRICATED_QUOTE"),
            ("/location", "UNSUPPORTED_REMOVED"),
            ("/interests", "UNSUPPORTED_REMOVED"),
        ])
    );
}

#[tokio::test]
async fn a_saved_grounding_comes_back_with_the_persona() {
    let app = spawn_app(&[]).await;
    let data = app.process(&[MAYA], &[]).await.body["data"].clone();
    let saved = app
        .save_grounded(&data["persona"], &data["grounding"])
        .await;
    assert_eq!(saved.status, 201, "{}", saved.body);
    let id = saved.body["data"]["id"].as_str().expect("id");
    let got = app.get_persona(id).await;
    assert_eq!(got.status, 200, "{}", got.body);
    // The same grounding, each entry marked verified by the save.
    let mut expected = data["grounding"].clone();
    for entry in expected["fields"]
        .as_object_mut()
        .expect("fields")
        .values_mut()
    {
        entry["verified"] = json!(true);
    }
    assert_eq!(got.body["data"]["grounding"], expected);
    assert_eq!(got.body["data"]["persona"], data["persona"]);

    let plain = app.save(&data["persona"]).await;
    let id = plain.body["data"]["id"].as_str().expect("id");
    let got = app.get_persona(id).await;
    assert!(got.body["data"].get("grounding").is_none(), "{}", got.body);
}

#[tokio::test]
async fn a_grounding_that_no_longer_fits_the_edited_persona_is_refused_naming_where() {
    let app = spawn_app(&[]).await;
    let data = app.process(&[MAYA], &[]).await.body["data"].clone();
    let mut persona = data["persona"].clone();
    persona["interests"] = json!(["climbing"]);
    let answer = app.save_grounded(&persona, &data["grounding"]).await;
    assert_eq!(
        (answer.status, answer.code()),
        (400, "INVALID_REQUEST"),
        "{}",
        answer.body
    );
    let fields = answer.detail_fields();
    assert_eq!(
        fields,
        [
            "/grounding/fields/~1interests~11",
            "/grounding/fields/~1interests~12"
        ]
    );
    // No persona file (the process cache keeps its entries in a folder of its own).
    assert_eq!(
        std::fs::read_dir(&app.data_dir)
            .expect("dir")
            .filter(|e| e.as_ref().expect("entry").path().is_file())
            .count(),
        0,
        "nothing was written"
    );

    let mut grounding = data["grounding"].clone();
    grounding["fields"]["/name"]["status"] = json!("certain");
    let answer = app.save_grounded(&data["persona"], &grounding).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body["error"]["details"][0]["field"],
        "/grounding/fields/~1name/status"
    );
}
