//! The server's [`JobRunner`]: a bounded pool of workers over a bounded queue.

use std::sync::Arc;
use std::time::Duration;

use persona_api::{JobRunner, JobWork, RunnerBusy};
use tokio::sync::{Mutex, mpsc};
use tracing::warn;

/// What a client refused by a full queue is told to wait: long enough for a worker to finish
/// a job or two.
pub const QUEUE_FULL_RETRY_AFTER: Duration = Duration::from_secs(5);

/// `workers` tasks running jobs one at a time each, from a queue of at most `queue` jobs
/// waiting; a job past that is refused at once ([`RunnerBusy`]), so memory stays bounded however
/// many are submitted. Each job runs as its own task: one that panics ends itself, not its
/// worker. Must be called inside a tokio runtime.
pub fn job_pool(workers: u32, queue: u32) -> JobRunner {
    let (sender, receiver) = mpsc::channel::<JobWork>(usize::try_from(queue).unwrap_or(1).max(1));
    let receiver = Arc::new(Mutex::new(receiver));
    for _ in 0..workers {
        let receiver = Arc::clone(&receiver);
        tokio::spawn(async move {
            loop {
                // The lock is held only while waiting for the next job, not while running it.
                let next = receiver.lock().await.recv().await;
                let Some(work) = next else { return };
                if let Err(error) = tokio::spawn(work.run).await {
                    warn!(%error, "a job's task ended abnormally");
                }
            }
        });
    }
    JobRunner::new(move |work| {
        let sent = sender.try_send(work).map_err(|_| RunnerBusy {
            retry_after: QUEUE_FULL_RETRY_AFTER,
        });
        Box::pin(async move { sent })
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use persona_ports::JobId;
    use tokio::sync::oneshot;

    use super::*;

    fn work(run: impl std::future::Future<Output = ()> + Send + 'static) -> JobWork {
        JobWork {
            id: JobId::fresh(),
            run: Box::pin(run),
        }
    }

    #[tokio::test]
    async fn past_the_workers_and_the_queue_a_job_is_refused_and_every_taken_job_runs() {
        let pool = job_pool(2, 3);
        let ran = Arc::new(AtomicUsize::new(0));
        let (release, gate) = tokio::sync::watch::channel(false);
        let job = |tell: oneshot::Sender<()>| {
            let ran = Arc::clone(&ran);
            let mut gate = gate.clone();
            work(async move {
                let _ = tell.send(());
                let _ = gate.wait_for(|open| *open).await;
                ran.fetch_add(1, Ordering::SeqCst);
            })
        };
        // Two jobs, one per worker, both started and held.
        for _ in 0..2 {
            let (tell, told) = oneshot::channel();
            pool.submit(job(tell)).await.expect("a worker is free");
            told.await.expect("the job starts");
        }
        // Three wait in the queue; the fourth is refused at once.
        let mut queued = Vec::new();
        for _ in 0..3 {
            let (tell, told) = oneshot::channel();
            pool.submit(job(tell)).await.expect("the queue has room");
            queued.push(told);
        }
        let (tell, _) = oneshot::channel();
        let busy = pool.submit(job(tell)).await.expect_err("the queue is full");
        assert_eq!(busy.retry_after, QUEUE_FULL_RETRY_AFTER);
        release.send(true).expect("open the gate");
        for told in queued {
            told.await.expect("a queued job runs");
        }
        while ran.load(Ordering::SeqCst) < 5 {
            tokio::task::yield_now().await;
        }
        assert_eq!(ran.load(Ordering::SeqCst), 5);
    }
}
