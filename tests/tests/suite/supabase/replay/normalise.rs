//! Comparison of volatile values by their shape.

use regex::Regex;

/// Replaces volatile values by their shape.
pub(super) fn normalise(text: &str) -> String {
    let uuid =
        Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").expect("regex");
    let time = Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z").expect("regex");
    let hex = Regex::new(r"[0-9a-f]{32}").expect("regex");
    let text = uuid.replace_all(text, "<uuid>");
    let text = time.replace_all(&text, "<time>");
    hex.replace_all(&text, "<hex32>").into_owned()
}
