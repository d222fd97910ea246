//! Rate limits per client and per operation (`RATE_LIMIT_PER_MINUTE`), with `governor`'s GCRA.
//!
//! Each operation has its own budget per client per minute, spent evenly (a full minute's budget
//! may come in a burst). process-persona is expensive (it calls the model) and gets the smallest
//! one. `health` and CORS preflights are never limited. The client is the peer address a front
//! door saw, or, only when [`RateLimitPolicy::trust_proxy_headers`] is on, the address a trusted
//! proxy put in front of it (`x-nf-client-connection-ip` on Netlify, else the last
//! `x-forwarded-for` entry, which the proxy itself appended).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::http::Request;
use crate::routes::Operation;

/// The default budgets per client per minute.
pub const DEFAULT_PER_MINUTE: [(Operation, u32); 5] = [
    (Operation::ProcessPersona, 10),
    (Operation::SavePersona, 30),
    (Operation::GetPersona, 120),
    (Operation::OpenApi, 60),
    (Operation::PersonaSchema, 60),
];

/// Forget clients idle for a full period after this many checks, so the table stays small.
const PRUNE_EVERY: u32 = 4096;

/// What `RATE_LIMIT_PER_MINUTE` and `TRUST_PROXY_HEADERS` say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitPolicy {
    /// Requests per client per minute, by operation; an operation not listed is not limited.
    pub per_minute: BTreeMap<&'static str, u32>,
    pub trust_proxy_headers: bool,
}

impl Default for RateLimitPolicy {
    fn default() -> Self {
        Self {
            per_minute: DEFAULT_PER_MINUTE
                .iter()
                .map(|(op, n)| (op.name(), *n))
                .collect(),
            trust_proxy_headers: false,
        }
    }
}

impl RateLimitPolicy {
    /// No limits at all.
    pub fn off() -> Self {
        Self {
            per_minute: BTreeMap::new(),
            trust_proxy_headers: false,
        }
    }

    /// Reads `RATE_LIMIT_PER_MINUTE`: a number for every limited operation (`0` turns limiting
    /// off), or a list of `operation=number` that changes only the operations it names, e.g.
    /// `process-persona=20,get-persona=600`.
    ///
    /// # Errors
    ///
    /// What is wrong with the value, for a person to fix.
    pub fn parse(value: &str, trust_proxy_headers: bool) -> Result<Self, String> {
        let mut policy = Self {
            trust_proxy_headers,
            ..Self::default()
        };
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
    trust_proxy_headers: bool,
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
            .field("trust_proxy_headers", &self.trust_proxy_headers)
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
            trust_proxy_headers: policy.trust_proxy_headers,
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
        let client = client_ip(request, self.trust_proxy_headers);
        limiter
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// The address the limits count against. Without a peer address and a trusted header, every
/// such request shares one budget (`0.0.0.0`).
pub(crate) fn client_ip(request: &Request, trust_proxy_headers: bool) -> IpAddr {
    let from_proxy = || {
        request
            .header("x-nf-client-connection-ip")
            .and_then(|v| v.trim().parse().ok())
            .or_else(|| {
                request
                    .header("x-forwarded-for")
                    .and_then(|v| v.rsplit(',').next())
                    .and_then(|v| v.trim().parse().ok())
            })
    };
    trust_proxy_headers
        .then(from_proxy)
        .flatten()
        .or(request.peer)
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
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
        let policy = RateLimitPolicy::parse("7", false).expect("parses");
        assert!(policy.per_minute.values().all(|n| *n == 7));
        assert_eq!(policy.per_minute.len(), DEFAULT_PER_MINUTE.len());
        assert!(
            RateLimitPolicy::parse("0", false)
                .expect("parses")
                .per_minute
                .is_empty()
        );
    }

    #[test]
    fn a_list_changes_only_the_operations_it_names() {
        let policy =
            RateLimitPolicy::parse("process-persona=3, get-persona=0", true).expect("parses");
        assert_eq!(policy.per_minute["process-persona"], 3);
        assert!(!policy.per_minute.contains_key("get-persona"));
        assert_eq!(policy.per_minute["save-persona"], 30);
        assert!(policy.trust_proxy_headers);
    }

    #[test]
    fn bad_values_say_what_to_write() {
        for (value, hint) in [
            ("lots", "neither a number nor operation=number"),
            ("health=3", "not a limited operation; use one of"),
            ("process-persona=-1", "whole number"),
        ] {
            let error = RateLimitPolicy::parse(value, false).expect_err(value);
            assert!(error.contains(hint), "{value}: {error}");
        }
    }

    #[test]
    fn a_client_that_spends_its_budget_waits_and_others_do_not() {
        let policy = RateLimitPolicy::parse("process-persona=2", false).expect("parses");
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

    #[test]
    fn proxy_headers_count_only_when_trusted() {
        let request = from("10.0.0.9")
            .with_header("x-forwarded-for", "6.6.6.6, 203.0.113.7")
            .with_header("x-real-ip", "7.7.7.7");
        assert_eq!(
            client_ip(&request, false),
            "10.0.0.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_ip(&request, true),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        let netlify = request.with_header("x-nf-client-connection-ip", "198.51.100.4");
        assert_eq!(
            client_ip(&netlify, true),
            "198.51.100.4".parse::<IpAddr>().unwrap()
        );
        let garbage = from("10.0.0.9").with_header("x-forwarded-for", "not an address");
        assert_eq!(
            client_ip(&garbage, true),
            "10.0.0.9".parse::<IpAddr>().unwrap()
        );
    }
}
