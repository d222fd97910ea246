//! Background jobs over HTTP: `POST /api/process-persona` with `Prefer: respond-async` (RFC
//! 7240) answers 202 with a job, `GET /api/get-job?id=` reports it, and [`Api::run_job`] runs
//! one (on a worker of the front door's [`JobRunner`], or in a Netlify background function).
//!
//! The job itself (record, status, lease, TTL) is `persona_ports::Jobs`; this module decides
//! what the client sees. The API stays runtime-free: the front door injects a [`JobRunner`]
//! ([`Api::with_jobs`]); without one, `Prefer: respond-async` is not honoured (RFC 7240 lets a
//! server ignore a preference) and the answer is synchronous, without `Preference-Applied`.

mod dto;
mod runner;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use persona_domain::SourceBundle;
use persona_ports::{
    JobId, JobMaterial, JobOutcome, JobPolicy, JobProgress, JobRecord, Jobs, Recovery,
};
use tracing::{Instrument, info_span, warn};

pub use dto::{JobData, JobView, RunJobRequest};
pub use runner::{JobRunner, JobWork, RunnerBusy};

use crate::envelope::{Answer, error_body};
use crate::error::{ApiError, Refusal};
use crate::pipeline::{Outcome, race};
use crate::scenario::{HEADER as SCENARIO_HEADER, Scenario};
use crate::{Api, Operation, Request};

/// How soon a running job's new progress reaches its record (and its pollers).
pub const PROGRESS_TICK: Duration = Duration::from_secs(1);

/// The jobs the API keeps and where they run.
#[derive(Debug, Clone)]
pub(crate) struct JobDesk {
    pub(crate) jobs: Jobs,
    runner: Option<JobRunner>,
}

impl JobDesk {
    pub(crate) fn new(jobs: Jobs) -> Self {
        Self { jobs, runner: None }
    }
}

/// Whether `request` prefers an asynchronous answer: a `Prefer` header (any line) holding the
/// `respond-async` token, matched case-insensitively (RFC 7240 §2, §4.1). Linear in the
/// headers' size, which the front door bounds.
pub(crate) fn prefers_async(request: &Request) -> bool {
    request.header_values("prefer").any(|value| {
        value.split(',').any(|preference| {
            let token = preference.split([';', '=']).next().unwrap_or_default();
            token.trim().eq_ignore_ascii_case("respond-async")
        })
    })
}

impl Api {
    /// Runs jobs through `runner`, keeping them (in the service's record store) under `policy`;
    /// `Prefer: respond-async` is honoured from now on.
    #[must_use]
    pub fn with_jobs(mut self, policy: JobPolicy, runner: JobRunner) -> Self {
        self.jobs = JobDesk {
            jobs: Jobs::new(Arc::clone(self.service.records()), policy),
            runner: Some(runner),
        };
        self
    }

    /// The job use cases this API answers with.
    pub fn jobs(&self) -> &Jobs {
        &self.jobs.jobs
    }

    /// Whether asynchronous submissions are honoured (a runner was given).
    pub(crate) fn runs_jobs(&self) -> bool {
        self.jobs.runner.is_some()
    }

    /// Runs the job under `id` to its end, if it is free to run (queued, or abandoned by its
    /// worker): claims it, processes its material while writing its progress every
    /// heartbeat, then writes its result or error. A job another worker holds, an ended or
    /// unknown one is left alone. Failures to reach the store are logged: the job then goes
    /// stale and is resumed or failed by whoever reads it next.
    pub async fn run_job(&self, id: &JobId) {
        let jobs = &self.jobs.jobs;
        let claim = match jobs.claim(id).await {
            Ok(Some(claim)) => claim,
            Ok(None) => return,
            Err(error) => {
                warn!(%error, "a job could not be claimed");
                return;
            }
        };
        let request_id = jobs
            .find(id)
            .await
            .ok()
            .flatten()
            .map(|record| record.request_id)
            .unwrap_or_default();
        let span = info_span!("job", request_id = %request_id);
        let latest = Arc::new(Mutex::new(JobProgress::default()));
        let work = self.process_material(&claim.material, &latest, &request_id);
        let heartbeat = async {
            let Some(sleep) = &self.sleep else {
                return std::future::pending().await;
            };
            // Progress is written within a tick of changing (a poller's progress bar moves per
            // chunk), and the record at least every heartbeat even when nothing changed.
            let tick = PROGRESS_TICK.min(jobs.policy().heartbeat());
            let beat_every =
                (jobs.policy().heartbeat().as_millis() / tick.as_millis().max(1)).max(1);
            let (mut written, mut ticks) = (JobProgress::default(), 0_u128);
            loop {
                sleep(tick).await;
                ticks += 1;
                let progress = *latest.lock().unwrap_or_else(PoisonError::into_inner);
                if progress == written && ticks < beat_every {
                    continue;
                }
                match jobs.heartbeat(&claim, progress).await {
                    Ok(true) => (written, ticks) = (progress, 0),
                    Ok(false) => return,
                    // The next beat may reach the store; the job is not lost yet.
                    Err(error) => warn!(%error, "a job's heartbeat was not written"),
                }
            }
        };
        let Some(outcome) = race(work, heartbeat).instrument(span.clone()).await else {
            let _entered = span.enter();
            warn!("job taken over by another worker; this run stops");
            return;
        };
        let progress = *latest.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(error) = jobs.finish(&claim, progress, outcome).await {
            let _entered = span.enter();
            warn!(%error, "a job's outcome could not be written; it will be run again");
        }
    }

    /// Finds the jobs left open in the store (at start: those of a previous run of this server,
    /// or of an instance that died), removes the expired ones, and hands each open one to the
    /// runner; a job still held by a live worker elsewhere is skipped by its claim. Returns how
    /// many were handed over.
    pub async fn resume_jobs(&self) -> usize {
        let open = match self.jobs.jobs.sweep().await {
            Ok(open) => open,
            Err(error) => {
                warn!(%error, "open jobs could not be listed at start");
                return 0;
            }
        };
        let mut resumed = 0;
        // A running job with a fresh heartbeat may be another instance's: left to its worker.
        let free = open.into_iter().filter(|record| {
            record.status == persona_ports::JobStatus::Queued || self.jobs.jobs.is_stale(record)
        });
        for record in free {
            if self
                .recover(record)
                .await
                .is_ok_and(|r| !r.status.is_over())
            {
                resumed += 1;
            }
        }
        resumed
    }

    /// Queues an accepted process-persona request as a job: 202 with `Location` and
    /// `Preference-Applied`, or 503 with `Retry-After` when the runner's queue is full.
    pub(crate) async fn submit_job(
        &self,
        request: &Request,
        bundle: &SourceBundle,
        request_id: &str,
    ) -> Result<Answer, ApiError> {
        let scenario = request
            .header(SCENARIO_HEADER)
            .filter(|_| self.settings.mock_mode);
        if let Some(value) = scenario {
            // A wrong scenario is the request's error, answered now, not the job's.
            Scenario::parse_for(value, Operation::ProcessPersona)?;
        }
        let material = JobMaterial {
            text_blocks: bundle.text_blocks().to_vec(),
            links: bundle.links().to_vec(),
            fresh: crate::handlers::wants_fresh(request),
            scenario: scenario.map(str::to_owned),
        };
        let record = self.jobs.jobs.create(material, request_id).await?;
        if let Err(busy) = self.hand_over(&record.id).await {
            if let Err(error) = self.jobs.jobs.discard(&record.id).await {
                warn!(%error, "a job the runner refused could not be removed");
            }
            return Err(Refusal::JobQueueFull(busy.retry_after).into());
        }
        Ok(Answer::accepted(
            &JobData::from(record.clone()),
            format!("{}?id={}", Operation::GetJob.path(), record.id.as_str()),
        ))
    }

    /// `POST /api/process-persona-background` with `{"id"}`: the job runs, on this process's
    /// pool when it has one (answered at once), else right here, to its end (a Netlify
    /// background function, whose answer nobody reads). 202 with the job as it then is.
    pub(crate) async fn run_job_request(&self, request: &Request) -> Result<Answer, ApiError> {
        let body: dto::RunJobRequest = self.on_body(request, crate::body::read).await?;
        let id = JobId::parse(&body.id).map_err(|_| Refusal::BadJobId)?;
        match &self.jobs.runner {
            Some(runner) if runner.here => {
                // A pool that is full leaves the job queued: a later read or restart resumes it.
                let _ = self.hand_over(&id).await;
            }
            _ => self.run_job(&id).await,
        }
        let record = self.jobs.jobs.find(&id).await?.ok_or(Refusal::NoSuchJob)?;
        Ok(Answer::accepted(
            &JobData::from(record),
            format!("{}?id={}", Operation::GetJob.path(), id.as_str()),
        ))
    }

    /// `GET /api/get-job?id=`: the job, once a job whose worker died has been resumed or failed.
    pub(crate) async fn get_job(
        &self,
        request: &Request,
        log: &mut Outcome,
    ) -> Result<Answer, ApiError> {
        log.adapter = Some(self.service.records().name());
        let raw = request.query_param("id").ok_or(Refusal::MissingJobId)?;
        let id = JobId::parse(&raw).map_err(|_| Refusal::BadJobId)?;
        let record = self.jobs.jobs.find(&id).await?.ok_or(Refusal::NoSuchJob)?;
        let record = if self.jobs.jobs.is_stale(&record) {
            self.recover(record).await?
        } else {
            record
        };
        Ok(Answer::ok(&JobData::from(record)))
    }

    /// A stale job (its worker gone), resumed on this instance's runner while it has runs left,
    /// else failed as retryable. A fresh one is handed to the runner as it is.
    async fn recover(&self, record: JobRecord) -> Result<JobRecord, ApiError> {
        let jobs = &self.jobs.jobs;
        let stale = jobs.is_stale(&record);
        if !stale && record.status != persona_ports::JobStatus::Queued {
            return Ok(record);
        }
        let mut record = record;
        if self.runs_jobs() && jobs.recovery(&record) == Recovery::Resume {
            if stale {
                record = jobs.requeue(record).await?;
            }
            if self.hand_over(&record.id).await.is_ok() {
                return Ok(record);
            }
        }
        let error = error_body(&Refusal::JobAbandoned.into(), &record.request_id);
        Ok(jobs.fail(record, error).await?)
    }

    /// Gives the job under `id` to the runner, to run on this instance.
    async fn hand_over(&self, id: &JobId) -> Result<(), RunnerBusy> {
        let Some(runner) = &self.jobs.runner else {
            return Err(RunnerBusy {
                retry_after: Duration::from_secs(5),
            });
        };
        let api = self.clone();
        let job = id.clone();
        let run = Box::pin(async move { api.run_job(&job).await });
        runner
            .submit(JobWork {
                id: id.clone(),
                run,
            })
            .await
    }

    /// The material's processing as a job's outcome: the `data` a synchronous answer carries,
    /// or the envelope's `error`.
    async fn process_material(
        &self,
        material: &JobMaterial,
        latest: &Arc<Mutex<JobProgress>>,
        request_id: &str,
    ) -> JobOutcome {
        let failed = |error: ApiError| JobOutcome::Failed(error_body(&error, request_id));
        // The material passed these rules when the job was made; they cannot fail now unless
        // the rules changed between two versions of the service.
        let bundle = match SourceBundle::parse(&material.text_blocks, &material.links) {
            Ok(bundle) => bundle,
            Err(errors) => return failed(Refusal::Source(errors).into()),
        };
        let mut replay = Request::new("POST", Operation::ProcessPersona.path());
        if let Some(scenario) = &material.scenario {
            replay = replay.with_header(SCENARIO_HEADER, scenario.as_str());
        }
        if let Err(error) = self.mock_scenario(Operation::ProcessPersona, &replay).await {
            return failed(error);
        }
        let report = |progress: persona_ports::Progress| {
            *latest.lock().unwrap_or_else(PoisonError::into_inner) = progress.into();
        };
        match self
            .service
            .process_observed(&bundle, material.options(), &report)
            .await
        {
            Ok(processed) => JobOutcome::Succeeded(
                serde_json::to_value(self.process_data(processed))
                    .expect("process data always serialises"),
            ),
            Err(failure) => failed(failure.error.into()),
        }
    }
}
