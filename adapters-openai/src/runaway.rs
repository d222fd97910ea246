//! Spotting a completion that has run away, while it streams, so it can be stopped long before
//! the token budget ends.
//!
//! Small models caught in a loop write the same few tokens again and again, inside one string or
//! as one list item after another. [`Guard`] reads the answer as it arrives and names the first
//! clear sign of that:
//!
//! - the same run of characters repeated [`MIN_REPEATS`] times or more, spanning at least
//!   [`MIN_REPEAT_SPAN`] characters, at the end of the answer (a run of up to [`MAX_PERIOD`]);
//! - a string more than twice as long as its field's bound (`answer_bounds` in the domain's schema; twice, because
//!   OpenAI's dialect does not send string lengths and a slightly long string is not a loop);
//! - a list with more items than its bound;
//! - nesting deeper than any persona has, or an answer longer than any bounded one.
//!
//! The reasons name fields and counts only, never text, so they may be logged and sent back to
//! the model.

use std::collections::VecDeque;

use persona_domain::schema::bounds::{FieldBound, bound_of};

/// The longest repeating run looked for, in characters.
pub(crate) const MAX_PERIOD: usize = 128;
/// The fewest repeats that count as a loop.
pub(crate) const MIN_REPEATS: usize = 4;
/// The shortest repeating stretch that counts as a loop: short repeats ("----", "ha ha ha")
/// occur in real material.
pub(crate) const MIN_REPEAT_SPAN: usize = 160;
/// The deepest nesting a persona answer has is 3 (the draft, evidence, an evidence item).
const MAX_DEPTH: usize = 8;
/// The characters of the answer kept to look for repeats in.
const WINDOW: usize = MAX_PERIOD * MIN_REPEATS * 2;

/// Reads a streamed answer and says when it has run away.
#[derive(Debug)]
pub(crate) struct Guard {
    tail: VecDeque<char>,
    total_chars: usize,
    max_total_chars: usize,
    json: Scanner,
}

impl Guard {
    /// A guard for answers at most `max_total_chars` long.
    pub fn new(max_total_chars: usize) -> Self {
        Self {
            tail: VecDeque::with_capacity(WINDOW),
            total_chars: 0,
            max_total_chars,
            json: Scanner::default(),
        }
    }

    /// Reads the next piece of the answer; `Some(reason)` once it has run away.
    pub fn feed(&mut self, piece: &str) -> Option<String> {
        for c in piece.chars() {
            if self.tail.len() == WINDOW {
                self.tail.pop_front();
            }
            self.tail.push_back(c);
            self.total_chars += 1;
            if let Some(reason) = self.json.feed(c) {
                return Some(reason);
            }
        }
        if self.total_chars > self.max_total_chars {
            return Some(format!(
                "the answer ran past {} characters",
                self.max_total_chars
            ));
        }
        self.repeat()
    }

    /// The shortest run that repeats at the end of the tail, if it makes a loop.
    fn repeat(&self) -> Option<String> {
        let tail = &self.tail;
        let len = tail.len();
        for period in 1..=MAX_PERIOD.min(len / MIN_REPEATS) {
            let matched = (period..len)
                .take_while(|&back| tail[len - 1 - back + period] == tail[len - 1 - back])
                .count();
            let span = matched + period;
            let repeats = span / period;
            if repeats >= MIN_REPEATS && span >= MIN_REPEAT_SPAN {
                return Some(format!(
                    "the same {period} characters repeated {repeats} times"
                ));
            }
        }
        None
    }
}

/// Where a string sits: the field whose bound applies.
#[derive(Debug)]
enum Frame {
    Object {
        /// The key whose value comes next, once read.
        key: Option<String>,
        expecting_key: bool,
    },
    Array {
        key: Option<String>,
        items: u64,
        item_open: bool,
    },
}

/// A forgiving JSON reader that tracks only what the bounds need: where each string is and
/// how long it is, and how many items each list has. It does not judge syntax; the schema
/// does that once the answer is complete.
#[derive(Debug, Default)]
struct Scanner {
    stack: Vec<Frame>,
    in_string: bool,
    escaped: bool,
    string_is_key: bool,
    string_chars: u64,
    key: String,
}

impl Scanner {
    fn feed(&mut self, c: char) -> Option<String> {
        if self.in_string {
            return self.feed_string(c);
        }
        match c {
            '"' => {
                self.string_is_key = matches!(
                    self.stack.last(),
                    Some(Frame::Object {
                        expecting_key: true,
                        ..
                    })
                );
                self.in_string = true;
                self.string_chars = 0;
                self.key.clear();
                if self.string_is_key {
                    return None;
                }
                self.open_value();
                self.list_bound()
            }
            '{' | '[' => {
                let key = self.open_value();
                if self.stack.len() >= MAX_DEPTH {
                    return Some(format!("the answer nested deeper than {MAX_DEPTH} levels"));
                }
                self.stack.push(if c == '{' {
                    Frame::Object {
                        key: None,
                        expecting_key: true,
                    }
                } else {
                    Frame::Array {
                        key,
                        items: 0,
                        item_open: false,
                    }
                });
                self.list_bound()
            }
            '}' | ']' => {
                self.stack.pop();
                None
            }
            ':' => {
                if let Some(Frame::Object { expecting_key, .. }) = self.stack.last_mut() {
                    *expecting_key = false;
                }
                None
            }
            ',' => {
                match self.stack.last_mut() {
                    Some(Frame::Object { expecting_key, .. }) => *expecting_key = true,
                    Some(Frame::Array { item_open, .. }) => *item_open = false,
                    None => {}
                }
                None
            }
            c if c.is_ascii_digit() || matches!(c, '-' | 't' | 'f' | 'n') => {
                self.open_value();
                self.list_bound()
            }
            _ => None,
        }
    }

    fn feed_string(&mut self, c: char) -> Option<String> {
        if self.escaped {
            self.escaped = false;
        } else if c == '\\' {
            self.escaped = true;
        } else if c == '"' {
            self.in_string = false;
            if self.string_is_key
                && let Some(Frame::Object { key, .. }) = self.stack.last_mut()
            {
                *key = Some(std::mem::take(&mut self.key));
            }
            return None;
        }
        self.string_chars += 1;
        if self.string_is_key {
            if self.key.len() < 64 {
                self.key.push(c);
            }
            return None;
        }
        let (field, bound) = self.string_bound()?;
        let limit = bound.max_chars.saturating_mul(2);
        (self.string_chars > limit).then(|| format!("`{field}` ran past {limit} characters"))
    }

    /// Notes that a value starts in the innermost container: a new item of a list. Returns the
    /// key of the value, for a container that opens here.
    fn open_value(&mut self) -> Option<String> {
        match self.stack.last_mut() {
            Some(Frame::Object { key, .. }) => key.clone(),
            Some(Frame::Array {
                key,
                items,
                item_open,
            }) => {
                if !*item_open {
                    *items += 1;
                    *item_open = true;
                }
                key.clone()
            }
            None => None,
        }
    }

    /// A list past its bound, checked as each item starts.
    fn list_bound(&self) -> Option<String> {
        let Some(Frame::Array {
            key: Some(key),
            items,
            ..
        }) = self.stack.last()
        else {
            return None;
        };
        let max = bound_of(key)?.max_items?;
        (*items > max).then(|| format!("`{key}` ran past {max} items"))
    }

    /// The bound of the string being read, with the field it belongs to.
    fn string_bound(&self) -> Option<(&str, FieldBound)> {
        let key = match self.stack.last()? {
            Frame::Object { key, .. } | Frame::Array { key, .. } => key.as_deref()?,
        };
        let bound = bound_of(key)?;
        let in_list = matches!(self.stack.last(), Some(Frame::Array { .. }));
        (in_list == bound.max_items.is_some() && bound.max_chars > 0).then_some((key, bound))
    }
}

/// The longest answer the guard lets through: twice the longest bounded one, so that only a
/// server that ignores both the schema and `max_tokens` meets it.
pub(crate) fn max_total_chars(full_schema: &serde_json::Value) -> usize {
    persona_domain::schema::bounds::max_answer_chars(full_schema).saturating_mul(2)
}

#[cfg(test)]
mod tests;
