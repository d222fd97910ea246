//! Background jobs: a process-persona run kept in the [`RecordStore`] (kind
//! [`RecordKind::Job`]), so any instance (or a background function) can run it, report on it,
//! and take it over when its worker died.
//!
//! A job moves `queued` → `running` → `succeeded` | `failed`. While it runs, its worker holds
//! a lease (a random token written into the record) and rewrites the record at least every
//! [`JobPolicy::heartbeat`]; a job not over whose record is older than
//! [`JobPolicy::stale_after`] has lost its worker (a restart, a crash) and is resumed or failed
//! by whoever finds it. The material is personal data: it is kept only until the job is over.
//! An ended job is never rewritten, so a result once reported is never lost. Every job expires
//! [`JobPolicy::ttl`] after it was created: reading it then finds nothing, and the record goes.
//!
//! The store has no compare-and-swap: two instances claiming the same job at the same moment
//! may both run it. The lease makes the loser notice at its next heartbeat and stop; both
//! answers are a valid result for the same material.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use tracing::{info, warn};

use crate::records::{RecordKey, RecordKind, RecordStore};
use crate::store::StoreError;

mod record;

pub use record::{InvalidJobId, JobId, JobMaterial, JobOutcome, JobProgress, JobRecord, JobStatus};

/// How long jobs live and when one has lost its worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobPolicy {
    /// `JOB_TTL`: how long after its creation a job can be read.
    pub ttl: Duration,
    /// A job not over, unwritten for this long, has lost its worker.
    pub stale_after: Duration,
    /// How many times a job is started before a lost worker fails it instead of resuming it.
    pub max_runs: u32,
}

impl JobPolicy {
    /// How often a running job's worker rewrites its record: a quarter of the stale bound, so
    /// a slow store write or two never makes a live job look abandoned.
    pub fn heartbeat(&self) -> Duration {
        self.stale_after / 4
    }
}

impl Default for JobPolicy {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(24 * 60 * 60),
            stale_after: Duration::from_secs(60),
            max_runs: 2,
        }
    }
}

/// A worker's hold on a running job: its lease and the material to run.
#[derive(Debug, Clone)]
pub struct JobClaim {
    pub id: JobId,
    lease: String,
    pub material: JobMaterial,
}

/// What a job that lost its worker should become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Queued again, to be run by a worker.
    Resume,
    /// Started [`JobPolicy::max_runs`] times already: fail it (retryable by the client).
    Fail,
}

/// The job use cases over a [`RecordStore`].
#[derive(Debug, Clone)]
pub struct Jobs {
    records: Arc<dyn RecordStore>,
    policy: JobPolicy,
}

impl Jobs {
    pub fn new(records: Arc<dyn RecordStore>, policy: JobPolicy) -> Self {
        Self { records, policy }
    }

    pub fn policy(&self) -> JobPolicy {
        self.policy
    }

    /// Stores a new queued job for `material`.
    ///
    /// # Errors
    ///
    /// The store's error.
    pub async fn create(
        &self,
        material: JobMaterial,
        request_id: &str,
    ) -> Result<JobRecord, StoreError> {
        let now = Utc::now();
        let record = JobRecord {
            id: JobId::fresh(),
            status: JobStatus::Queued,
            progress: JobProgress::default(),
            created_at: now,
            updated_at: now,
            expires_at: now + self.policy.ttl,
            runs: 0,
            request_id: request_id.to_owned(),
            lease: None,
            material: Some(material),
            data: None,
            error: None,
        };
        self.put(&record).await?;
        info!(
            blocks = record.material.as_ref().map_or(0, |m| m.text_blocks.len()),
            "job queued"
        );
        Ok(record)
    }

    /// The job under `id`, or `None` when there is none or it has expired (then its record is
    /// removed).
    ///
    /// # Errors
    ///
    /// The store's error; [`StoreError::Unexpected`] for a record that is not a job's.
    pub async fn find(&self, id: &JobId) -> Result<Option<JobRecord>, StoreError> {
        let Some(bytes) = self.records.get(RecordKind::Job, &id.key()).await? else {
            return Ok(None);
        };
        let record: JobRecord = serde_json::from_slice(&bytes)
            .map_err(|e| StoreError::Unexpected(format!("a job record does not read: {e}")))?;
        if record.expires_at <= Utc::now() {
            self.records.delete(RecordKind::Job, &id.key()).await?;
            return Ok(None);
        }
        Ok(Some(record))
    }

    /// Whether `record` is not over and has not been written for [`JobPolicy::stale_after`]:
    /// its worker is gone.
    pub fn is_stale(&self, record: &JobRecord) -> bool {
        !record.status.is_over()
            && Utc::now().signed_duration_since(record.updated_at)
                >= chrono::Duration::from_std(self.policy.stale_after)
                    .unwrap_or(chrono::Duration::MAX)
    }

    /// What a stale job should become: resumed while it has runs left, else failed.
    pub fn recovery(&self, record: &JobRecord) -> Recovery {
        if record.runs < self.policy.max_runs && record.material.is_some() {
            Recovery::Resume
        } else {
            Recovery::Fail
        }
    }

    /// Queues a stale job again, for a worker to claim. Returns the record as written.
    ///
    /// # Errors
    ///
    /// The store's error.
    pub async fn requeue(&self, mut record: JobRecord) -> Result<JobRecord, StoreError> {
        record.status = JobStatus::Queued;
        record.lease = None;
        record.updated_at = Utc::now();
        self.put(&record).await?;
        warn!(runs = record.runs, "job lost its worker; queued again");
        Ok(record)
    }

    /// Takes the job under `id` for a worker: a queued job, or a stale one (its worker gone),
    /// becomes `running` under a fresh lease. `None` when there is nothing to run: no such job,
    /// an ended one, or one a live worker holds.
    ///
    /// # Errors
    ///
    /// The store's error.
    pub async fn claim(&self, id: &JobId) -> Result<Option<JobClaim>, StoreError> {
        let Some(mut record) = self.find(id).await? else {
            return Ok(None);
        };
        let free = record.status == JobStatus::Queued || self.is_stale(&record);
        let Some(material) = record.material.clone().filter(|_| free) else {
            return Ok(None);
        };
        let lease = String::from(JobId::fresh());
        record.status = JobStatus::Running;
        record.lease = Some(lease.clone());
        record.runs += 1;
        record.updated_at = Utc::now();
        self.put(&record).await?;
        info!(runs = record.runs, "job started");
        Ok(Some(JobClaim {
            id: id.clone(),
            lease,
            material,
        }))
    }

    /// Records `progress` and that the worker is alive. `false` when the worker no longer holds
    /// the job (it ended, expired, or another worker took it over): it should stop.
    ///
    /// # Errors
    ///
    /// The store's error.
    pub async fn heartbeat(
        &self,
        claim: &JobClaim,
        progress: JobProgress,
    ) -> Result<bool, StoreError> {
        let Some(mut record) = self.held(claim).await? else {
            return Ok(false);
        };
        record.progress = progress;
        record.updated_at = Utc::now();
        self.put(&record).await?;
        Ok(true)
    }

    /// Ends the job the worker holds with `outcome`, dropping its material. `false` when the
    /// worker no longer held it (nothing is written).
    ///
    /// # Errors
    ///
    /// The store's error.
    pub async fn finish(
        &self,
        claim: &JobClaim,
        progress: JobProgress,
        outcome: JobOutcome,
    ) -> Result<bool, StoreError> {
        let Some(record) = self.held(claim).await? else {
            warn!("job taken over by another worker; this run's outcome is dropped");
            return Ok(false);
        };
        self.end(record, Some(progress), outcome).await?;
        Ok(true)
    }

    /// Removes the job under `id` (one that could not be handed to a worker).
    ///
    /// # Errors
    ///
    /// The store's error.
    pub async fn discard(&self, id: &JobId) -> Result<(), StoreError> {
        self.records.delete(RecordKind::Job, &id.key()).await
    }

    /// Ends a job no worker will finish (its worker is gone and it has no runs left) as failed
    /// with `error`. Returns the record as written; an already ended job is returned unchanged.
    ///
    /// # Errors
    ///
    /// The store's error.
    pub async fn fail(&self, record: JobRecord, error: Value) -> Result<JobRecord, StoreError> {
        if record.status.is_over() {
            return Ok(record);
        }
        warn!(runs = record.runs, "job lost its worker; failed");
        self.end(record, None, JobOutcome::Failed(error)).await
    }

    /// Every job id whose record is not over, and removes every expired record (a sweep, paged
    /// by key): for an instance starting up, to resume what it finds.
    ///
    /// # Errors
    ///
    /// The store's error.
    pub async fn sweep(&self) -> Result<Vec<JobRecord>, StoreError> {
        const PAGE: usize = 100;
        let mut open = Vec::new();
        let mut after: Option<RecordKey> = None;
        loop {
            let page = self
                .records
                .list(RecordKind::Job, after.as_ref(), PAGE)
                .await?;
            for entry in &page {
                let Ok(id) = JobId::parse(entry.key.as_str()) else {
                    continue;
                };
                // `find` removes an expired record; an unreadable one is left for an operator.
                match self.find(&id).await {
                    Ok(Some(record)) if !record.status.is_over() => open.push(record),
                    Ok(_) => {}
                    Err(error) => warn!(%error, "a job record could not be read in a sweep"),
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE => after = Some(last.key.clone()),
                _ => return Ok(open),
            }
        }
    }

    /// The record when `claim`'s worker still holds it.
    async fn held(&self, claim: &JobClaim) -> Result<Option<JobRecord>, StoreError> {
        Ok(self.find(&claim.id).await?.filter(|record| {
            record.status == JobStatus::Running && record.lease.as_deref() == Some(&claim.lease)
        }))
    }

    async fn end(
        &self,
        mut record: JobRecord,
        progress: Option<JobProgress>,
        outcome: JobOutcome,
    ) -> Result<JobRecord, StoreError> {
        (record.status, record.data, record.error) = match outcome {
            JobOutcome::Succeeded(data) => (JobStatus::Succeeded, Some(data), None),
            JobOutcome::Failed(error) => (JobStatus::Failed, None, Some(error)),
        };
        if let Some(progress) = progress {
            record.progress = progress;
        }
        record.material = None;
        record.lease = None;
        record.updated_at = Utc::now();
        self.put(&record).await?;
        info!(status = ?record.status, runs = record.runs, "job ended");
        Ok(record)
    }

    async fn put(&self, record: &JobRecord) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(record).expect("a job record always serialises");
        self.records
            .put(RecordKind::Job, &record.id.key(), bytes)
            .await
    }
}

#[cfg(test)]
mod tests;
