//! The real `persona-server` binary, started as a user would start it: environment, `.env`,
//! signals, and a data folder that outlives the process; and killed with SIGKILL mid-job
//! (`killed_mid_job`).

mod killed_mid_job;
mod llmock;
mod server;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use server::Server;

async fn json(response: reqwest::Response) -> (u16, Value) {
    (
        response.status().as_u16(),
        response.json().await.expect("json body"),
    )
}

#[tokio::test]
async fn on_embedded_defaults_a_saved_persona_survives_sigterm_and_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path(), &[]).await;
    let client = reqwest::Client::new();

    let (status, processed) = json(
        client
            .post(server.url("/api/process-persona"))
            .json(&json!({ "textBlocks": ["My name is Ada Lovelace. I am 36 years old."], "links": [] }))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 200, "{processed:?}");
    let persona = processed["data"]["persona"].clone();
    assert_eq!(persona["name"], "Ada Lovelace");

    let (status, saved) = json(
        client
            .post(server.url("/api/save-persona"))
            .json(&json!({ "persona": persona }))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 201, "{saved:?}");
    let id = saved["data"]["id"].as_str().expect("id").to_owned();
    assert!(
        dir.path().join("data").join(format!("{id}.json")).is_file(),
        "the default data folder is ./data"
    );

    assert!(server.terminate(), "SIGTERM stops the server cleanly");

    let server = Server::start(dir.path(), &[]).await;
    let (status, got) = json(
        reqwest::get(server.url(&format!("/api/get-persona?id={id}")))
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 200, "{got:?}");
    assert_eq!(got["data"]["persona"], persona);
}

#[tokio::test]
async fn a_dot_env_file_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".env"), "USE_MOCK_DATA=true\n").expect("write .env");
    let server = Server::start(dir.path(), &[]).await;
    let (_, health) = json(reqwest::get(server.url("/api/health")).await.expect("sent")).await;
    assert_eq!(health["data"]["mode"], "mock");
    assert_eq!(health["data"]["store"], "memory");
}

#[tokio::test]
async fn a_bad_setting_stops_the_start_and_names_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_persona-server"))
        .current_dir(dir.path())
        .env_clear()
        .env("USE_MOCK_DATA", "perhaps")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let logged = String::from_utf8_lossy(&output.stdout);
    assert!(
        logged.contains("USE_MOCK_DATA must be true or false"),
        "{logged}"
    );
}

#[tokio::test]
async fn trust_proxy_headers_stops_the_start_and_says_what_to_set_instead() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_persona-server"))
        .current_dir(dir.path())
        .env_clear()
        .env("PORT", "0")
        .env("USE_MOCK_DATA", "true")
        .env("TRUST_PROXY_HEADERS", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    // A server that starts anyway would run until stopped: give it a while, then fail.
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("process status").is_none() {
        if Instant::now() > deadline {
            child.kill().expect("killed");
            panic!("persona-server started with TRUST_PROXY_HEADERS=true");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let output = child.wait_with_output().expect("output");
    assert!(!output.status.success());
    let logged = String::from_utf8_lossy(&output.stdout);
    assert!(
        logged.contains("TRUSTED_CLIENT_IP_HEADER=x-forwarded-for")
            && logged.contains("TRUSTED_PROXY_HOPS=N"),
        "{logged}"
    );
}

#[tokio::test]
async fn a_raised_process_deadline_alone_starts_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    // What EVAL.md suggests for a local model; the request deadline follows it.
    let server = Server::start(
        dir.path(),
        &[("USE_MOCK_DATA", "true"), ("PROCESS_DEADLINE_MS", "120000")],
    )
    .await;
    let (status, _) = json(reqwest::get(server.url("/api/health")).await.expect("sent")).await;
    assert_eq!(status, 200);
}
