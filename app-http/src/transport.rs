//! What one client may hold of the server: how long its request may take to arrive, how many
//! connections stay open, and how much memory the bodies being received may take together.
//!
//! A slow or stalled client costs a file descriptor, a connection's buffers and the part of its
//! body that has arrived. Each is bounded here so that a flood of them makes the server refuse
//! new work (connections wait in the listen backlog; bodies get a 503) rather than run out of
//! descriptors or memory: see RELIABILITY.md, "Slow clients and connection floods".

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tracing::{info, warn};

/// How long the request line and headers may take to arrive (actix's client request timeout,
/// for the first request of a connection).
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the body may take to arrive once its head has: 1 MiB in 20 s is 52 KB/s, slower
/// than any link a person would use, and with the head's 5 s a stalled request is closed within
/// 25 s.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(20);

/// At most this many connections per worker, whatever the descriptor limit allows.
pub const MAX_CONNECTIONS_PER_WORKER: usize = 8192;

/// Descriptors kept for everything but client connections: the listener, log and data files,
/// connections to the model and the store, the runtime's own.
pub const RESERVED_DESCRIPTORS: usize = 128;

/// The bytes of request bodies held at once, across all connections.
pub const BODY_BUDGET_BYTES: usize = 256 * 1024 * 1024;

/// The transport's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transport {
    pub head_timeout: Duration,
    pub body_timeout: Duration,
    /// actix's worker threads, each with its own connections.
    pub workers: usize,
    /// Open connections per worker; at the cap a worker stops accepting until one closes.
    pub max_connections_per_worker: usize,
    pub body_budget_bytes: usize,
}

impl Transport {
    /// The defaults, with the connection cap lowered so that every worker's connections fit
    /// within this process's limit of open files (`ulimit -n`): the cap must bite first, or
    /// `accept` fails and everything else that opens a file with it.
    pub fn for_this_process() -> Self {
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        let max_connections_per_worker = match open_files_limit() {
            Some(limit) => {
                let fitting = limit.saturating_sub(RESERVED_DESCRIPTORS) / workers;
                if fitting < MAX_CONNECTIONS_PER_WORKER {
                    warn!(
                        open_files_limit = limit,
                        max_connections = fitting * workers,
                        "the open-files limit lowers the connection cap; raise `ulimit -n` for more"
                    );
                }
                fitting.clamp(1, MAX_CONNECTIONS_PER_WORKER)
            }
            None => MAX_CONNECTIONS_PER_WORKER,
        };
        let transport = Self {
            head_timeout: HEAD_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
            workers,
            max_connections_per_worker,
            body_budget_bytes: BODY_BUDGET_BYTES,
        };
        info!(
            workers,
            max_connections = workers * max_connections_per_worker,
            head_timeout_s = transport.head_timeout.as_secs(),
            body_timeout_s = transport.body_timeout.as_secs(),
            "transport limits"
        );
        transport
    }
}

/// The soft limit on open files, from `/proc/self/limits` (Linux); `None` elsewhere or when
/// unlimited.
fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    parse_open_files_limit(&limits)
}

fn parse_open_files_limit(limits: &str) -> Option<usize> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The bytes of request bodies the server holds, counted as they arrive (never from what a
/// `Content-Length` announces), against one budget shared by every worker.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    used: Arc<AtomicUsize>,
    limit: usize,
}

impl BodyBudget {
    pub fn new(limit: usize) -> Self {
        Self {
            used: Arc::new(AtomicUsize::new(0)),
            limit,
        }
    }

    /// An empty share of the budget, to grow as a body arrives.
    pub fn share(&self) -> BodyShare {
        BodyShare {
            budget: self.clone(),
            held: 0,
        }
    }
}

/// One body's share of the [`BodyBudget`], given back when dropped (after its answer is built).
#[derive(Debug)]
pub struct BodyShare {
    budget: BodyBudget,
    held: usize,
}

impl BodyShare {
    /// Takes `bytes` more from the budget, or nothing and `false` when they do not fit.
    pub fn grow(&mut self, bytes: usize) -> bool {
        let limit = self.budget.limit;
        let taken = self
            .budget
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|total| *total <= limit)
            })
            .is_ok();
        if taken {
            self.held += bytes;
        }
        taken
    }
}

impl Drop for BodyShare {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.held, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_files_limit_is_read_from_proc_limits() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             63510                63510                processes \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(parse_open_files_limit(limits), Some(1024));
        let unlimited =
            "Max open files            unlimited            unlimited            files\n";
        assert_eq!(parse_open_files_limit(unlimited), None);
    }

    #[test]
    fn shares_grow_until_the_budget_is_spent_and_give_it_back_when_dropped() {
        let budget = BodyBudget::new(10);
        let mut first = budget.share();
        assert!(first.grow(6));
        let mut second = budget.share();
        assert!(!second.grow(5), "6 + 5 is over 10");
        assert!(second.grow(4));
        drop(first);
        assert!(second.grow(6), "the first share's 6 bytes came back");
        assert!(!second.grow(1));
    }
}
