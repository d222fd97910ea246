//! [`JobRunner`]: where jobs run, injected by the composition root (the server's worker pool, or
//! the Netlify background function), and what it is handed ([`JobWork`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use persona_ports::JobId;

/// A job handed to a [`JobRunner`]: its id, and the future that runs it here
/// ([`Api::run_job`]); a runner that runs jobs elsewhere (a background function) sends the id
/// and drops the future.
pub struct JobWork {
    pub id: JobId,
    pub run: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl fmt::Debug for JobWork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobWork")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A runner refused a job: its queue is full (or the background function could not be
/// reached); try again after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunnerBusy {
    pub retry_after: Duration,
}

/// Where jobs run, injected by the composition root: it takes a job, or says at once that it
/// cannot ([`RunnerBusy`]). The server's is a bounded worker pool with a bounded queue.
#[derive(Clone)]
pub struct JobRunner {
    submit: Submit,
    /// Whether jobs run in this process (a pool) rather than elsewhere (a background function).
    pub(super) here: bool,
}

/// What a [`JobRunner`] does with a job.
type Submit = Arc<
    dyn Fn(JobWork) -> Pin<Box<dyn Future<Output = Result<(), RunnerBusy>> + Send>> + Send + Sync,
>;

impl JobRunner {
    /// A runner that runs each job's future in this process (the server's worker pool).
    pub fn new(
        submit: impl Fn(JobWork) -> Pin<Box<dyn Future<Output = Result<(), RunnerBusy>> + Send>>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        Self {
            submit: Arc::new(submit),
            here: true,
        }
    }

    /// A runner that sends each job's id elsewhere (a Netlify background function, which calls
    /// process-persona-background) and drops its future.
    pub fn elsewhere(
        submit: impl Fn(JobWork) -> Pin<Box<dyn Future<Output = Result<(), RunnerBusy>> + Send>>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        Self {
            submit: Arc::new(submit),
            here: false,
        }
    }

    /// Hands `work` over, or says at once that it cannot.
    ///
    /// # Errors
    ///
    /// [`RunnerBusy`] when the runner takes no more jobs now.
    pub async fn submit(&self, work: JobWork) -> Result<(), RunnerBusy> {
        (self.submit)(work).await
    }
}

impl fmt::Debug for JobRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobRunner")
            .field("here", &self.here)
            .finish_non_exhaustive()
    }
}
