//! Rate limits per client and per operation (`RATE_LIMIT_PER_MINUTE`), with `governor`'s GCRA.
//!
//! Each operation has its own budget per client per minute, spent evenly (a full minute's budget
//! may come in a burst). process-persona is expensive (it calls the model) and gets the smallest
//! one. `health` and CORS preflights are never limited. The client is the address
//! [`RateLimitPolicy::client_address`] names (see [`client`]): the peer a front door saw, or the
//! one proxy header the operator trusts.

pub mod client;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub use self::client::ClientAddress;
use crate::http::Request;
use crate::routes::Operation;

/// The default budgets per client per minute.
pub const DEFAULT_PER_MINUTE: [(Operation, u32); 6] = [
    (Operation::ProcessPersona, 10),
    (Operation::SavePersona, 30),
    (Operation::GetPersona, 120),
    // A client following a job polls it: a growing interval stays well under this.
    (Operation::GetJob, 600),
    (Operation::OpenApi, 60),
    (Operation::PersonaSchema, 60),
];

/// Forget clients idle for a full period after this many checks, so the table stays small.
const PRUNE_EVERY: u32 = 4096;

/// What `RATE_LIMIT_PER_MINUTE`, `TRUSTED_CLIENT_IP_HEADER` and `TRUSTED_PROXY_HOPS` say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitPolicy {
    /// Requests per client per minute, by operation; an operation not listed is not limited.
    pub per_minute: BTreeMap<&'static str, u32>,
    /// Where a request's client address is read.
    pub client_address: ClientAddress,
}

impl Default for RateLimitPolicy {
    fn default() -> Self {
        Self {
            per_minute: DEFAULT_PER_MINUTE
                .iter()
                .map(|(op, n)| (op.name(), *n))
                .collect(),
            client_address: ClientAddress::Peer,
        }
    }
}

impl RateLimitPolicy {
    /// No limits at all.
    pub fn off() -> Self {
        Self {
            per_minute: BTreeMap::new(),
            client_address: ClientAddress::Peer,
        }
    }

    /// Reads `RATE_LIMIT_PER_MINUTE`: a number for every limited operation (`0` turns limiting
    /// off), or a list of `operation=number` that changes only the operations it names, e.g.
    /// `process-persona=20,get-persona=600`.
    ///
    /// # Errors
    ///
    /// What is wrong with the value, for a person to fix.
    pub fn parse(value: &str) -> Result<Self, String> {
        let mut policy = Self::default();
        let value = value.trim();
        if let Ok(n) = value.parse::<u32>() {
            if n == 0 {
                policy.per_minute.clear();
            } else {
                policy.per_minute.values_mut().for_each(|v| *v = n);
            }
            return Ok(policy);
        }
        for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (name, n) = entry
                .split_once('=')
                .ok_or_else(|| format!("`{entry}` is neither a number nor operation=number"))?;
            let name = name.trim();
            let op = DEFAULT_PER_MINUTE
                .iter()
                .map(|(op, _)| op.name())
                .find(|known| *known == name)
                .ok_or_else(|| {
                    let known: Vec<_> =
                        DEFAULT_PER_MINUTE.iter().map(|(op, _)| op.name()).collect();
                    format!(
                        "`{name}` is not a limited operation; use one of {}",
                        known.join(", ")
                    )
                })?;
            let n: u32 = n.trim().parse().map_err(|_| {
                format!("`{entry}`: the budget must be a whole number (0 = no limit)")
            })?;
            if n == 0 {
                policy.per_minute.remove(op);
            } else {
                policy.per_minute.insert(op, n);
            }
        }
        Ok(policy)
    }
}

/// The limiters, one per limited operation, shared by every request.
pub(crate) struct RateLimits {
    limiters: Vec<(Operation, DefaultKeyedRateLimiter<IpAddr>)>,
    client_address: ClientAddress,
    checks: AtomicU32,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field(
                "operations",
                &self
                    .limiters
                    .iter()
                    .map(|(op, _)| op.name())
                    .collect::<Vec<_>>(),
            )
            .field("client_address", &self.client_address)
            .finish_non_exhaustive()
    }
}

impl RateLimits {
    pub(crate) fn new(policy: &RateLimitPolicy) -> Self {
        let limiters = Operation::ALL
            .into_iter()
            .filter_map(|op| {
                let n = NonZeroU32::new(*policy.per_minute.get(op.name())?)?;
                Some((op, RateLimiter::keyed(Quota::per_minute(n))))
            })
            .collect();
        Self {
            limiters,
            client_address: policy.client_address,
            checks: AtomicU32::new(0),
        }
    }

    /// `Err(wait)` when the client has spent its budget for `operation`.
    pub(crate) fn check(&self, operation: Operation, request: &Request) -> Result<(), Duration> {
        let Some((_, limiter)) = self.limiters.iter().find(|(op, _)| *op == operation) else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            for (_, limiter) in &self.limiters {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
        let client = self.client_address.of(request);
        limiter
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(peer: &str) -> Request {
        let mut request = Request::new("POST", "/api/process-persona");
        request.peer = Some(peer.parse().expect("an address"));
        request
    }

    #[test]
    fn the_defaults_make_process_persona_the_scarcest() {
        let policy = RateLimitPolicy::default();
        let process = policy.per_minute["process-persona"];
        assert!(policy.per_minute.values().all(|n| *n >= process));
        assert!(!policy.per_minute.contains_key("health"));
    }

    #[test]
    fn a_number_sets_every_budget_and_zero_turns_limits_off() {
        let policy = RateLimitPolicy::parse("7").expect("parses");
        assert!(policy.per_minute.values().all(|n| *n == 7));
        assert_eq!(policy.per_minute.len(), DEFAULT_PER_MINUTE.len());
        assert!(
            RateLimitPolicy::parse("0")
                .expect("parses")
                .per_minute
                .is_empty()
        );
    }

    #[test]
    fn a_list_changes_only_the_operations_it_names() {
        let policy = RateLimitPolicy::parse("process-persona=3, get-persona=0").expect("parses");
        assert_eq!(policy.per_minute["process-persona"], 3);
        assert!(!policy.per_minute.contains_key("get-persona"));
        assert_eq!(policy.per_minute["save-persona"], 30);
    }

    #[test]
    fn bad_values_say_what_to_write() {
        for (value, hint) in [
            ("lots", "neither a number nor operation=number"),
            ("health=3", "not a limited operation; use one of"),
            ("process-persona=-1", "whole number"),
        ] {
            let error = RateLimitPolicy::parse(value).expect_err(value);
            assert!(error.contains(hint), "{value}: {error}");
        }
    }

    #[test]
    fn a_client_that_spends_its_budget_waits_and_others_do_not() {
        let policy = RateLimitPolicy::parse("process-persona=2").expect("parses");
        let limits = RateLimits::new(&policy);
        let op = Operation::ProcessPersona;
        assert!(limits.check(op, &from("10.0.0.1")).is_ok());
        assert!(limits.check(op, &from("10.0.0.1")).is_ok());
        let wait = limits
            .check(op, &from("10.0.0.1"))
            .expect_err("over budget");
        // Two per minute: the next one frees up about 30 seconds later.
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert!(limits.check(op, &from("10.0.0.2")).is_ok());
        // Other operations have budgets of their own.
        assert!(
            limits
                .check(Operation::GetPersona, &from("10.0.0.1"))
                .is_ok()
        );
        assert!(limits.check(Operation::Health, &from("10.0.0.1")).is_ok());
    }
}
