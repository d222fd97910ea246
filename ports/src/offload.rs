//! [`Offload`]: where CPU-heavy steps run, injected by the composition root.
//!
//! Reading a large body, extracting with the mock, applying the rules and grounding take CPU
//! time that grows with the material. Run on an async worker, they keep every other request on
//! that worker waiting (health among them) and the request's deadline cannot fire. This crate
//! knows no runtime, so the front door's runtime supplies an [`Offload`] (in `persona-wiring`:
//! `spawn_blocking` under a bounded number of permits); without one, [`offloaded`] runs the job
//! where it is, as before.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

/// A job for an [`Offload`]: it returns nothing; [`offloaded`] carries its result.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// What an [`Offload`] gives back for a job: a future that completes once the job has run.
pub type JobDone = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs a job away from the async worker; the future completes once the job has run. Dropping
/// the future (a request past its deadline) must not block: the job may still finish later.
#[derive(Clone)]
pub struct Offload(Arc<dyn Fn(Job) -> JobDone + Send + Sync>);

impl Offload {
    pub fn new(run: impl Fn(Job) -> JobDone + Send + Sync + 'static) -> Self {
        Self(Arc::new(run))
    }
}

impl fmt::Debug for Offload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Offload")
    }
}

/// `job`'s result, computed by `offload` when there is one, else right here.
///
/// # Panics
///
/// When the offload finishes without having run the job: an offload that drops jobs breaks its
/// contract. (A job that panics is the offload's to report; `persona-wiring`'s resumes the
/// panic here.)
pub async fn offloaded<T: Send + 'static>(
    offload: Option<&Offload>,
    job: impl FnOnce() -> T + Send + 'static,
) -> T {
    let Some(offload) = offload else {
        return job();
    };
    let slot = Arc::new(Mutex::new(None));
    let filled = Arc::clone(&slot);
    (offload.0)(Box::new(move || {
        let result = job();
        *filled.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
    }))
    .await;
    slot.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .expect("an offload runs every job before it completes")
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn without_an_offload_the_job_runs_here() {
        assert_eq!(offloaded(None, || 6 * 7).await, 42);
    }

    #[tokio::test]
    async fn an_offload_runs_the_job_and_its_result_comes_back() {
        let jobs = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&jobs);
        let offload = Offload::new(move |job| {
            counted.fetch_add(1, Ordering::SeqCst);
            // The job runs on another thread, as on a blocking pool.
            let thread = std::thread::spawn(job);
            Box::pin(async move { thread.join().expect("the job ends") })
        });
        let text = String::from("moved into the job");
        assert_eq!(offloaded(Some(&offload), move || text.len()).await, 18);
        assert_eq!(jobs.load(Ordering::SeqCst), 1);
    }
}
