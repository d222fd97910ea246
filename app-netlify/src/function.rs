//! [`Function`]: one Netlify function, its operation and the API built for it at cold start.

use std::time::Duration;

use lambda_http::aws_lambda_events::apigw::ApiGatewayProxyResponse;
use persona_api::{Api, Operation};
use persona_wiring::config::ConfigError;
use persona_wiring::{BucketCheck, Config, MockStore, WiringError, build_api};
use serde_json::Value;
use thiserror::Error;
use tracing::error;

use crate::event::{EventError, to_request};
use crate::response::to_proxy_response;

/// Where the file store writes when `PERSONA_DATA_DIR` is unset: the one writable folder of a
/// function. It is ephemeral (each instance has its own, gone when the instance is); deploys keep
/// personas in Supabase Storage.
pub const DEFAULT_DATA_DIR: &str = "/tmp/persona-data";

/// How long Netlify lets a synchronous function run; not configurable (background functions get
/// 15 minutes, but answer nobody).
pub const SYNC_FUNCTION_LIMIT: Duration = Duration::from_secs(60);

/// The longest request deadline a function accepts: the platform's limit less room for a cold
/// start (the adapters are built before the first invocation) and for writing the answer, so the
/// client gets the API's own 504 rather than the platform's bare error.
pub const MAX_REQUEST_DEADLINE: Duration = Duration::from_secs(55);

/// What a function assumes where the server's defaults would not fit, each overridden by its
/// variable:
/// - `PERSONA_DATA_DIR`: [`DEFAULT_DATA_DIR`].
/// - `PROCESS_DEADLINE_MS` 45,000, so `REQUEST_DEADLINE_MS` is derived as 50,000: a real model
///   gets most of the [`SYNC_FUNCTION_LIMIT`], and the API still answers 504 ten seconds before
///   the platform would cut the function off. Either may be lowered; neither may push the
///   request deadline past [`MAX_REQUEST_DEADLINE`].
/// - `TRUSTED_CLIENT_IP_HEADER` `x-nf-client-connection-ip`: Netlify's edge sets it, and a
///   function sees no peer address of its own, so the rate limits count clients by that header.
const NETLIFY_DEFAULTS: [(&str, &str); 3] = [
    ("PERSONA_DATA_DIR", DEFAULT_DATA_DIR),
    ("PROCESS_DEADLINE_MS", "45000"),
    ("TRUSTED_CLIENT_IP_HEADER", "x-nf-client-connection-ip"),
];

/// Why a function could not start.
#[derive(Debug, Error)]
pub enum StartError {
    #[error(
        "no function is named {0:?}; the functions are process-persona, save-persona, get-persona, get-job, process-persona-background, health, openapi and persona-schema"
    )]
    UnknownFunction(String),
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Wiring(#[from] WiringError),
}

/// The settings of a function, read through `lookup` (the environment, or a map in tests).
///
/// The same [`Config`] the server reads, with the choices a function makes: mock mode keeps
/// saved personas in files (a function's memory may not outlive one call, so an in-memory store
/// could never hand a save to a later get), and the defaults of [`NETLIFY_DEFAULTS`].
///
/// # Errors
///
/// A [`ConfigError`] naming the first variable that cannot be understood, or a request deadline
/// the platform would cut off.
pub fn config_from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let mut config = Config::from_lookup(|name| {
        let value = lookup(name).filter(|v| !v.trim().is_empty());
        value.or_else(|| {
            NETLIFY_DEFAULTS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    })?;
    config.mock_store = MockStore::Files;
    // A function is frozen once it has answered: a job queued on its own pool would never run.
    config.jobs.pool = false;
    // Jobs go to the background function of this deploy (DEPLOY_URL), else of the site (URL);
    // Netlify sets both. Without either, `Prefer: respond-async` is not honoured.
    config.jobs.background = ["DEPLOY_URL", "URL"]
        .into_iter()
        .find_map(|name| lookup(name).filter(|v| !v.trim().is_empty()))
        .map(|site| crate::background::background_url(site.trim()));
    if config.request_deadline > MAX_REQUEST_DEADLINE {
        return Err(ConfigError::OverPlatformLimit {
            request_ms: config.request_deadline.as_millis(),
            max_ms: MAX_REQUEST_DEADLINE.as_millis(),
            platform: "Netlify stops a synchronous function at 60 s, and the API must answer \
                       first; lower PROCESS_DEADLINE_MS (at most 50,000) or REQUEST_DEADLINE_MS",
        });
    }
    Ok(config)
}

/// One Netlify function: the operation it serves and the API it answers with.
#[derive(Debug, Clone)]
pub struct Function {
    operation: Operation,
    api: Api,
}

impl Function {
    /// Builds the function named `name` (an [`Operation`]'s name: `process-persona`,
    /// `save-persona`, `get-persona`, `health`, `openapi`, `persona-schema`) and its adapters,
    /// exactly as the server builds them.
    ///
    /// # Errors
    ///
    /// When no function has that name or the adapters cannot be built.
    pub async fn build(name: &str, config: &Config) -> Result<Self, StartError> {
        let operation =
            Operation::from_name(name).ok_or_else(|| StartError::UnknownFunction(name.into()))?;
        let mut config = config.clone();
        // Every request may start a function afresh: a cold get-persona makes the one storage
        // call it needs. health checks the bucket as it starts, so a deploy's first look at
        // /api/health says whether the store can be used.
        if operation != Operation::Health {
            config.bucket_check = BucketCheck::OnBucketError;
        }
        let mut api = build_api(&config).await?;
        if let Some(url) = &config.jobs.background {
            api = api.with_jobs(
                config.jobs.policy,
                crate::background::background_runner(url.clone()),
            );
        }
        Ok(Self::new(operation, api))
    }

    pub fn new(operation: Operation, api: Api) -> Self {
        Self { operation, api }
    }

    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// Answers one invocation. Whatever path the client asked for, the function answers as its
    /// own operation: Netlify only calls it for its own name.
    ///
    /// # Errors
    ///
    /// When the event is not an HTTP event at all (the runtime reports it as an invocation
    /// error; Netlify answers the client with an error of its own).
    pub async fn answer(&self, event: Value) -> Result<ApiGatewayProxyResponse, EventError> {
        let request = to_request(event).inspect_err(|e| {
            error!(function = self.operation.name(), "unreadable event: {e}");
        })?;
        let head = request.method == "HEAD";
        let mut response = self
            .api
            .handle_operation(Some(self.operation), request)
            .await;
        // A 304 has no body to measure: its length would not be the 200's (RFC 9110 §8.6).
        if head && response.status != 304 {
            // A proxy response knows no HEAD: the body is left out here, as actix leaves it out
            // on the wire, with the GET's length kept (RFC 9110 §9.3.2).
            let length = response.body.len().to_string();
            response.headers.push(("content-length".into(), length));
            response.body.clear();
        }
        Ok(to_proxy_response(response))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::PathBuf;

    use serde_json::json;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        config_from_lookup(|name| map.get(name).cloned()).expect("config")
    }

    #[test]
    fn a_function_keeps_files_in_tmp_unless_told_otherwise() {
        let c = config(&[("USE_MOCK_DATA", "true")]);
        assert_eq!(
            (c.mock_store, c.data_dir),
            (MockStore::Files, PathBuf::from(DEFAULT_DATA_DIR))
        );
        let c = config(&[("PERSONA_DATA_DIR", "/srv/p")]);
        assert_eq!(c.data_dir, PathBuf::from("/srv/p"));
        assert_eq!(
            config(&[("PERSONA_DATA_DIR", "  ")]).data_dir,
            PathBuf::from(DEFAULT_DATA_DIR)
        );
    }

    #[test]
    fn a_bad_setting_is_still_refused() {
        let map = HashMap::from([("USE_MOCK_DATA", "maybe")]);
        assert!(config_from_lookup(|name| map.get(name).map(|v| (*v).to_owned())).is_err());
    }

    #[test]
    fn the_deadlines_fit_the_platforms_sixty_seconds() {
        let c = config(&[]);
        assert_eq!(c.openai.deadline, Duration::from_secs(45));
        assert_eq!(c.request_deadline, Duration::from_secs(50));
        assert!(c.request_deadline < SYNC_FUNCTION_LIMIT);
        // Raising only the model's deadline derives a request deadline that still fits.
        let c = config(&[("PROCESS_DEADLINE_MS", "50000")]);
        assert_eq!(c.request_deadline, MAX_REQUEST_DEADLINE);
        let lookup = |vars: HashMap<&'static str, &'static str>| {
            config_from_lookup(move |name| vars.get(name).map(|v| (*v).to_owned()))
        };
        let e = lookup(HashMap::from([("PROCESS_DEADLINE_MS", "58000")])).expect_err("too long");
        assert!(e.to_string().contains("Netlify stops"), "{e}");
        let e = lookup(HashMap::from([("REQUEST_DEADLINE_MS", "60000")])).expect_err("too long");
        assert!(e.to_string().contains("at most 55000"), "{e}");
    }

    #[test]
    fn rate_limits_count_clients_by_netlifys_header() {
        use persona_api::ClientAddress;
        assert_eq!(
            config(&[]).rate_limits.client_address,
            ClientAddress::NetlifyHeader
        );
        let c = config(&[("TRUSTED_CLIENT_IP_HEADER", "x-forwarded-for")]);
        assert_eq!(
            c.rate_limits.client_address.to_string(),
            "x-forwarded-for, hops=1"
        );
    }

    #[tokio::test]
    async fn a_function_counts_clients_by_the_edges_header_whatever_else_they_send() {
        let c = config(&[
            ("USE_MOCK_DATA", "true"),
            ("RATE_LIMIT_PER_MINUTE", "openapi=2"),
        ]);
        let openapi = Function::new(
            Operation::OpenApi,
            persona_wiring::build_api(&c).await.expect("builds"),
        );
        let status = |edge: &'static str, forged: String| {
            let openapi = &openapi;
            async move {
                let event = json!({
                    "path": "/api/openapi.json",
                    "httpMethod": "GET",
                    "multiValueHeaders": {
                        "x-nf-client-connection-ip": [edge],
                        "x-forwarded-for": [forged, "203.0.113.7"],
                    },
                });
                openapi.answer(event).await.expect("answered").status_code
            }
        };
        let mut statuses = Vec::new();
        for n in 0..4 {
            statuses.push(status("198.51.100.4", format!("6.6.6.{n}")).await);
        }
        assert_eq!(statuses, [200, 200, 429, 429]);
        assert_eq!(status("198.51.100.5", "6.6.6.9".into()).await, 200);
    }

    #[tokio::test]
    async fn an_unknown_name_does_not_start() {
        let c = config(&[("USE_MOCK_DATA", "true")]);
        let error = Function::build("nope", &c)
            .await
            .expect_err("no such function");
        assert!(matches!(error, StartError::UnknownFunction(_)));
    }

    #[tokio::test]
    async fn head_is_answered_as_get_with_the_body_left_out_and_its_length_kept() {
        let c = config(&[("USE_MOCK_DATA", "true")]);
        let health = Function::build("health", &c).await.expect("builds");
        let event = |method: &str| json!({ "path": "/api/health", "httpMethod": method });
        let get = health.answer(event("GET")).await.expect("GET");
        let head = health.answer(event("HEAD")).await.expect("HEAD");
        let get_length = match get.body {
            Some(lambda_http::Body::Text(text)) => text.len(),
            other => panic!("a text body, not {other:?}"),
        };
        assert_eq!(head.status_code, 200);
        assert!(
            matches!(&head.body, Some(lambda_http::Body::Text(t)) if t.is_empty()),
            "{head:?}"
        );
        assert_eq!(
            head.headers
                .get("content-length")
                .and_then(|v| v.to_str().ok()),
            Some(get_length.to_string().as_str())
        );
    }

    #[tokio::test]
    async fn a_save_in_one_instance_is_found_by_another() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data_dir = dir.path().display().to_string();
        let c = config(&[("USE_MOCK_DATA", "true"), ("PERSONA_DATA_DIR", &data_dir)]);
        let save = Function::build("save-persona", &c)
            .await
            .expect("save builds");
        let saved = save
            .answer(json!({
                "path": "/api/save-persona",
                "httpMethod": "POST",
                "headers": { "content-type": "application/json" },
                "body": r#"{"persona": {"name": "Ada"}}"#,
                "isBase64Encoded": false,
            }))
            .await
            .expect("answered");
        assert_eq!(saved.status_code, 201, "{saved:?}");
        let body = match saved.body {
            Some(lambda_http::Body::Text(text)) => text,
            other => panic!("a text body, not {other:?}"),
        };
        let id = serde_json::from_str::<Value>(&body).expect("json")["data"]["id"]
            .as_str()
            .expect("id")
            .to_owned();

        // A new instance, as a cold start builds it.
        let get = Function::build("get-persona", &c)
            .await
            .expect("get builds");
        let got = get
            .answer(json!({
                "path": "/.netlify/functions/get-persona",
                "httpMethod": "GET",
                "multiValueHeaders": { "x-nf-account-id": [null] },
                "multiValueQueryStringParameters": { "id": [id] },
            }))
            .await
            .expect("answered");
        assert_eq!(got.status_code, 200, "{got:?}");
    }

    #[tokio::test]
    async fn a_body_over_one_mebibyte_is_413_through_the_function() {
        // Netlify takes events up to 6 MB, so a 1 MiB body (1.4 MB in base64) reaches the
        // function, which must refuse it itself. (The Netlify CLI cannot carry one locally.)
        use base64::Engine;
        let dir = tempfile::tempdir().expect("tempdir");
        let data_dir = dir.path().display().to_string();
        let c = config(&[("USE_MOCK_DATA", "true"), ("PERSONA_DATA_DIR", &data_dir)]);
        let process = Function::build("process-persona", &c)
            .await
            .expect("builds");
        let body = json!({ "textBlocks": ["a".repeat(persona_api::MAX_BODY_BYTES)] }).to_string();
        let answer = process
            .answer(json!({
                "path": "/api/process-persona",
                "httpMethod": "POST",
                "multiValueHeaders": { "content-type": ["application/json"] },
                "body": base64::engine::general_purpose::STANDARD.encode(body),
                "isBase64Encoded": true,
            }))
            .await
            .expect("answered");
        assert_eq!(answer.status_code, 413);
        assert!(
            matches!(&answer.body, Some(lambda_http::Body::Text(t)) if t.contains("PAYLOAD_TOO_LARGE"))
        );
    }

    #[tokio::test]
    async fn any_path_is_answered_as_the_functions_own_operation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data_dir = dir.path().display().to_string();
        let c = config(&[("USE_MOCK_DATA", "true"), ("PERSONA_DATA_DIR", &data_dir)]);
        let health = Function::build("health", &c).await.expect("builds");
        for path in [
            "/api/health",
            "/.netlify/functions/health",
            "/.netlify/functions/health/x",
        ] {
            let answer = health
                .answer(json!({ "path": path, "httpMethod": "GET" }))
                .await
                .expect("answered");
            assert_eq!(answer.status_code, 200, "{path}");
        }
        let wrong = health
            .answer(json!({ "path": "/api/health", "httpMethod": "POST" }))
            .await
            .expect("answered");
        assert_eq!(wrong.status_code, 405);
    }
}
