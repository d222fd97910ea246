//! `JOB_TTL`, `JOB_STALE_AFTER_MS`, `JOB_MAX_RUNS`, `JOB_WORKERS` and `JOB_QUEUE`: how long
//! background jobs are kept, when one has lost its worker, and the server's worker pool.

use std::time::Duration;

use persona_ports::JobPolicy;

use super::{ConfigError, millis, number};

/// Background jobs' settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSettings {
    /// `JOB_TTL` (seconds, default 86,400: 24 h), `JOB_STALE_AFTER_MS` (default 60,000: a job
    /// not over, unwritten this long, has lost its worker) and `JOB_MAX_RUNS` (default 2: how
    /// often such a job is started before it is failed as retryable).
    pub policy: JobPolicy,
    /// `JOB_WORKERS` (default 2): jobs a server runs at once. Each job's model calls still wait
    /// their turn under `LLM_MAX_CONCURRENCY`.
    pub workers: u32,
    /// `JOB_QUEUE` (default 100, at least 1): jobs a server holds waiting for a worker; past it an
    /// asynchronous submission is answered 503 with `Retry-After`.
    pub queue: u32,
    /// Whether jobs run on this process's own worker pool. Not read from the environment: the
    /// front door decides (a server does; a Netlify function, frozen once it answers, hands
    /// jobs to a background function instead).
    pub pool: bool,
    /// Where jobs are handed when not to a pool: the Netlify background function's URL. Not
    /// read here: the Netlify door derives it from `DEPLOY_URL` or `URL`.
    pub background: Option<String>,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            policy: JobPolicy::default(),
            workers: 2,
            queue: 100,
            pool: true,
            background: None,
        }
    }
}

/// Reads the variables through `get` (trimmed, empty as unset).
pub(super) fn job_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<JobSettings, ConfigError> {
    let default = JobSettings::default();
    let ttl_secs = number(
        get,
        "JOB_TTL",
        u32::try_from(default.policy.ttl.as_secs()).unwrap_or(u32::MAX),
        60,
        30 * 24 * 60 * 60,
    )?;
    Ok(JobSettings {
        policy: JobPolicy {
            ttl: Duration::from_secs(ttl_secs.into()),
            stale_after: millis(
                get,
                "JOB_STALE_AFTER_MS",
                default.policy.stale_after,
                400,
                3_600_000,
            )?,
            max_runs: number(get, "JOB_MAX_RUNS", default.policy.max_runs, 1, 10)?,
        },
        workers: number(get, "JOB_WORKERS", default.workers, 1, 1_000)?,
        queue: number(get, "JOB_QUEUE", default.queue, 1, 100_000)?,
        pool: default.pool,
        background: None,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<JobSettings, ConfigError> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        job_settings(&|name: &str| map.get(name).map(|v| (*v).to_owned()))
    }

    #[test]
    fn unset_is_a_day_a_minute_two_runs_two_workers_and_a_hundred_waiting() {
        let settings = read(&[]).expect("defaults");
        assert_eq!(settings, JobSettings::default());
        assert_eq!(settings.policy.ttl, Duration::from_secs(86_400));
        assert_eq!(settings.policy.stale_after, Duration::from_secs(60));
        assert_eq!(
            (settings.policy.max_runs, settings.workers, settings.queue),
            (2, 2, 100)
        );
    }

    #[test]
    fn each_variable_sets_its_field() {
        let settings = read(&[
            ("JOB_TTL", "3600"),
            ("JOB_STALE_AFTER_MS", "2000"),
            ("JOB_MAX_RUNS", "1"),
            ("JOB_WORKERS", "4"),
            ("JOB_QUEUE", "1"),
        ])
        .expect("read");
        assert_eq!(settings.policy.ttl, Duration::from_secs(3_600));
        assert_eq!(settings.policy.stale_after, Duration::from_secs(2));
        assert_eq!(
            (settings.policy.max_runs, settings.workers, settings.queue),
            (1, 4, 1)
        );
    }

    #[test]
    fn values_out_of_range_name_the_variable() {
        for (name, value) in [
            ("JOB_TTL", "59"),
            ("JOB_TTL", "1d"),
            ("JOB_STALE_AFTER_MS", "10"),
            ("JOB_MAX_RUNS", "0"),
            ("JOB_WORKERS", "0"),
            ("JOB_QUEUE", "0"),
        ] {
            let error = read(&[(name, value)]).expect_err(name);
            assert!(error.to_string().starts_with(name), "{error}");
        }
    }
}
