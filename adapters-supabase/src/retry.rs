//! One retry helper: exponential backoff with jitter inside a per-operation deadline.
//!
//! Written here rather than taken from a crate (`backon`, `backoff`): the schedule is ten lines,
//! and what matters is what a crate's iterator does not know: the operation's deadline (every
//! call's timeout is what is left of it, and no retry starts that could not finish inside it)
//! and the attempt number the save needs to know whether an earlier attempt may have landed.

use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

/// A retry is only started when at least this much time would be left for it after its pause:
/// an attempt given less would only time out.
pub(crate) const MIN_ATTEMPT: Duration = Duration::from_millis(100);

/// How hard to try: retries after the first attempt, the first pause, and the time for all.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub deadline: Duration,
}

/// The pause before retry number `retry` (1 for the first retry): `base · 2^(retry-1)`, of which
/// the upper half is scaled by `jitter` (in `0.0..=1.0`), so concurrent clients spread out while
/// every pause keeps at least half the exponential step ("equal jitter").
pub(crate) fn pause_before(retry: u32, base: Duration, jitter: f64) -> Duration {
    let step = base.saturating_mul(1u32 << retry.saturating_sub(1).min(16));
    let half = step / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

/// The attempts of one operation.
#[derive(Debug)]
pub(crate) struct Attempts {
    policy: Policy,
    ends_at: Instant,
    number: u32,
}

impl Attempts {
    pub(crate) fn start(policy: Policy) -> Self {
        Self {
            policy,
            ends_at: Instant::now() + policy.deadline,
            number: 1,
        }
    }

    /// 1 for the first attempt.
    pub(crate) fn number(&self) -> u32 {
        self.number
    }

    /// What is left of the deadline: the timeout for the next call.
    pub(crate) fn remaining(&self) -> Duration {
        self.ends_at.saturating_duration_since(Instant::now())
    }

    /// After a retryable failure: waits out the pause and returns `true` when another attempt
    /// may start; `false` when the retries are spent or the attempt could not finish in time.
    pub(crate) async fn next(&mut self) -> bool {
        if self.number > self.policy.max_retries {
            return false;
        }
        let pause = pause_before(
            self.number,
            self.policy.backoff_base,
            rand::thread_rng().r#gen(),
        );
        if pause + MIN_ATTEMPT > self.remaining() {
            return false;
        }
        tokio::time::sleep(pause).await;
        self.number += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_millis(100);

    #[test]
    fn pauses_double_and_keep_at_least_half_their_step() {
        assert_eq!(pause_before(1, BASE, 0.0), Duration::from_millis(50));
        assert_eq!(pause_before(1, BASE, 1.0), Duration::from_millis(100));
        assert_eq!(pause_before(2, BASE, 0.0), Duration::from_millis(100));
        assert_eq!(pause_before(3, BASE, 1.0), Duration::from_millis(400));
        assert_eq!(pause_before(3, BASE, 0.5), Duration::from_millis(300));
    }

    #[test]
    fn huge_retry_numbers_do_not_overflow() {
        assert!(pause_before(u32::MAX, BASE, 1.0) >= pause_before(17, BASE, 1.0));
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_after_max_retries() {
        let mut attempts = Attempts::start(Policy {
            max_retries: 2,
            backoff_base: BASE,
            deadline: Duration::from_secs(60),
        });
        assert!(attempts.next().await);
        assert!(attempts.next().await);
        assert_eq!(attempts.number(), 3);
        assert!(!attempts.next().await);
    }

    #[tokio::test(start_paused = true)]
    async fn no_retry_starts_that_cannot_finish_before_the_deadline() {
        let mut attempts = Attempts::start(Policy {
            max_retries: 5,
            backoff_base: Duration::from_secs(1),
            deadline: Duration::from_millis(600),
        });
        // The first pause is at least 500 ms, leaving less than MIN_ATTEMPT.
        let before = Instant::now();
        assert!(!attempts.next().await);
        assert_eq!(attempts.number(), 1);
        assert_eq!(
            Instant::now(),
            before,
            "no pause is slept for a retry that never starts"
        );
    }
}
