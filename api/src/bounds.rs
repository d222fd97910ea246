//! A bound on the lists and objects of a request body, checked before its JSON Schema.
//!
//! The schema validator gathers every error of an array before the first is read, so a 1 MiB
//! body of 524,000 small items where 50 blocks may be took 375 ms of CPU to answer 400. No list or
//! object the API takes holds more than [`MAX_ENTRIES`] entries (the most are the grounding's
//! fields, one per value, under 200), so a larger one is refused here, in time linear in the
//! body, before the validator sees it.

use serde_json::Value;

use crate::error::{ApiError, Refusal};

/// The most entries any list or object of a request body may hold.
pub(crate) const MAX_ENTRIES: usize = 1_000;

/// `Err` naming the size of the largest list or object when one holds over [`MAX_ENTRIES`]
/// entries. The message says sizes only: a path could hold the client's own keys.
pub(crate) fn check(value: &Value) -> Result<(), ApiError> {
    let largest = largest(value);
    if largest > MAX_ENTRIES {
        return Err(Refusal::TooManyEntries {
            largest,
            max: MAX_ENTRIES,
        }
        .into());
    }
    Ok(())
}

/// The number of entries of the largest list or object in `value`, at any depth. It walks with
/// its own stack: the parser already bounds the depth, but this needs no recursion either way.
fn largest(value: &Value) -> usize {
    let mut most = 0;
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::Array(items) => {
                most = most.max(items.len());
                pending.extend(items);
            }
            Value::Object(entries) => {
                most = most.max(entries.len());
                pending.extend(entries.values());
            }
            _ => {}
        }
    }
    most
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn lists_and_objects_up_to_the_bound_pass_at_any_depth() {
        let many: Vec<u32> = vec![0; MAX_ENTRIES];
        assert!(check(&json!({ "a": { "b": [many] } })).is_ok());
        assert!(check(&json!({ "textBlocks": ["I am Ada."] })).is_ok());
    }

    #[test]
    fn a_longer_list_or_a_larger_object_anywhere_is_refused_by_its_size() {
        let list = json!({ "persona": { "skills": vec![0; MAX_ENTRIES + 1] } });
        let error = check(&list).expect_err("too long");
        assert_eq!(error.code, ErrorCode::InvalidRequest);
        assert!(error.message.contains("1001 entries"), "{}", error.message);
        let object: serde_json::Map<String, Value> = (0..=MAX_ENTRIES)
            .map(|n| (format!("my secret {n}"), json!(n)))
            .collect();
        let error = check(&json!({ "grounding": { "fields": object } })).expect_err("too large");
        assert!(!error.message.contains("secret"), "{}", error.message);
    }
}
