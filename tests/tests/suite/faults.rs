//! The whole process and save path under faults, as the issue states them: the extractor fails
//! 30% of its calls with 429, 500 or 503 and 10% of requests hang on their first call; the store
//! fails 20% of its calls with a 503 or a reset. Process-persona must still succeed at least 99%
//! of the time within the request's deadline, and no saved persona may be lost or duplicated.
//!
//! Runs when `LLMOCK_CHAOS_URL` names an llmock started with random faults on
//! (`.ci/start-llmock-chaos`: 10% each of 429, 500 and 503, for every call it serves, so it
//! cannot be the shared simulator the scripted suites use); otherwise it says so and passes.
//! With `REQUIRE_LLMOCK=1` a chaos simulator that is unnamed or does not answer fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use persona_domain::{PersonaId, StoredPersona};
use persona_tests::fake_supabase::{FakeStats, FakeSupabase, Faults};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::api::helpers::{MAYA, TestApp, spawn_app};
use crate::llmock::control::{Llmock, Served};
use crate::llmock::llmock_at;

/// Servers, each with its own model name at llmock and one client calling it in sequence, so a
/// delay queued for a model is met by the very request it was drawn for.
const WORKERS: usize = 8;
const REQUESTS_PER_WORKER: usize = 25;
/// The share of requests whose first model call hangs.
const HANG_SHARE: f64 = 0.1;
/// How long a hung call would take: three times `OPENAI_TIMEOUT_MS`, so it is always cut.
const HANG_SECONDS: f64 = 3.0;
const SEED: u64 = 0x5eed_fa17;
/// The request deadline the servers run with (the default, stated so the check can name it).
const REQUEST_DEADLINE: Duration = Duration::from_secs(30);
const BUCKET: &str = "personas";

/// What one process-persona request, and the save that followed it, answered.
#[derive(Debug)]
struct Outcome {
    hang: bool,
    process: Timed,
    /// The persona process-persona answered, and what saving it answered.
    save: Option<(Value, Timed)>,
}

#[derive(Debug)]
struct Timed {
    status: u16,
    body: Value,
    took: Duration,
}

impl Timed {
    async fn of(request: impl std::future::Future<Output = crate::api::helpers::Answer>) -> Self {
        let started = Instant::now();
        let answer = request.await;
        Self {
            status: answer.status,
            body: answer.body,
            took: started.elapsed(),
        }
    }

    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("-")
    }
}

/// The run in numbers, carried by every assertion's message.
#[derive(Debug)]
#[allow(dead_code)] // Read through `Debug`, in the assertion messages.
struct Figures {
    requests: usize,
    processed: usize,
    success_rate: f64,
    process_failures: BTreeMap<(u16, String), usize>,
    /// Model calls per successful request, from the answers' `usage.attempts`.
    attempts: BTreeMap<u64, usize>,
    model_calls: usize,
    injected: BTreeMap<String, usize>,
    injected_share: f64,
    hangs_queued: usize,
    /// Calls that took about `HANG_SECONDS` or longer at llmock.
    hangs_served: usize,
    saves: usize,
    saves_ok: usize,
    save_failures: BTreeMap<(u16, String), usize>,
    store: FakeStats,
    slowest_answer: Duration,
    elapsed: Duration,
}

/// Why these settings. Every request sees independent failures: 30% of calls answered 429, 500
/// or 503 (llmock's chaos), and one request in ten whose first call hangs. Counting a hang as a
/// failure too, up to 40% of a request's calls fail, so with the default two retries
/// (`OPENAI_MAX_RETRIES=2`, three calls) a request succeeds with 1 - 0.4^3 = 93.6%, short of the
/// 99% target; five retries (six calls) give 1 - 0.4^6 = 99.6%. A hung call holds its request
/// until `OPENAI_TIMEOUT_MS` (1 s) cuts it and a retry starts, instead of until the process
/// deadline, so even the slowest mix (a hang, then the longest backoffs, 0.5 · 2^n s up to 8 s,
/// or llmock's one-second `Retry-After`) stays inside the default deadlines: 25 s for the process,
/// 30 s for the request. The store's own two retries give a save 1 - 0.2^3 = 99.2%.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_and_save_under_faults_meet_the_targets_and_lose_or_duplicate_nothing() {
    let Some(models) = chaos_llmock().await else {
        return;
    };
    let fake = FakeSupabase::start().await;
    let mut apps = Vec::with_capacity(WORKERS);
    for llmock in &models {
        apps.push(Arc::new(server(llmock, &fake).await));
    }
    // After start-up: the servers' bucket check is not what is under test.
    fake.set_faults(Faults {
        seed: SEED,
        fail_503_ratio: 0.1,
        drop_ratio: 0.1,
        ..Faults::default()
    });

    let started = Instant::now();
    let workers: Vec<_> = models
        .iter()
        .zip(&apps)
        .enumerate()
        .map(|(i, (llmock, app))| {
            let (llmock, app) = (llmock.clone(), Arc::clone(app));
            tokio::spawn(async move { worker(&llmock, &app, SEED + i as u64).await })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(WORKERS * REQUESTS_PER_WORKER);
    for worker in workers {
        outcomes.extend(worker.await.expect("worker"));
    }
    let elapsed = started.elapsed();
    fake.set_faults(Faults::default());
    let store = fake.stats();

    let hangs_queued = outcomes.iter().filter(|o| o.hang).count();
    let names: Vec<String> = models.iter().map(|m| m.model.clone()).collect();
    let served = journal(&models[0], &names, hangs_queued).await;
    let figures = tally(&outcomes, &served, store, elapsed);

    // The faults happened, at about the rates asked for.
    assert!(
        (0.2..=0.4).contains(&figures.injected_share),
        "llmock's chaos should fail about 30% of calls: {figures:#?}"
    );
    // Every drawn hang was met by a call (none is left queued), and the calls it met were held
    // until the client cut them. A call the load alone made that slow would count here too, so
    // this is a lower bound.
    assert!(hangs_queued > 0, "{figures:#?}");
    for llmock in &models {
        let left = llmock.pending().await;
        assert!(left.is_empty(), "{left:?} left unmet: {figures:#?}");
    }
    assert!(
        figures.hangs_served >= hangs_queued,
        "every hang held its call: {figures:#?}"
    );
    assert!(
        store.injected_503 > 0 && store.dropped > 0,
        "the store failed calls: {figures:#?}"
    );

    // The targets: 99% success, every answer inside the request's deadline.
    assert!(
        figures.processed * 100 >= figures.requests * 99,
        "process-persona succeeds at least 99% of the time: {figures:#?}"
    );
    assert!(
        figures.slowest_answer < REQUEST_DEADLINE,
        "every answer came before the request deadline: {figures:#?}"
    );

    // Saves: retries carry almost all of them through; a failed one says it may be retried.
    assert!(
        figures.saves_ok * 10 >= figures.saves * 9,
        "most saves succeed: {figures:#?}"
    );
    assert!(
        figures
            .save_failures
            .keys()
            .all(|(status, code)| (*status, code.as_str()) == (503, "UPSTREAM_UNAVAILABLE")),
        "a failed save is a retryable 503: {figures:#?}"
    );
    let mut saved_keys = BTreeSet::new();
    for (persona, save) in outcomes.iter().filter_map(|o| o.save.as_ref()) {
        match save.status {
            201 => {
                let id = save.body["data"]["id"].as_str().expect("an id");
                assert!(
                    saved_keys.insert(format!("{id}.json")),
                    "id {id} given twice"
                );
                assert_saved_whole(&fake, &apps[0], id, persona, &save.body).await;
            }
            _ => assert_eq!(
                save.body["error"]["retryable"], true,
                "a failed save is retryable: {figures:#?}"
            ),
        }
    }
    // Nothing lost, nothing extra: the bucket holds exactly the saves that answered 201, and no
    // object was written twice (a retried write that landed again would count twice).
    let in_bucket: BTreeSet<String> = fake.object_keys(BUCKET).into_iter().collect();
    assert_eq!(
        in_bucket, saved_keys,
        "the bucket holds the 201 saves and nothing else: {figures:#?}"
    );
    assert_eq!(
        store.writes as usize,
        saved_keys.len(),
        "no object was written twice: {figures:#?}"
    );
}

/// The chaos simulator, one handle (with its own model name) per worker; `None` after saying why
/// when `LLMOCK_CHAOS_URL` is not set.
async fn chaos_llmock() -> Option<Vec<Llmock>> {
    let Ok(url) = std::env::var("LLMOCK_CHAOS_URL") else {
        assert!(
            std::env::var_os("REQUIRE_LLMOCK").is_none(),
            "REQUIRE_LLMOCK is set but LLMOCK_CHAOS_URL is not: start .ci/start-llmock-chaos"
        );
        persona_tests::skip(
            "LLMOCK_CHAOS_URL is not set (start the simulator with .ci/start-llmock-chaos)",
        );
        return None;
    };
    let mut models = Vec::with_capacity(WORKERS);
    for i in 0..WORKERS {
        models.push(llmock_at(&url, &format!("faults-{i}"), ".ci/start-llmock-chaos").await?);
    }
    Some(models)
}

/// The real server: the OpenAI adapter at the chaos simulator under this worker's model, the
/// Supabase adapter at the shared fake.
async fn server(llmock: &Llmock, fake: &FakeSupabase) -> TestApp {
    spawn_app(&[
        ("OPENAI_BASE_URL", &llmock.base_url()),
        ("OPENAI_API_KEY", "sk-llmock"),
        ("OPENAI_MODEL", &llmock.model),
        ("OPENAI_MAX_RETRIES", "5"),
        ("OPENAI_TIMEOUT_MS", "1000"),
        ("PROCESS_DEADLINE_MS", "25000"),
        (
            "REQUEST_DEADLINE_MS",
            &REQUEST_DEADLINE.as_millis().to_string(),
        ),
        ("STORE_DEADLINE_MS", "10000"),
        ("SUPABASE_URL", &fake.url()),
        ("SUPABASE_SERVICE_ROLE_KEY", &fake.keys().service),
        // Every process-persona must reach the model, whose faults are under test: a material
        // the cache had seen would be answered without the call a scripted hang waits for.
        ("PROCESS_CACHE", "off"),
    ])
    .await
}

/// One client: process-persona, then save-persona of what came back, one request at a time. A
/// seeded draw decides before each request whether its first model call hangs.
async fn worker(llmock: &Llmock, app: &TestApp, seed: u64) -> Vec<Outcome> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut outcomes = Vec::with_capacity(REQUESTS_PER_WORKER);
    for _ in 0..REQUESTS_PER_WORKER {
        let hang = rng.gen_bool(HANG_SHARE);
        if hang {
            llmock
                .script(&[json!({ "type": "delay", "seconds": HANG_SECONDS, "times": 1 })])
                .await;
        }
        let process = Timed::of(app.process(&[MAYA], &[])).await;
        let save = if process.status == 200 {
            let persona = process.body["data"]["persona"].clone();
            let saved = Timed::of(app.save(&persona)).await;
            Some((persona, saved))
        } else {
            None
        };
        outcomes.push(Outcome {
            hang,
            process,
            save,
        });
    }
    outcomes
}

/// The journal of the workers' models, once every hung call has ended (llmock records a call
/// when it answers, and a hung call is answered after the client has given up on it).
async fn journal(llmock: &Llmock, models: &[String], hangs: usize) -> Vec<Served> {
    let mut served = llmock.served_for(models).await;
    for _ in 0..5 {
        if hung(&served) >= hangs {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        served = llmock.served_for(models).await;
    }
    served
}

/// Calls llmock held for the scripted delay. Its timers may fire a fraction of a millisecond
/// early (2.9996 s has been seen for 3 s), hence the tenth of a second of slack.
fn hung(served: &[Served]) -> usize {
    served
        .iter()
        .filter(|s| s.seconds >= HANG_SECONDS - 0.1)
        .count()
}

fn tally(outcomes: &[Outcome], served: &[Served], store: FakeStats, elapsed: Duration) -> Figures {
    let failures = |answers: Vec<&Timed>, ok: u16| {
        answers
            .into_iter()
            .filter(|t| t.status != ok)
            .fold(BTreeMap::new(), |mut map, t| {
                *map.entry((t.status, t.code().to_owned())).or_insert(0) += 1;
                map
            })
    };
    let processes: Vec<&Timed> = outcomes.iter().map(|o| &o.process).collect();
    let saves: Vec<&Timed> = outcomes
        .iter()
        .filter_map(|o| o.save.as_ref().map(|(_, s)| s))
        .collect();
    let processed = processes.iter().filter(|t| t.status == 200).count();
    let mut attempts = BTreeMap::new();
    for t in processes.iter().filter(|t| t.status == 200) {
        let n = t.body["data"]["usage"]["attempts"]
            .as_u64()
            .expect("attempts");
        *attempts.entry(n).or_insert(0) += 1;
    }
    let mut injected = BTreeMap::new();
    for fault in served.iter().filter_map(|s| s.fault.as_deref()) {
        *injected.entry(fault.to_owned()).or_insert(0) += 1;
    }
    let chaos: usize = injected
        .iter()
        .filter(|(label, _)| label.starts_with("chaos:"))
        .map(|(_, n)| n)
        .sum();
    Figures {
        requests: outcomes.len(),
        processed,
        success_rate: processed as f64 / outcomes.len() as f64,
        process_failures: failures(processes.clone(), 200),
        attempts,
        model_calls: served.len(),
        injected,
        injected_share: chaos as f64 / served.len().max(1) as f64,
        hangs_queued: outcomes.iter().filter(|o| o.hang).count(),
        hangs_served: hung(served),
        saves: saves.len(),
        saves_ok: saves.iter().filter(|t| t.status == 201).count(),
        save_failures: failures(saves.clone(), 201),
        store,
        slowest_answer: processes
            .iter()
            .chain(&saves)
            .map(|t| t.took)
            .max()
            .unwrap_or_default(),
        elapsed,
    }
}

/// A save answered 201 is in the bucket under its id, whole, and get-persona answers the same
/// persona byte for byte, with the metadata the save answered.
async fn assert_saved_whole(
    fake: &FakeSupabase,
    app: &TestApp,
    id: &str,
    persona: &Value,
    saved: &Value,
) {
    let object = fake
        .object(BUCKET, &format!("{id}.json"))
        .unwrap_or_else(|| panic!("the persona saved as {id} is in the bucket"));
    let parsed = PersonaId::parse(id).expect("a persona id");
    let document = StoredPersona::from_json(&object.body, &parsed).expect("a whole document");
    assert_eq!(document.to_json(), object.body, "stored as written");
    let got = app.get_persona(id).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let bytes = |v: &Value| serde_json::to_vec(v).expect("json");
    let stored = serde_json::to_vec(document.persona()).expect("json");
    assert_eq!(bytes(&got.body["data"]["persona"]), stored, "{id}");
    assert_eq!(
        bytes(persona),
        stored,
        "{id}: the persona process-persona answered"
    );
    assert_eq!(got.body["data"]["metadata"], saved["data"]["metadata"]);
    assert_eq!(
        got.body["data"]["metadata"],
        serde_json::to_value(document.metadata()).expect("json")
    );
}
