//! [`Application`]: the actix server over the shared API.

use std::io;
use std::net::TcpListener;
use std::time::Duration;

use actix_http::HttpService;
use actix_http::error::DispatchError;
use actix_service::{IntoServiceFactory, ServiceFactoryExt, fn_service, map_config};
pub use actix_web::dev::ServerHandle;
use actix_web::dev::{AppConfig, Server};
use actix_web::http::StatusCode;
use actix_web::rt::net::TcpStream;
use actix_web::rt::time::{Instant, timeout};
use actix_web::{App, HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use persona_api::{Api, MAX_BODY_BYTES, ReadFailure, Request};
use tracing::info;

use persona_wiring::{Config, WiringError, build_api};

use crate::connection::Guarded;
use crate::site::{self, SiteFile};
use crate::transport::{BodyBudget, Transport};

/// A built server, bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Wiring(#[from] WiringError),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: String, source: io::Error },
}

impl Application {
    /// Builds the adapters and binds `HOST:PORT` (port 0 picks a free one), with the transport
    /// limits [`Transport::for_this_process`] picks.
    ///
    /// # Errors
    ///
    /// When the adapters cannot be built or the address cannot be bound.
    pub async fn build(config: &Config) -> Result<Self, StartError> {
        Self::build_with(config, Transport::for_this_process()).await
    }

    /// [`Application::build`] with given transport limits (tests shorten the timeouts).
    ///
    /// # Errors
    ///
    /// When the adapters cannot be built or the address cannot be bound.
    pub async fn build_with(config: &Config, transport: Transport) -> Result<Self, StartError> {
        let api = build_api(config).await?;
        // Jobs a previous run left open (a restart, a crash) are resumed or failed, beside
        // serving: a large store's sweep must not delay the start.
        let resuming = api.clone();
        tokio::spawn(async move {
            let resumed = resuming.resume_jobs().await;
            if resumed > 0 {
                info!(resumed, "open jobs resumed at start");
            }
        });
        let address = format!("{}:{}", config.host, config.port);
        let bind_error = |source| StartError::Bind {
            address: address.clone(),
            source,
        };
        let listener = TcpListener::bind(&address).map_err(bind_error)?;
        Self::with_listener(api, listener, transport).map_err(bind_error)
    }

    /// Serves `api` on an already bound `listener`.
    ///
    /// # Errors
    ///
    /// When the listener cannot be handed to the server.
    pub fn with_listener(
        api: Api,
        listener: TcpListener,
        transport: Transport,
    ) -> io::Result<Self> {
        let port = listener.local_addr()?.port();
        let reader = web::Data::new(BodyReader {
            timeout: transport.body_timeout,
            budget: BodyBudget::new(transport.body_budget_bytes),
        });
        let api = web::Data::new(api);
        let local = listener.local_addr()?;
        let builder = actix_server::Server::build();
        let shutdown = builder.graceful_shutdown_signal();
        let head_timeout = transport.head_timeout;
        // What `actix_web::HttpServer::listen` builds, with one layer more: each connection is
        // wrapped in a `Guarded` before actix's HTTP/1 dispatcher reads it (see `connection`).
        // The server stops gracefully on SIGINT and SIGTERM: it stops accepting, lets requests
        // in flight finish (up to the shutdown timeout) and then returns from
        // `run_until_stopped`.
        let server = builder
            .workers(transport.workers)
            // Per worker: at the cap a worker stops accepting, and new connections wait in the
            // kernel's listen queue (then are refused) instead of costing descriptors and memory.
            .max_concurrent_connections(transport.max_connections_per_worker)
            .shutdown_timeout(30)
            .listen("persona-server", listener, move || {
                let app = App::new()
                    .app_data(api.clone())
                    .app_data(reader.clone())
                    .default_service(web::to(forward))
                    .into_factory()
                    .map_err(|error: actix_web::Error| error.error_response());
                let guard_api = api.clone();
                let shutdown = shutdown.clone();
                fn_service(move |io: TcpStream| {
                    let peer = io.peer_addr().ok();
                    let guarded = Guarded::new(io, guard_api.clone(), head_timeout);
                    async move { Ok::<_, DispatchError>((guarded, peer)) }
                })
                .and_then(
                    HttpService::build()
                        .graceful_shutdown_signal(move || {
                            let signal = shutdown.clone();
                            async move { signal.notified().await }
                        })
                        // A backstop only: the guard answers a late head first, enveloped.
                        .client_request_timeout(head_timeout + Duration::from_secs(2))
                        .client_disconnect_timeout(Duration::from_secs(1))
                        .local_addr(local)
                        // `AppConfig::new` is actix-web's own; its default only matters to
                        // `connection_info` and URL generation, which nothing here uses.
                        .h1(map_config(app, |()| AppConfig::default())),
                )
            })?
            .run();
        info!(port, "persona-server listening");
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server (gracefully, or not) from elsewhere, e.g. a test.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the process receives SIGINT or SIGTERM.
    ///
    /// # Errors
    ///
    /// When the server fails while running.
    pub async fn run_until_stopped(self) -> io::Result<()> {
        self.server.await
    }
}

/// How request bodies are read: within a time, against a shared memory budget.
#[derive(Debug)]
struct BodyReader {
    timeout: Duration,
    budget: BodyBudget,
}

/// Serves a file of the playground page ([`site`]), or hands the request to the shared API as a
/// neutral request and writes its answer back.
async fn forward(
    request: HttpRequest,
    mut payload: web::Payload,
    api: web::Data<Api>,
    reader: web::Data<BodyReader>,
) -> HttpResponse {
    if let Some(file) = site::find(request.method().as_str(), request.path()) {
        return page(file);
    }
    let mut neutral = Request {
        peer: request.peer_addr().map(|addr| addr.ip()),
        method: request.method().as_str().to_owned(),
        path: request.path().to_owned(),
        query: Some(request.query_string().to_owned()).filter(|q| !q.is_empty()),
        headers: request
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect(),
        body: Vec::new(),
    };
    // The share lives until the answer is built: the body is held until then.
    let mut share = reader.budget.share();
    let deadline = Instant::now() + reader.timeout;
    // Read at most one byte past the limit: enough for the API to refuse with 413, without
    // buffering an unbounded body. Each chunk is counted as it arrives, never by what
    // `Content-Length` announces.
    let failure = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = match timeout(left, payload.next()).await {
            Err(_) => {
                break Some(ReadFailure::Timeout {
                    after: reader.timeout,
                });
            }
            Ok(None) => break None,
            Ok(Some(Ok(bytes))) => bytes,
            // The client went away or sent a broken body; the API answers what it received.
            Ok(Some(Err(_))) => break None,
        };
        let room = MAX_BODY_BYTES + 1 - neutral.body.len();
        let take = chunk.len().min(room);
        if !share.grow(take) {
            break Some(ReadFailure::Busy);
        }
        neutral.body.extend_from_slice(&chunk[..take]);
        if neutral.body.len() > MAX_BODY_BYTES {
            break None;
        }
    };
    let answer = match failure {
        None => api.handle(neutral).await,
        Some(failure) => {
            neutral.body = Vec::new();
            api.refuse(neutral, failure).await
        }
    };
    drop(share);
    let mut response = HttpResponse::build(
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    );
    for (name, value) in answer.headers {
        response.insert_header((name, value));
    }
    if failure.is_some() {
        // The rest of the body will not be read: the connection cannot carry another request.
        response.force_close();
    }
    response.body(answer.body)
}

/// A file of the page with its headers (actix leaves the body out of an answer to `HEAD`).
fn page(file: &SiteFile) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header(("content-type", file.content_type));
    for header in site::HEADERS {
        response.insert_header(header);
    }
    response.body(file.body)
}
