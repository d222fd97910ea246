//! CORS, decided here once so both front doors answer browsers identically.

use crate::http::{Request, Response};

/// Which browser origins may call the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsPolicy {
    /// Any origin (`access-control-allow-origin: *`): the default in mock mode.
    AnyOrigin,
    /// Exactly these origins (`scheme://host[:port]`); empty means no browser origin.
    Origins(Vec<String>),
}

/// Request headers a browser may send on a cross-origin call (`cache-control: no-cache` asks
/// process-persona for a fresh extraction; `if-none-match` asks get-persona for a 304).
const ALLOWED_HEADERS: &str = "content-type, x-request-id, cache-control, if-none-match";
/// The same in mock mode, with the header that names a mock scenario
/// ([`crate::scenario::HEADER`]): a browser preflights it before sending it.
const MOCK_ALLOWED_HEADERS: &str =
    "content-type, x-request-id, cache-control, if-none-match, x-mock-scenario";
/// Response headers a browser script may read.
const EXPOSED_HEADERS: &str = "x-request-id, retry-after, etag";
/// How long a browser may cache a preflight answer, in seconds.
const MAX_AGE: &str = "600";

impl CorsPolicy {
    /// Reads `ALLOWED_ORIGINS`-style text: `*`, or origins separated by commas.
    pub fn parse(list: &str) -> Self {
        let origins: Vec<String> = list
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        if origins.iter().any(|o| o == "*") {
            Self::AnyOrigin
        } else {
            Self::Origins(origins)
        }
    }

    fn allow_origin(&self, origin: Option<&str>) -> Option<String> {
        match (self, origin) {
            (Self::AnyOrigin, _) => Some("*".to_owned()),
            (Self::Origins(list), Some(origin)) if list.iter().any(|o| o == origin) => {
                Some(origin.to_owned())
            }
            _ => None,
        }
    }

    /// Adds the CORS headers that `request`'s origin earns to `response` (in mock mode, a
    /// preflight may also ask for `x-mock-scenario`).
    pub(crate) fn apply(&self, request: &Request, response: &mut Response, mock_mode: bool) {
        if matches!(self, Self::Origins(_)) {
            response.set_header("vary", "origin");
        }
        let Some(allowed) = self.allow_origin(request.header("origin")) else {
            return;
        };
        response.set_header("access-control-allow-origin", allowed);
        response.set_header("access-control-expose-headers", EXPOSED_HEADERS);
        if request.method == "OPTIONS" && request.header("access-control-request-method").is_some()
        {
            response.set_header("access-control-allow-methods", "GET, POST, OPTIONS");
            let headers = if mock_mode {
                MOCK_ALLOWED_HEADERS
            } else {
                ALLOWED_HEADERS
            };
            response.set_header("access-control-allow-headers", headers);
            response.set_header("access-control-max-age", MAX_AGE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_anywhere_in_the_list_allows_any_origin() {
        assert_eq!(CorsPolicy::parse("*"), CorsPolicy::AnyOrigin);
        assert_eq!(
            CorsPolicy::parse("https://a.example, *"),
            CorsPolicy::AnyOrigin
        );
    }

    #[test]
    fn origins_are_trimmed_and_lose_a_trailing_slash() {
        assert_eq!(
            CorsPolicy::parse(" https://a.example/ ,http://localhost:3000,,"),
            CorsPolicy::Origins(vec![
                "https://a.example".into(),
                "http://localhost:3000".into()
            ])
        );
        assert_eq!(CorsPolicy::parse(""), CorsPolicy::Origins(vec![]));
    }

    #[test]
    fn a_preflight_may_ask_for_the_scenario_header_in_mock_mode_only() {
        let preflight = Request::new("OPTIONS", "/api/process-persona")
            .with_header("origin", "https://a.example")
            .with_header("access-control-request-method", "POST");
        let allowed = |mock_mode| {
            let mut response = Response {
                status: 204,
                headers: Vec::new(),
                body: Vec::new(),
            };
            CorsPolicy::AnyOrigin.apply(&preflight, &mut response, mock_mode);
            response
                .header("access-control-allow-headers")
                .map(str::to_owned)
        };
        let mock = allowed(true).expect("preflight answered");
        let real = allowed(false).expect("preflight answered");
        assert!(
            mock.split(", ").any(|h| h == crate::scenario::HEADER),
            "{mock}"
        );
        assert!(!real.contains(crate::scenario::HEADER), "{real}");
        assert_eq!(mock, format!("{real}, {}", crate::scenario::HEADER));
    }

    #[test]
    fn only_listed_origins_are_echoed() {
        let policy = CorsPolicy::parse("https://a.example");
        assert_eq!(
            policy.allow_origin(Some("https://a.example")).as_deref(),
            Some("https://a.example")
        );
        assert_eq!(policy.allow_origin(Some("https://evil.example")), None);
        assert_eq!(policy.allow_origin(None), None);
    }
}
