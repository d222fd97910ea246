//! Reading the transcript's cases: the request line and headers, the response status and
//! headers, and the body as recorded.

#[derive(Debug, Default)]
pub(super) struct Case {
    pub(super) name: String,
    pub(super) proxied: bool,
    pub(super) method: String,
    pub(super) target: String,
    pub(super) headers: Vec<(String, String)>,
    pub(super) request_length: Option<usize>,
    /// The request body when the transcript shows it (part 2: `> ` lines after the blank one).
    pub(super) request_body: Option<String>,
    /// Compare answers as JSON values rather than as text (part 2 prints arrays one entry per
    /// line).
    pub(super) json_bodies: bool,
    pub(super) status: u16,
    pub(super) response_headers: Vec<(String, String)>,
    pub(super) body: Recorded,
}

#[derive(Debug, Default, PartialEq)]
pub(super) enum Recorded {
    #[default]
    Empty,
    Exact(String),
    /// `[body: N bytes, first 300:]`
    Prefix(usize),
}

impl Case {
    pub(super) fn id(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or_default()
    }
}

/// The `#### ` cases: `> ` request lines, `< ` response lines, then the body up to the fence.
pub(super) fn parse(transcript: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut current: Option<Case> = None;
    let mut body: Option<Vec<&str>> = None;
    for line in transcript.lines() {
        if let Some(name) = line.strip_prefix("#### ") {
            cases.extend(current.take());
            current = Some(Case {
                name: name.to_owned(),
                ..Case::default()
            });
            body = None;
            continue;
        }
        let Some(case) = current.as_mut() else {
            continue;
        };
        if line.starts_with("# ") {
            cases.extend(current.take());
            continue;
        }
        if line == "```" {
            if let Some(lines) = body.take() {
                case.body = match lines.first().and_then(|l| l.strip_prefix("[body: ")) {
                    Some(rest) => Recorded::Prefix(
                        rest.split_whitespace()
                            .next()
                            .and_then(|n| n.parse().ok())
                            .expect("a body length"),
                    ),
                    None if lines.is_empty() => Recorded::Empty,
                    None => Recorded::Exact(lines.join("\n")),
                };
            }
            continue;
        }
        if let Some(lines) = body.as_mut() {
            lines.push(line);
        } else if let Some(request) = line.strip_prefix('>') {
            let request = request.trim();
            if request.is_empty() {
                if !case.method.is_empty() {
                    case.request_body.get_or_insert_with(String::new);
                }
                continue;
            }
            if let Some(body) = case.request_body.as_mut() {
                body.push_str(request);
            } else if case.method.is_empty() {
                let mut parts = request.split(' ');
                case.method = parts.next().unwrap_or_default().to_owned();
                case.target = parts.next().unwrap_or_default().to_owned();
            } else if let Some((name, value)) = request.split_once(": ") {
                match name.to_ascii_lowercase().as_str() {
                    "host" => case.proxied = value.ends_with(":55080"),
                    "content-length" => case.request_length = value.parse().ok(),
                    _ => case.headers.push((name.to_owned(), value.to_owned())),
                }
            }
        } else if let Some(response) = line.strip_prefix('<') {
            let response = response.trim();
            if response.is_empty() {
                body = Some(Vec::new());
            } else if let Some(status) = response.strip_prefix("HTTP/1.1 ") {
                // A `100 Continue` is followed by the real status line.
                case.status = status[..3].parse().expect("a status");
                case.response_headers.clear();
            } else if let Some((name, value)) = response.split_once(": ") {
                case.response_headers
                    .push((name.to_owned(), value.to_owned()));
            }
        }
    }
    cases.extend(current);
    cases
}
