//! A mock that fails on purpose, for frontend teams: in mock mode only, the `x-mock-scenario`
//! header (or a draw at `MOCK_FAULT_RATE`) chooses an outcome of process-, save- or get-persona,
//! and `MOCK_LATENCY_MS` delays each answer. Each fault is built as the real path builds it (a
//! port error, or the limiter's and the deadline's refusal, through the one mapping), so its status, code, message, `retryable` and `Retry-After`
//! are the real service's. The delays use the timer of [`Api::with_timer`], the draws a
//! [`Random`] source the composition root injects: this crate has no runtime, no randomness.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use persona_ports::{ExtractError, StoreError};
use tracing::warn;

use crate::Api;
use crate::error::{ApiError, Refusal};
use crate::http::Request;
use crate::routes::Operation;

/// The request header that names a scenario.
pub const HEADER: &str = "x-mock-scenario";

/// How long `RATE_LIMITED` tells the client to wait.
pub const RATE_LIMITED_WAIT: Duration = Duration::from_secs(10);

/// How long `slow` waits before the normal answer.
pub const SLOW_DELAY: Duration = Duration::from_millis(3_000);

/// The longest `MOCK_LATENCY_MS` may ask for.
pub const MAX_LATENCY: Duration = Duration::from_millis(60_000);

/// A number in `[0, 1)`, drawn afresh at each call (`rand::random` in the composition root; a
/// fixed sequence in tests).
pub type Random = Arc<dyn Fn() -> f64 + Send + Sync>;

/// An outcome a frontend can ask the mock for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    RateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
    ExtractionFailed,
    Refused,
    Internal,
    /// The normal answer, after [`SLOW_DELAY`].
    Slow,
}

impl Scenario {
    pub const ALL: [Self; 7] = [
        Self::RateLimited,
        Self::UpstreamTimeout,
        Self::UpstreamUnavailable,
        Self::ExtractionFailed,
        Self::Refused,
        Self::Internal,
        Self::Slow,
    ];

    /// The name the header carries (exact, case-sensitive).
    pub const fn name(self) -> &'static str {
        match self {
            Self::RateLimited => "RATE_LIMITED",
            Self::UpstreamTimeout => "UPSTREAM_TIMEOUT",
            Self::UpstreamUnavailable => "UPSTREAM_UNAVAILABLE",
            Self::ExtractionFailed => "EXTRACTION_FAILED",
            Self::Refused => "REFUSED",
            Self::Internal => "INTERNAL",
            Self::Slow => "slow",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether the real `operation` can end this way: only an extraction fails or is refused.
    pub fn applies_to(self, operation: Operation) -> bool {
        !matches!(self, Self::ExtractionFailed | Self::Refused)
            || operation == Operation::ProcessPersona
    }

    /// The error the real service answers `operation` with in this case (`None` for `slow`,
    /// which answers normally). `deadline` is the request deadline, named in its answer.
    pub fn error(self, operation: Operation, deadline: Duration) -> Option<ApiError> {
        let process = operation == Operation::ProcessPersona;
        // The reasons are only ever logged; they say where the error came from.
        let reason = || format!("{HEADER} {}", self.name());
        Some(match self {
            Self::RateLimited => Refusal::RateLimited {
                operation,
                wait: RATE_LIMITED_WAIT,
            }
            .into(),
            Self::UpstreamTimeout if process => ExtractError::Timeout.into(),
            Self::UpstreamTimeout => Refusal::Deadline(deadline).into(),
            Self::UpstreamUnavailable if process => ExtractError::Unavailable {
                retryable: true,
                reason: reason(),
            }
            .into(),
            Self::UpstreamUnavailable => StoreError::Unavailable {
                retryable: true,
                reason: reason(),
            }
            .into(),
            Self::ExtractionFailed => ExtractError::InvalidOutput { reason: reason() }.into(),
            Self::Refused => ExtractError::Refused.into(),
            Self::Internal if process => ExtractError::Unexpected(reason()).into(),
            Self::Internal => StoreError::Unexpected(reason()).into(),
            Self::Slow => return None,
        })
    }

    /// The scenario a header value names for `operation`, or the 400 that says what to send.
    /// The value is client text, so no message repeats it.
    pub fn parse_for(value: &str, operation: Operation) -> Result<Self, ApiError> {
        let scenario = Self::from_name(value.trim()).ok_or_else(|| {
            let names = Self::ALL.iter().map(|s| s.name()).collect();
            Refusal::UnknownScenario { names }
        })?;
        if !scenario.applies_to(operation) {
            return Err(Refusal::ScenarioOfProcessOnly(scenario.name()).into());
        }
        Ok(scenario)
    }
}

/// `MOCK_FAULT_RATE` and `MOCK_LATENCY_MS`: random faults and delays in mock mode.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MockFaults {
    /// The share (0 to 1) of process/save/get requests without a scenario header that fail,
    /// each with a fault drawn uniformly among those of its operation (never `slow`).
    pub rate: f64,
    /// The delay before every process/save/get answer that passed the request's checks, drawn
    /// uniformly from `min..=max` (whole milliseconds).
    pub latency: Latency,
}

/// A delay range; `min == max` is a fixed delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Latency {
    pub min: Duration,
    pub max: Duration,
}

/// The mock's faults as the API holds them.
#[derive(Clone, Default)]
pub(crate) struct Mock {
    faults: MockFaults,
    random: Option<Random>,
    /// Whether the header's "ignored" warning was logged (once per API, so once per process).
    warned: Arc<AtomicBool>,
}

impl std::fmt::Debug for Mock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mock")
            .field("faults", &self.faults)
            .finish()
    }
}

impl Mock {
    fn draw(&self) -> f64 {
        self.random.as_ref().map_or(1.0, |random| random())
    }

    /// This answer's delay.
    fn latency(&self) -> Duration {
        let Latency { min, max } = self.faults.latency;
        // Whole milliseconds, at most a minute (the configuration checks it), so `u64` and `f64`
        // hold them exactly.
        let span = u64::try_from(max.saturating_sub(min).as_millis()).unwrap_or(0);
        if span == 0 {
            return min;
        }
        // `draw` is below 1, so the product stays within `0..=span`; the `min` guards rounding.
        let extra = ((self.draw() * (span + 1) as f64) as u64).min(span);
        min + Duration::from_millis(extra)
    }

    /// A fault for `operation` at the configured rate, or `None`.
    fn random_fault(&self, operation: Operation) -> Option<Scenario> {
        if self.faults.rate <= 0.0 || self.draw() >= self.faults.rate {
            return None;
        }
        let faults: Vec<Scenario> = Scenario::ALL
            .into_iter()
            .filter(|s| *s != Scenario::Slow && s.applies_to(operation))
            .collect();
        let pick = ((self.draw() * faults.len() as f64) as usize).min(faults.len() - 1);
        Some(faults[pick])
    }
}

impl Api {
    /// Fails and delays process/save/get in mock mode at random: `faults` says how often and
    /// how long, `random` draws. Without this (and outside mock mode) the mock answers at once
    /// and fails only when a request names a scenario.
    #[must_use]
    pub fn with_mock_faults(mut self, faults: MockFaults, random: Random) -> Self {
        self.mock.faults = faults;
        self.mock.random = Some(random);
        self
    }

    /// Called where `operation` would call the service, once the request has passed its checks:
    /// in mock mode, waits the latency, then answers the scenario's error, or waits `slow`'s
    /// delay and lets the service answer. Outside mock mode the header is ignored (and that is
    /// logged once). Waits need the timer ([`Api::with_timer`]); without one there are none.
    pub(crate) async fn mock_scenario(
        &self,
        operation: Operation,
        request: &Request,
    ) -> Result<(), ApiError> {
        let header = request.header(HEADER);
        if !self.settings.mock_mode {
            if header.is_some() && !self.mock.warned.swap(true, Ordering::Relaxed) {
                warn!("{HEADER} ignored: the service is not in mock mode");
            }
            return Ok(());
        }
        self.wait(self.mock.latency()).await;
        let scenario = match header {
            Some(value) => Some(Scenario::parse_for(value, operation)?),
            None => self.mock.random_fault(operation),
        };
        match scenario.map(|s| s.error(operation, self.settings.deadline)) {
            None => Ok(()),
            Some(Some(error)) => Err(error),
            // `slow`: the service answers, late.
            Some(None) => {
                self.wait(SLOW_DELAY).await;
                Ok(())
            }
        }
    }

    async fn wait(&self, delay: Duration) {
        if let (false, Some(sleep)) = (delay.is_zero(), &self.sleep) {
            sleep(delay).await;
        }
    }
}

#[cfg(test)]
mod tests;
