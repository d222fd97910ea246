//! When a failed call is worth another try, and how long to wait first: the official OpenAI
//! client's policy, written out as plain functions.
//!
//! The schedule is small enough that a backoff crate (`backon`) would add a dependency without
//! removing code: the server's own wait must win over the schedule, and the deadline must veto a
//! wait, neither of which fits an iterator of delays cleanly. Jitter comes from `rand`.

use std::time::{Duration, SystemTime};

use rand::Rng;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// The longest server-given wait this adapter honours; a longer one falls back to the schedule.
const MAX_SERVER_WAIT: Duration = Duration::from_secs(60);
/// The schedule's first wait, in seconds.
const INITIAL_BACKOFF_SECS: f64 = 0.5;
/// The schedule's longest wait, in seconds.
const MAX_BACKOFF_SECS: f64 = 8.0;

/// Whether a status is transient: 408, 409, 429 and every 5xx.
pub(crate) fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error()
}

/// The server's `x-should-retry` verdict, which overrides the status-based choice.
pub(crate) fn should_retry_header(headers: &HeaderMap) -> Option<bool> {
    match headers.get("x-should-retry")?.to_str().ok()?.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// The wait the server asks for: `retry-after-ms`, else `retry-after` in (possibly fractional)
/// seconds or as an HTTP date, measured from `now`. Any positive value, however long.
pub(crate) fn server_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return positive_secs(ms / 1000.0);
    }
    let value = header("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return positive_secs(secs);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    at.duration_since(now).ok().filter(|d| !d.is_zero())
}

/// How long to wait before retry number `retry` (0 for the first): the server's wait when it is
/// at most 60 s, else `min(0.5 · 2^retry, 8)` seconds times `jitter`, a draw from 0.75..=1.0.
pub(crate) fn wait_before_retry(server: Option<Duration>, retry: u32, jitter: f64) -> Duration {
    match server {
        Some(wait) if wait <= MAX_SERVER_WAIT => wait,
        _ => {
            let exponent = i32::try_from(retry).unwrap_or(i32::MAX).min(16);
            let secs = (INITIAL_BACKOFF_SECS * 2f64.powi(exponent)).min(MAX_BACKOFF_SECS);
            Duration::from_secs_f64(secs * jitter.clamp(0.75, 1.0))
        }
    }
}

/// A jitter factor in 0.75..=1.0, so that clients that failed together do not retry together.
pub(crate) fn jitter() -> f64 {
    rand::thread_rng().gen_range(0.75..=1.0)
}

fn positive_secs(secs: f64) -> Option<Duration> {
    (secs.is_finite() && secs > 0.0)
        .then(|| Duration::try_from_secs_f64(secs).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("header value"));
        }
        map
    }

    #[test]
    fn transient_statuses_are_retryable_and_client_errors_are_not() {
        for status in [408, 409, 429, 500, 502, 503, 504, 529] {
            assert!(
                retryable_status(StatusCode::from_u16(status).unwrap()),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 422] {
            assert!(
                !retryable_status(StatusCode::from_u16(status).unwrap()),
                "{status}"
            );
        }
    }

    #[test]
    fn should_retry_header_reads_true_and_false_only() {
        assert_eq!(
            should_retry_header(&headers(&[("x-should-retry", "true")])),
            Some(true)
        );
        assert_eq!(
            should_retry_header(&headers(&[("x-should-retry", "false")])),
            Some(false)
        );
        assert_eq!(
            should_retry_header(&headers(&[("x-should-retry", "maybe")])),
            None
        );
        assert_eq!(should_retry_header(&HeaderMap::new()), None);
    }

    #[test]
    fn retry_after_ms_wins_over_retry_after() {
        let h = headers(&[("retry-after-ms", "250"), ("retry-after", "3")]);
        assert_eq!(
            server_wait(&h, SystemTime::now()),
            Some(Duration::from_millis(250))
        );
    }

    #[test]
    fn retry_after_may_be_fractional_seconds() {
        let h = headers(&[("retry-after", "1.5")]);
        assert_eq!(
            server_wait(&h, SystemTime::now()),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn retry_after_may_be_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let date = httpdate::fmt_http_date(now + Duration::from_secs(5));
        let h = headers(&[("retry-after", &date)]);
        assert_eq!(server_wait(&h, now), Some(Duration::from_secs(5)));
    }

    #[test]
    fn zero_negative_past_and_garbage_waits_are_ignored() {
        let now = SystemTime::now();
        for value in ["0", "-1", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"] {
            assert_eq!(
                server_wait(&headers(&[("retry-after", value)]), now),
                None,
                "{value}"
            );
        }
        assert_eq!(server_wait(&headers(&[("retry-after-ms", "0")]), now), None);
    }

    #[test]
    fn a_server_wait_up_to_a_minute_is_used_as_is() {
        let wait = Duration::from_secs(60);
        assert_eq!(wait_before_retry(Some(wait), 0, 1.0), wait);
    }

    #[test]
    fn a_server_wait_over_a_minute_falls_back_to_the_schedule() {
        let wait = wait_before_retry(Some(Duration::from_secs(61)), 0, 1.0);
        assert_eq!(wait, Duration::from_millis(500));
    }

    #[test]
    fn the_schedule_doubles_from_half_a_second_up_to_eight() {
        let waits: Vec<Duration> = (0..7).map(|n| wait_before_retry(None, n, 1.0)).collect();
        let ms: Vec<u128> = waits.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
    }

    #[test]
    fn jitter_shortens_the_schedule_by_at_most_a_quarter() {
        assert_eq!(wait_before_retry(None, 1, 0.75), Duration::from_millis(750));
        for _ in 0..100 {
            let j = jitter();
            assert!((0.75..=1.0).contains(&j), "{j}");
        }
    }
}
