//! The job as a client sees it: `data.job` of the 202 and of get-job.

use chrono::{DateTime, Utc};
use persona_ports::{JobProgress, JobRecord, JobStatus};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dto::ProcessData;
use crate::openapi::ErrorBody;

/// `POST /api/process-persona-background`: the job to run.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunJobRequest {
    /// The job's id, as the 202 of process-persona gave it.
    pub id: String,
}

static RUN_JOB: LazyLock<jsonschema::Validator> =
    LazyLock::new(crate::body::validator_for::<RunJobRequest>);

impl crate::body::JsonBody for RunJobRequest {
    fn validator() -> &'static jsonschema::Validator {
        &RUN_JOB
    }
}

/// `data` of a 202 from process-persona and of get-job.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct JobData {
    pub job: JobView,
}

/// A background job: where it is, how far it got, and its result once it ended.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct JobView {
    /// The job's id: 24 characters of `[A-Za-z0-9_-]`; whoever holds it can read the job.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_-]{24}$"))]
    pub id: String,
    pub status: JobStatusData,
    pub progress: JobProgressData,
    pub created_at: DateTime<Utc>,
    /// The last time the job's record was written (a running job's worker writes it regularly).
    pub updated_at: DateTime<Utc>,
    /// After this the job is gone (404).
    pub expires_at: DateTime<Utc>,
    /// Once `succeeded`: the `data` a synchronous process-persona answer carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ProcessData>")]
    pub data: Option<Value>,
    /// Once `failed`: the `error` a synchronous answer would have carried; `retryable` says
    /// whether submitting the material again may succeed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ErrorBody>")]
    pub error: Option<Value>,
}

/// `queued` (waiting for a worker), `running`, then `succeeded` or `failed` for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatusData {
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// How far the job has got: chunks of the material extracted, of how many, and the completion
/// tokens generated so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct JobProgressData {
    pub chunks_done: u32,
    pub chunks_total: u32,
    pub completion_tokens: u32,
}

impl From<JobRecord> for JobData {
    fn from(record: JobRecord) -> Self {
        let JobProgress {
            chunks_done,
            chunks_total,
            completion_tokens,
        } = record.progress;
        Self {
            job: JobView {
                id: record.id.as_str().to_owned(),
                status: match record.status {
                    JobStatus::Queued => JobStatusData::Queued,
                    JobStatus::Running => JobStatusData::Running,
                    JobStatus::Succeeded => JobStatusData::Succeeded,
                    JobStatus::Failed => JobStatusData::Failed,
                },
                progress: JobProgressData {
                    chunks_done,
                    chunks_total,
                    completion_tokens,
                },
                created_at: record.created_at,
                updated_at: record.updated_at,
                expires_at: record.expires_at,
                data: record.data,
                error: record.error,
            },
        }
    }
}
