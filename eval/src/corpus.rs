//! The corpus: one JSON file per case, `NN-short-name.json`, read in file-name order.
//!
//! ```json
//! {"description": "what the case tests",
//!  "textBlocks": ["..."], "links": ["https://..."],
//!  "labels": {"name": "Ana Ruiz", "age": null, "occupation": "welder", "location": null,
//!             "skills": ["welding"], "languages": ["Spanish", "English"]}}
//! ```
//!
//! `textBlocks` and `links` are sent as they are in a process-persona request; `labels` are
//! described in [`crate::labels`].

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

use crate::labels::Labels;

/// One labelled source.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file name without `.json`.
    pub name: String,
    pub description: String,
    pub text_blocks: Vec<String>,
    pub links: Vec<String>,
    pub labels: Labels,
}

/// A corpus that cannot be read.
#[derive(Debug, Error)]
pub enum CorpusError {
    #[error("cannot read the corpus folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the corpus folder {0} holds no .json case")]
    Empty(PathBuf),
    #[error("{path}: {reason}")]
    Case { path: PathBuf, reason: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CaseFile {
    description: String,
    text_blocks: Vec<String>,
    #[serde(default)]
    links: Vec<String>,
    labels: Value,
}

/// Reads every `*.json` case in `dir`, in file-name order.
///
/// # Errors
///
/// When the folder cannot be listed or holds no case, or a case cannot be read or parsed.
pub fn load(dir: &Path) -> Result<Vec<Case>, CorpusError> {
    let folder = |source| CorpusError::Folder {
        path: dir.to_owned(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(folder)? {
        let path = entry.map_err(folder)?.path();
        if path.extension().is_some_and(|e| e == "json") {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Err(CorpusError::Empty(dir.to_owned()));
    }
    paths.sort();
    paths.iter().map(|path| read_case(path)).collect()
}

fn read_case(path: &Path) -> Result<Case, CorpusError> {
    let fail = |reason: String| CorpusError::Case {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let file: CaseFile = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let labels = Labels::from_json(&file.labels).map_err(fail)?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Case {
        name,
        description: file.description,
        text_blocks: file.text_blocks,
        links: file.links,
        labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh, empty folder under the system's temporary folder.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("persona-eval-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        dir
    }

    const LABELS: &str = r#"{"name": null, "age": null, "occupation": null, "location": null}"#;

    #[test]
    fn cases_are_read_in_file_name_order_and_other_files_are_skipped() {
        let dir = scratch("order");
        for name in ["02-b", "01-a"] {
            std::fs::write(
                dir.join(format!("{name}.json")),
                format!(r#"{{"description": "{name}", "textBlocks": ["x"], "labels": {LABELS}}}"#),
            )
            .expect("write");
        }
        std::fs::write(dir.join("README.md"), "not a case").expect("write");
        let cases = load(&dir).expect("corpus");
        let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["01-a", "02-b"]);
        assert!(cases[0].links.is_empty());
        std::fs::remove_dir_all(dir).expect("cleanup");
    }

    #[test]
    fn a_bad_case_is_named_with_the_reason() {
        let dir = scratch("bad");
        std::fs::write(
            dir.join("01-typo.json"),
            format!(r#"{{"description": "", "textBlock": ["x"], "labels": {LABELS}}}"#),
        )
        .expect("write");
        let error = load(&dir).expect_err("refused").to_string();
        assert!(
            error.contains("01-typo.json") && error.contains("textBlock"),
            "{error}"
        );
        std::fs::remove_dir_all(dir).expect("cleanup");
    }

    #[test]
    fn an_empty_folder_is_refused() {
        let dir = scratch("empty");
        assert!(matches!(load(&dir), Err(CorpusError::Empty(_))));
        std::fs::remove_dir_all(dir).expect("cleanup");
    }
}
