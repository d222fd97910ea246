//! [`FakeSupabase`]: an in-process Supabase Storage server built from the recorded transcript
//! (`contracts/supabase-storage/TRANSCRIPT.md`, Storage v1.70.6), with switchable
//! faults, for the Supabase adapter's tests.
//!
//! ```text
//! let fake = FakeSupabase::start().await;           // 127.0.0.1, a free port
//! let settings = SupabaseSettings::new(fake.url(), fake.keys().service.clone().into());
//! fake.set_faults(Faults { fail_503_ratio: 0.1, ..Faults::default() });
//! fake.object("personas", "ID.json");                 // what was stored, for assertions
//! ```
//!
//! What it serves, under `/storage/v1` as hosted Supabase does (anything else gets the recorded
//! proxy's plain 404): `GET /status`, `GET /health`, `GET|POST /bucket`,
//! `GET|PUT|DELETE /bucket/{id}`, `POST /bucket/{id}/empty`, `POST|PUT|DELETE /object/{bucket}/{key}`,
//! `GET|HEAD /object[/authenticated|/public]/{bucket}/{key}` (with `If-None-Match`, `Range` and
//! `?download=`) and `GET /object/info[/authenticated]/{bucket}/{key}` and `POST /object/list-v2/{bucket}` (part 2 of
//! the transcript, `TRANSCRIPT-2.md`). List v1, bulk delete,
//! copy/move, signed URLs, multipart and chunked uploads answer 501: nothing here uses them.
//!
//! Behaviour kept from the transcript: errors are HTTP 400 with the real status as a string in
//! the body; `authorization` is required (with or without `Bearer `) except on the routes that
//! allow a missing or invalid token; the anon key sees no private bucket; the content type is
//! compared as a string with the bucket's allowed types; `x-upsert` counts only when it is exactly
//! `true`; `x-metadata` is base64 JSON (anything that is not base64 is stored as `{}`, a
//! non-object is refused) and comes back from info with jsonb's key order; the bucket's
//! `file_size_limit` is enforced; keys are checked as the server checks them.
//!
//! Known differences: etags are a hash of the body of the recorded shape (32 hex digits) but not
//! its MD5; racing creates of one key have exactly one winner (the recorded server let 2 of 20
//! through, transcript part E); tokens are compared as strings, not verified as JWTs.

mod buckets;
mod http;
mod lists;
mod objects;
mod storage;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub use http::{Request, Response};

/// The tokens the fake accepts, and the ones it knows to refuse in a particular way. A request
/// with any other token is refused as the server refuses a malformed JWT (or, when the token has
/// the three dot-separated parts of a JWS, as one whose signature does not verify).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeKeys {
    pub service: String,
    pub anon: String,
    /// A signed-in user's token: no storage policies, so it may write nothing.
    pub authenticated: String,
    /// A service-role token past its `exp`.
    pub expired_service: String,
}

impl Default for FakeKeys {
    fn default() -> Self {
        Self {
            service: "fake-service-role-key".into(),
            anon: "fake-anon-key".into(),
            authenticated: "fake-authenticated-key".into(),
            expired_service: "fake-expired-service-role-key".into(),
        }
    }
}

/// Faults to inject, each drawn per request from an RNG seeded with `seed`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    pub seed: u64,
    /// Share of requests answered `503` before anything is done.
    pub fail_503_ratio: f64,
    /// Share of requests whose connection is reset before anything is done.
    pub drop_ratio: f64,
    /// Share of successful writes (upload, update) that are stored and *then* answered with a 503
    /// or a reset (half each): the write landed but the client sees a failure.
    pub after_write_ratio: f64,
    /// Delay before every answer.
    pub slow: Option<Duration>,
}

/// What the fake did, for tests to check that faults really happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FakeStats {
    pub requests: u64,
    pub injected_503: u64,
    pub dropped: u64,
    /// Writes stored, then answered with a failure.
    pub after_write_faults: u64,
    /// Objects written (created or replaced).
    pub writes: u64,
    /// Uploads refused with `KeyAlreadyExists`.
    pub conflicts: u64,
}

/// An object as stored, for assertions.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredObject {
    pub body: Vec<u8>,
    pub content_type: String,
    pub cache_control: String,
    /// The user metadata (`x-metadata`), `{}` when none was sent.
    pub metadata: serde_json::Value,
}

/// A running fake; the server stops when this is dropped.
#[derive(Debug)]
pub struct FakeSupabase {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

#[derive(Debug)]
struct Shared {
    keys: FakeKeys,
    state: Mutex<storage::State>,
    chaos: Mutex<Chaos>,
}

#[derive(Debug)]
struct Chaos {
    faults: Faults,
    rng: StdRng,
    stats: FakeStats,
}

impl FakeSupabase {
    /// Starts an empty fake with the default keys on 127.0.0.1 and a free port.
    pub async fn start() -> Self {
        Self::start_with_keys(FakeKeys::default()).await
    }

    pub async fn start_with_keys(keys: FakeKeys) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let shared = Arc::new(Shared {
            keys,
            state: Mutex::new(storage::State::default()),
            chaos: Mutex::new(Chaos {
                faults: Faults::default(),
                rng: StdRng::seed_from_u64(0),
                stats: FakeStats::default(),
            }),
        });
        let accepting = Arc::clone(&shared);
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&accepting)));
            }
        });
        Self {
            addr,
            shared,
            server,
        }
    }

    /// The project URL (`SUPABASE_URL`); Storage is under `/storage/v1`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn keys(&self) -> &FakeKeys {
        &self.shared.keys
    }

    /// Replaces the faults and reseeds their RNG.
    pub fn set_faults(&self, faults: Faults) {
        let mut chaos = lock(&self.shared.chaos);
        chaos.rng = StdRng::seed_from_u64(faults.seed);
        chaos.faults = faults;
    }

    pub fn stats(&self) -> FakeStats {
        lock(&self.shared.chaos).stats
    }

    /// Adds a bucket directly, as a dashboard would.
    pub fn add_bucket(&self, name: &str, public: bool, file_size_limit: Option<u64>) {
        lock(&self.shared.state).add_bucket(name, public, file_size_limit, None);
    }

    /// Whether the bucket exists and is public; `None` when it does not exist.
    pub fn bucket_is_public(&self, bucket: &str) -> Option<bool> {
        lock(&self.shared.state).bucket(bucket).map(|b| b.public)
    }

    /// Writes an object directly, bypassing every check (to plant damaged documents).
    pub fn put_object(&self, bucket: &str, key: &str, body: &[u8]) {
        lock(&self.shared.state).put_raw(bucket, key, body);
    }

    pub fn object(&self, bucket: &str, key: &str) -> Option<StoredObject> {
        lock(&self.shared.state).object(bucket, key)
    }

    pub fn object_keys(&self, bucket: &str) -> Vec<String> {
        lock(&self.shared.state).keys(bucket)
    }

    pub fn object_count(&self, bucket: &str) -> usize {
        self.object_keys(bucket).len()
    }
}

impl Drop for FakeSupabase {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the fault dice decided for one request.
enum Fate {
    Normal,
    Answer503,
    Drop,
}

impl Shared {
    fn roll_before(&self) -> (Fate, Option<Duration>) {
        let mut chaos = lock(&self.chaos);
        chaos.stats.requests += 1;
        let faults = chaos.faults.clone();
        let draw: f64 = chaos.rng.r#gen();
        let fate = if draw < faults.fail_503_ratio {
            chaos.stats.injected_503 += 1;
            Fate::Answer503
        } else if draw < faults.fail_503_ratio + faults.drop_ratio {
            chaos.stats.dropped += 1;
            Fate::Drop
        } else {
            Fate::Normal
        };
        (fate, faults.slow)
    }

    fn roll_after_write(&self) -> Fate {
        let mut chaos = lock(&self.chaos);
        chaos.stats.writes += 1;
        let ratio = chaos.faults.after_write_ratio;
        if chaos.rng.r#gen::<f64>() >= ratio {
            return Fate::Normal;
        }
        chaos.stats.after_write_faults += 1;
        if chaos.rng.r#gen::<bool>() {
            Fate::Answer503
        } else {
            Fate::Drop
        }
    }

    fn count_conflict(&self) {
        lock(&self.chaos).stats.conflicts += 1;
    }
}

fn unavailable() -> Response {
    Response::json(
        503,
        &serde_json::json!({"statusCode": "503", "error": "Service Unavailable",
                            "message": "injected fault", "code": "ServiceUnavailable"}),
    )
}

async fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let mut buf = Vec::new();
    while let Some(request) = http::read_request(&mut stream, &mut buf).await {
        let (fate, slow) = shared.roll_before();
        if let Some(delay) = slow {
            tokio::time::sleep(delay).await;
        }
        let response = match fate {
            Fate::Drop => return reset(stream),
            Fate::Answer503 => unavailable(),
            Fate::Normal => {
                let handled = {
                    let mut state = lock(&shared.state);
                    storage::handle(&mut state, &shared.keys, &request)
                };
                if handled.conflict {
                    shared.count_conflict();
                }
                if handled.wrote {
                    match shared.roll_after_write() {
                        Fate::Normal => handled.response,
                        Fate::Answer503 => unavailable(),
                        Fate::Drop => return reset(stream),
                    }
                } else {
                    handled.response
                }
            }
        };
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        if http::write_response(&mut stream, &response).await.is_err() || close {
            return;
        }
    }
}

/// Closes the connection with a TCP reset, without an answer.
fn reset(stream: TcpStream) {
    // A zero linger turns the close into a reset: the client sees "connection reset", not a
    // clean end of stream.
    let _ = stream.set_zero_linger();
    drop(stream);
}
