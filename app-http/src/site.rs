//! The playground page: the files of `public/`, embedded at compile time so the binary serves
//! them from any working directory, with the headers Netlify gives the same files
//! (`netlify.toml`'s `[[headers]]` rules; a test checks the two tables agree).
//!
//! Only `GET` and `HEAD` of these exact paths are the page's; every other request, `/api/*`
//! included, goes to the API unchanged.

/// One file of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteFile {
    /// The path it is served at (the page also at `/`).
    pub path: &'static str,
    /// Its `content-type`: the type Netlify derives from the file's extension.
    pub content_type: &'static str,
    pub body: &'static [u8],
}

const INDEX: &[u8] = include_bytes!("../../public/index.html");

/// Every file of the page, by path.
pub const FILES: [SiteFile; 5] = [
    SiteFile {
        path: "/",
        content_type: "text/html; charset=utf-8",
        body: INDEX,
    },
    SiteFile {
        path: "/index.html",
        content_type: "text/html; charset=utf-8",
        body: INDEX,
    },
    SiteFile {
        path: "/app.js",
        content_type: "application/javascript; charset=utf-8",
        body: include_bytes!("../../public/app.js"),
    },
    SiteFile {
        path: "/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../public/style.css"),
    },
    SiteFile {
        path: "/favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../public/favicon.svg"),
    },
];

/// The page's content security policy: its own script, style and API, nothing else; no inline
/// script or style, no framing, no form submission (the page sends with `fetch`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

/// The headers every file of the page carries besides its `content-type`. `no-cache`: a
/// browser may keep a copy but asks each time whether it is still current, so a new deploy shows
/// at once.
pub const HEADERS: [(&str, &str); 5] = [
    ("cache-control", "no-cache"),
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
];

/// The page's file a request asks for: `GET` or `HEAD` of one of [`FILES`]' paths (the query
/// string does not matter: `/?id=…` is the page).
pub fn find(method: &str, path: &str) -> Option<&'static SiteFile> {
    if method != "GET" && method != "HEAD" {
        return None;
    }
    FILES.iter().find(|file| file.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_and_head_of_each_path_find_its_file() {
        for file in &FILES {
            assert_eq!(find("GET", file.path), Some(file));
            assert_eq!(find("HEAD", file.path), Some(file));
        }
        assert_eq!(find("GET", "/").map(|f| f.body), Some(INDEX));
    }

    #[test]
    fn other_methods_and_paths_are_left_to_the_api() {
        for (method, path) in [
            ("POST", "/"),
            ("OPTIONS", "/app.js"),
            ("GET", "/api/health"),
            ("GET", "/app.js/"),
            ("GET", "/public/app.js"),
            ("GET", "/favicon.ico"),
        ] {
            assert_eq!(find(method, path), None, "{method} {path}");
        }
    }
}
