//! [`LimitedExtractor`]: at most N extractions at the model at once (`LLM_MAX_CONCURRENCY`).
//!
//! Requests beyond N wait for a turn, in arrival order, for at most `LLM_QUEUE_TIMEOUT_MS`; at
//! most `LLM_MAX_WAITING` of them wait at once, and any more are turned away at once, so a flood
//! of clients costs a bounded amount of memory. A request that gets no turn fails with
//! [`ExtractError::Busy`] (503 with `Retry-After`) without calling the model.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use persona_domain::SourceBundle;
use persona_ports::{ExtractError, ExtractFailure, Extraction, MeasureUnit, PersonaExtractor};
use tokio::sync::Semaphore;

use crate::config::LlmLimit;

/// The wait suggested to a client turned away: long enough for a typical extraction to finish.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// An extractor that lets at most a set number of extractions run at once.
#[derive(Debug)]
pub struct LimitedExtractor {
    inner: Arc<dyn PersonaExtractor>,
    turns: Semaphore,
    waiting: AtomicU32,
    limit: LlmLimit,
}

impl LimitedExtractor {
    pub fn new(inner: Arc<dyn PersonaExtractor>, limit: LlmLimit) -> Self {
        Self {
            inner,
            turns: Semaphore::new(limit.max_concurrency as usize),
            waiting: AtomicU32::new(0),
            limit,
        }
    }

    /// A turn at the model: at once, or after waiting among at most `max_waiting` others for at
    /// most `queue_timeout`; otherwise the busy failure.
    async fn turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ExtractFailure> {
        if let Ok(turn) = self.turns.try_acquire() {
            return Ok(turn);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.limit.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Self::busy());
        }
        let _waiting = Waiting(&self.waiting);
        match tokio::time::timeout(self.limit.queue_timeout, self.turns.acquire()).await {
            Ok(Ok(turn)) => Ok(turn),
            // The semaphore is never closed; a timeout means no turn came.
            Ok(Err(_)) | Err(_) => Err(Self::busy()),
        }
    }

    fn busy() -> ExtractFailure {
        ExtractError::Busy {
            retry_after: RETRY_AFTER,
        }
        .into()
    }
}

/// Counts a waiter for as long as it lives.
struct Waiting<'a>(&'a AtomicU32);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[async_trait]
impl PersonaExtractor for LimitedExtractor {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn fingerprint(&self) -> String {
        self.inner.fingerprint()
    }

    async fn extract(&self, bundle: &SourceBundle) -> Result<Extraction, ExtractFailure> {
        let _turn = self.turn().await?;
        self.inner.extract(bundle).await
    }

    async fn extract_observed(
        &self,
        bundle: &SourceBundle,
        streamed: &(dyn Fn(u32) + Send + Sync),
    ) -> Result<Extraction, ExtractFailure> {
        let _turn = self.turn().await?;
        self.inner.extract_observed(bundle, streamed).await
    }

    fn chunk_budget(&self, bundle: &SourceBundle) -> Option<u32> {
        self.inner.chunk_budget(bundle)
    }

    fn measure(&self, text: &str) -> u32 {
        self.inner.measure(text)
    }

    fn measure_bound(&self, text: &str) -> Option<u32> {
        self.inner.measure_bound(text)
    }

    fn measure_unit(&self) -> MeasureUnit {
        self.inner.measure_unit()
    }
}

#[cfg(test)]
mod tests {
    use persona_ports::Usage;
    use tokio::sync::Notify;

    use super::*;

    /// Holds every extraction until released, counting how many ran.
    #[derive(Debug, Default)]
    struct Gate {
        open: Notify,
        started: AtomicU32,
    }

    #[async_trait]
    impl PersonaExtractor for Gate {
        fn name(&self) -> &'static str {
            "gate"
        }
        async fn extract(&self, _: &SourceBundle) -> Result<Extraction, ExtractFailure> {
            self.started.fetch_add(1, Ordering::SeqCst);
            self.open.notified().await;
            Ok(Extraction {
                draft: persona_domain::PersonaDraft::default(),
                usage: Usage {
                    model: "gate".into(),
                    prompt_tokens: 0,
                    completion_tokens: 0,
                    attempts: 1,
                },
            })
        }
        fn chunk_budget(&self, bundle: &SourceBundle) -> Option<u32> {
            Some(1_000 + bundle.links().len() as u32)
        }
        fn measure(&self, text: &str) -> u32 {
            text.len() as u32 * 2
        }
        fn measure_bound(&self, text: &str) -> Option<u32> {
            Some(text.len() as u32 * 3)
        }
        fn measure_unit(&self) -> MeasureUnit {
            MeasureUnit::Tokens
        }
    }

    #[test]
    fn the_limit_passes_on_what_fits_one_call() {
        let limited = limited(&Arc::new(Gate::default()), 0);
        assert_eq!(limited.chunk_budget(&bundle()), Some(1_000));
        assert_eq!(limited.measure("abc"), 6);
        assert_eq!(limited.measure_bound("abc"), Some(9));
        assert_eq!(limited.measure_unit(), MeasureUnit::Tokens);
    }

    fn bundle() -> SourceBundle {
        SourceBundle::parse(&["I am Ada.".into()], &[]).expect("a bundle")
    }

    fn limited(gate: &Arc<Gate>, max_waiting: u32) -> Arc<LimitedExtractor> {
        Arc::new(LimitedExtractor::new(
            gate.clone(),
            LlmLimit {
                max_concurrency: 1,
                queue_timeout: Duration::from_secs(10),
                max_waiting,
            },
        ))
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_waits_for_a_turn_and_then_runs() {
        let gate = Arc::new(Gate::default());
        let limited = limited(&gate, 4);
        let first = tokio::spawn({
            let l = limited.clone();
            async move { l.extract(&bundle()).await }
        });
        let second = tokio::spawn({
            let l = limited.clone();
            async move { l.extract(&bundle()).await }
        });
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(gate.started.load(Ordering::SeqCst), 1, "one turn only");
        gate.open.notify_one();
        assert!(first.await.expect("joined").is_ok());
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(
            gate.started.load(Ordering::SeqCst),
            2,
            "the waiter got the turn"
        );
        gate.open.notify_one();
        assert!(second.await.expect("joined").is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_that_waits_too_long_is_busy_and_never_reaches_the_model() {
        let gate = Arc::new(Gate::default());
        let limited = limited(&gate, 4);
        let _first = tokio::spawn({
            let l = limited.clone();
            async move { l.extract(&bundle()).await }
        });
        tokio::task::yield_now().await;
        // The clock is paused: the 10 s wait passes at once when nothing else can run.
        let failure = limited.extract(&bundle()).await.expect_err("no turn");
        assert_eq!(
            failure.error,
            ExtractError::Busy {
                retry_after: RETRY_AFTER
            }
        );
        assert_eq!(gate.started.load(Ordering::SeqCst), 1);
        assert_eq!(limited.waiting.load(Ordering::SeqCst), 0, "the waiter left");
    }

    #[tokio::test(start_paused = true)]
    async fn beyond_the_waiting_room_requests_are_turned_away_at_once() {
        let gate = Arc::new(Gate::default());
        let limited = limited(&gate, 1);
        let mut tasks = Vec::new();
        for _ in 0..2 {
            let l = limited.clone();
            tasks.push(tokio::spawn(async move { l.extract(&bundle()).await }));
        }
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        assert_eq!(limited.waiting.load(Ordering::SeqCst), 1);
        let started = tokio::time::Instant::now();
        let failure = limited.extract(&bundle()).await.expect_err("turned away");
        assert!(matches!(failure.error, ExtractError::Busy { .. }));
        assert_eq!(started.elapsed(), Duration::ZERO, "no wait at all");
        assert_eq!(limited.waiting.load(Ordering::SeqCst), 1);
    }
}
