//! A job's record and its parts: [`JobId`], [`JobStatus`], [`JobProgress`], [`JobMaterial`],
//! [`JobRecord`], and how a job ended ([`JobOutcome`]).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::records::RecordKey;
use crate::service::{ProcessOptions, Progress};

/// A job's id: [`JobId::LEN`] characters of the persona id alphabet, drawn by nanoid (144 bits),
/// so holding it is the only way to read the job.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JobId(String);

impl JobId {
    pub const LEN: usize = 24;

    /// A fresh, unguessable id.
    pub fn fresh() -> Self {
        let alphabet = persona_domain::PersonaId::ALPHABET;
        Self(nanoid::format(nanoid::rngs::default, &alphabet, Self::LEN))
    }

    /// `id` as a job id.
    ///
    /// # Errors
    ///
    /// [`InvalidJobId`] unless `id` is exactly [`JobId::LEN`] characters of `A-Z a-z 0-9 _ -`.
    pub fn parse(id: &str) -> Result<Self, InvalidJobId> {
        let valid = id.len() == Self::LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        valid.then(|| Self(id.to_owned())).ok_or(InvalidJobId)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(super) fn key(&self) -> RecordKey {
        RecordKey::parse(&self.0).expect("a job id is a valid record key")
    }
}

impl TryFrom<String> for JobId {
    type Error = InvalidJobId;
    fn try_from(id: String) -> Result<Self, InvalidJobId> {
        Self::parse(&id)
    }
}

impl From<JobId> for String {
    fn from(id: JobId) -> String {
        id.0
    }
}

/// A job id is a bearer capability: a log shows its length only.
impl fmt::Debug for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JobId({} chars)", self.0.len())
    }
}

/// An id that cannot be a job's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("a job id is exactly {len} characters of A-Z, a-z, 0-9, '_' and '-'", len = JobId::LEN)]
pub struct InvalidJobId;

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl JobStatus {
    /// Whether the job has ended (and will never change again).
    pub fn is_over(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

/// How far a job has got, as its worker last reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct JobProgress {
    pub chunks_done: u32,
    pub chunks_total: u32,
    pub completion_tokens: u32,
}

impl From<Progress> for JobProgress {
    fn from(p: Progress) -> Self {
        Self {
            chunks_done: p.chunks_done,
            chunks_total: p.chunks_total,
            completion_tokens: p.completion_tokens,
        }
    }
}

/// What a job runs on: the request's material as the client sent it (checked before the job
/// was made) and its options. Personal data: kept in the record only while the job is not over.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobMaterial {
    pub text_blocks: Vec<String>,
    pub links: Vec<String>,
    /// `Cache-Control: no-cache` on the submission.
    pub fresh: bool,
    /// Mock mode's `x-mock-scenario` of the submission, played when the job runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
}

impl JobMaterial {
    pub fn options(&self) -> ProcessOptions {
        ProcessOptions { fresh: self.fresh }
    }
}

/// Counts only: the material is the client's text.
impl fmt::Debug for JobMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobMaterial")
            .field("text_blocks", &self.text_blocks.len())
            .field("links", &self.links.len())
            .field("fresh", &self.fresh)
            .field("scenario", &self.scenario)
            .finish()
    }
}

/// A job as it is stored.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: JobId,
    pub status: JobStatus,
    pub progress: JobProgress,
    pub created_at: DateTime<Utc>,
    /// The last write: the heartbeat of a running job.
    pub updated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// How many times a worker has started it.
    pub runs: u32,
    /// The submission's request id, which a failure's error carries.
    pub request_id: String,
    /// The token of the worker running it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) lease: Option<String>,
    /// Present until the job is over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material: Option<JobMaterial>,
    /// Once succeeded: the `data` a synchronous answer carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Once failed: the envelope's `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

/// Status and counts only: the record holds the client's material and the persona.
impl fmt::Debug for JobRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobRecord")
            .field("status", &self.status)
            .field("progress", &self.progress)
            .field("runs", &self.runs)
            .field("material", &self.material)
            .finish_non_exhaustive()
    }
}

/// How an ended job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    /// The `data` a synchronous answer carries.
    Succeeded(Value),
    /// The envelope's `error`.
    Failed(Value),
}
