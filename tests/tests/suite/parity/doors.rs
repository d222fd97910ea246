//! The doors a case can be sent through: a base URL (the actix server, or `netlify dev` at the
//! operation's path or at `/.netlify/functions/NAME`), or a release binary run by Netlify's local
//! functions proxy with the event the Netlify CLI would send.

use std::path::PathBuf;
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use persona_api::Operation;
use serde_json::{Map, Value, json};

use super::cases::Call;

/// Well under Linux's 128 KiB cap on one command-line argument, leaving room for the event's
/// other fields and base64's growth.
pub const ARGUMENT_LIMIT: usize = 64 * 1024;

/// An answer as it arrived: status, headers (lowercase names) and body bytes.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Where a door at a base URL finds an operation.
#[derive(Debug, Clone, Copy)]
pub enum Address {
    /// At the operation's own path (`/api/health`, `/api/schema/persona.json`): the server's
    /// routes, and the redirects of `netlify.toml`.
    Path,
    /// At `/.netlify/functions/NAME`: the function itself, named as the operation is.
    Function,
}

impl Address {
    /// The path of the operation named `operation` (a function's name, as the cases name it).
    pub fn of(self, operation: &str) -> String {
        match self {
            Self::Path => Operation::from_name(operation)
                .unwrap_or_else(|| panic!("no operation is named {operation:?}"))
                .path()
                .to_owned(),
            Self::Function => format!("/.netlify/functions/{operation}"),
        }
    }
}

#[derive(Debug)]
pub enum Door {
    /// `{base}` and the operation's [`Address`], e.g. `http://127.0.0.1:8888/api/openapi.json`
    /// or `http://127.0.0.1:8888/.netlify/functions/openapi`.
    Http {
        base: String,
        address: Address,
        client: reqwest::Client,
        /// Whether bodies over [`ARGUMENT_LIMIT`] are sent (see [`Door::carries`]).
        large_bodies: bool,
    },
    /// The binary `{binaries}/{operation}` under `local-functions-proxy`, one process per call.
    Proxy {
        proxy: PathBuf,
        binaries: PathBuf,
        data_dir: PathBuf,
    },
}

impl Door {
    /// A door at a base URL; `large_bodies: false` leaves out what the Netlify CLI cannot carry.
    pub fn http(base: &str, address: Address, large_bodies: bool) -> Self {
        Self::Http {
            base: base.trim_end_matches('/').to_owned(),
            address,
            client: reqwest::Client::new(),
            large_bodies,
        }
    }

    /// Whether the door can carry `call`. The Netlify CLI hands each event to
    /// `local-functions-proxy` as one command-line argument, which Linux caps at 128 KiB
    /// (`E2BIG`), so a larger body never reaches a function locally (Netlify itself takes up to
    /// 6 MB). The 1 MiB limit is checked through the function by app-netlify's own tests.
    pub fn carries(&self, call: &Call) -> bool {
        match self {
            Self::Http { large_bodies, .. } => *large_bodies || call.body.len() < ARGUMENT_LIMIT,
            Self::Proxy { .. } => call.body.len() < ARGUMENT_LIMIT,
        }
    }

    pub fn name(&self) -> String {
        match self {
            Self::Http { base, address, .. } => match address {
                Address::Path => format!("{base} at each operation's path"),
                Address::Function => format!("{base}/.netlify/functions/NAME"),
            },
            Self::Proxy { binaries, .. } => {
                format!("local-functions-proxy over {}", binaries.display())
            }
        }
    }

    pub async fn send(&self, call: &Call) -> Raw {
        match self {
            Self::Http {
                base,
                address,
                client,
                ..
            } => {
                let url = format!("{base}{}", address.of(call.operation));
                send_http(client, url, call).await
            }
            Self::Proxy {
                proxy,
                binaries,
                data_dir,
            } => {
                let command = ProxyCall {
                    proxy: proxy.clone(),
                    binary: binaries.join(call.operation),
                    data_dir: data_dir.clone(),
                    event: netlify_event(call),
                    name: call.operation,
                };
                tokio::task::spawn_blocking(move || command.run())
                    .await
                    .expect("the proxy call finished")
            }
        }
    }
}

async fn send_http(client: &reqwest::Client, mut url: String, call: &Call) -> Raw {
    if let Some(query) = &call.query {
        url = format!("{url}?{query}");
    }
    let method = reqwest::Method::from_bytes(call.method.as_bytes()).expect("a method");
    let mut request = client.request(method, url);
    for (name, value) in &call.headers {
        request = request.header(*name, value);
    }
    if !call.body.is_empty() {
        request = request.body(call.body.clone());
    }
    let response = request.send().await.expect("the door answered");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.into())))
        .collect();
    let body = response.bytes().await.expect("a body").to_vec();
    Raw {
        status,
        headers,
        body,
    }
}

/// The event the Netlify CLI (26.x) builds for a direct call to `/.netlify/functions/NAME`,
/// with the request context its local proxy adds: `x-nf-account-id: [null]` as on an unlinked
/// site, the body base64-encoded unless its type is text or JSON-like, the raw query alongside
/// the parameter maps.
fn netlify_event(call: &Call) -> Value {
    let path = Address::Function.of(call.operation);
    let raw_query = call.query.clone().unwrap_or_default();
    let mut multi_query: Map<String, Value> = Map::new();
    let parsed = reqwest::Url::parse(&format!("http://localhost/?{raw_query}")).expect("a url");
    for (name, value) in parsed.query_pairs() {
        let values = multi_query
            .entry(name.into_owned())
            .or_insert_with(|| json!([]));
        values.as_array_mut().expect("an array").push(json!(value));
    }
    let single_query: Map<String, Value> = multi_query
        .iter()
        .map(|(name, values)| {
            let joined: Vec<&str> = values
                .as_array()
                .expect("an array")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            (name.clone(), json!(joined.join(", ")))
        })
        .collect();
    let mut multi_headers: Map<String, Value> = Map::new();
    multi_headers.insert("host".into(), json!(["localhost:8888"]));
    for (name, value) in &call.headers {
        multi_headers.insert((*name).to_owned(), json!([value]));
    }
    multi_headers.insert("client-ip".into(), json!(["127.0.0.1"]));
    multi_headers.insert("x-nf-account-id".into(), json!([null]));
    multi_headers.insert("x-nf-site-id".into(), json!(["unlinked"]));
    let mut headers: Map<String, Value> = multi_headers
        .iter()
        .map(|(name, values)| {
            let first = values[0].as_str().unwrap_or_default();
            (name.clone(), json!(first))
        })
        .collect();
    headers.insert("X-Amzn-Trace-Id".into(), json!("1a2b3c4d5e6f"));
    let content_type = call
        .headers
        .iter()
        .find(|(name, _)| *name == "content-type")
        .map(|(_, value)| value.as_str());
    let base64 = is_base64_for_netlify(content_type);
    let mut event = json!({
        "resource": "",
        "path": path,
        "httpMethod": call.method,
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "isBase64Encoded": base64,
        "rawUrl": format!("http://localhost:8888{path}?{raw_query}"),
        "rawQuery": raw_query,
        "requestContext": { "httpMethod": call.method, "requestTimeEpoch": 0 },
    });
    if !call.body.is_empty() {
        event["body"] = if base64 {
            json!(STANDARD.encode(&call.body))
        } else {
            json!(String::from_utf8_lossy(&call.body))
        };
    }
    event
}

/// The CLI's rule (`shouldBase64Encode` in `@netlify/dev-utils`): text, `+json` and `+xml`
/// bodies, and a few listed types, travel as they are; every other body is base64.
fn is_base64_for_netlify(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type.filter(|ct| !ct.is_empty()) else {
        return true;
    };
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    !(mime.starts_with("text/")
        || mime.ends_with("+json")
        || mime.ends_with("+xml")
        || matches!(
            mime.as_str(),
            "application/csp-report"
                | "application/graphql"
                | "application/json"
                | "application/javascript"
                | "application/x-www-form-urlencoded"
                | "application/x-ndjson"
                | "application/xml"
        ))
}

/// One invocation through `local-functions-proxy`, as the Netlify CLI runs it.
struct ProxyCall {
    proxy: PathBuf,
    binary: PathBuf,
    data_dir: PathBuf,
    event: Value,
    name: &'static str,
}

impl ProxyCall {
    fn run(self) -> Raw {
        let output = Command::new(&self.proxy)
            .arg("--event")
            .arg(self.event.to_string())
            .arg("--command")
            .arg(&self.binary)
            .arg("--working-dir")
            .arg(self.binary.parent().expect("a folder"))
            .arg("--name")
            .arg(self.name)
            .arg("--timeout")
            .arg("30s")
            .env("USE_MOCK_DATA", "true")
            .env("RATE_LIMIT_PER_MINUTE", "0")
            .env("GROUNDING_SIGNING_KEY", super::PARITY_SIGNING_KEY)
            .env("PERSONA_DATA_DIR", &self.data_dir)
            .env("RUST_LOG", "warn")
            .output()
            .expect("local-functions-proxy runs");
        assert!(
            output.status.success(),
            "local-functions-proxy failed for {}: {}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
        let answer: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "the proxy printed no proxy response ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        });
        let status = answer["statusCode"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .expect("a statusCode");
        let mut headers: Vec<(String, String)> = Vec::new();
        if let Some(map) = answer["headers"].as_object() {
            for (name, value) in map {
                headers.push((
                    name.to_ascii_lowercase(),
                    value.as_str().unwrap_or_default().into(),
                ));
            }
        }
        let text = answer["body"].as_str().unwrap_or_default();
        let body = if answer["isBase64Encoded"] == true {
            STANDARD.decode(text).expect("a base64 body")
        } else {
            text.as_bytes().to_vec()
        };
        Raw {
            status,
            headers,
            body,
        }
    }
}
