//! A decoder for server-sent events (the `text/event-stream` format of the WHATWG HTML
//! standard) as a streamed chat completion uses them: `data:` lines joined into one event,
//! dispatched at a blank line; comments and other fields ignored.
//!
//! The stream comes from another server, so it is input like any other: a line is at most
//! [`MAX_LINE`] bytes and an event at most [`MAX_EVENT`], and a stream that breaks either ends
//! with an error rather than with memory spent on it. Bytes are fed as they arrive, split
//! anywhere, lines ending in LF, CRLF or CR.

use thiserror::Error;

/// The longest line kept: a chunk of one token is well under 1 KiB; 64 KiB leaves room for a
/// usage chunk, a long error or a server that batches many tokens in one event.
pub(crate) const MAX_LINE: usize = 64 * 1024;
/// The most data one event may carry.
pub(crate) const MAX_EVENT: usize = 256 * 1024;

/// A stream the decoder refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub(crate) enum SseError {
    #[error("an event-stream line ran past {MAX_LINE} bytes")]
    LineTooLong,
    #[error("an event ran past {MAX_EVENT} bytes")]
    EventTooLarge,
}

/// Decodes an event stream fed in pieces. See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct SseDecoder {
    line: Vec<u8>,
    data: Vec<u8>,
    has_data: bool,
    /// The last byte fed was a CR, so an LF right after it ends nothing more.
    after_cr: bool,
}

impl SseDecoder {
    /// Feeds `bytes`, appending the data of every event they complete to `events`.
    pub fn feed(&mut self, bytes: &[u8], events: &mut Vec<String>) -> Result<(), SseError> {
        for &byte in bytes {
            let after_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
            match byte {
                b'\n' if after_cr => {}
                b'\n' | b'\r' => self.end_line(events)?,
                _ if self.line.len() >= MAX_LINE => return Err(SseError::LineTooLong),
                _ => self.line.push(byte),
            }
        }
        Ok(())
    }

    fn end_line(&mut self, events: &mut Vec<String>) -> Result<(), SseError> {
        let line = std::mem::take(&mut self.line);
        if line.is_empty() {
            if self.has_data {
                events.push(String::from_utf8_lossy(&self.data).into_owned());
            }
            self.data.clear();
            self.has_data = false;
            return Ok(());
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(0) => return Ok(()), // a comment, such as a keep-alive
            Some(i) => {
                let value = &line[i + 1..];
                (&line[..i], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (&line[..], &[][..]),
        };
        if field == b"data" {
            if self.has_data {
                self.data.push(b'\n');
            }
            if self.data.len() + value.len() > MAX_EVENT {
                return Err(SseError::EventTooLarge);
            }
            self.data.extend_from_slice(value);
            self.has_data = true;
        }
        self.line = line;
        self.line.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(pieces: &[&[u8]]) -> Result<Vec<String>, SseError> {
        let mut decoder = SseDecoder::default();
        let mut events = Vec::new();
        for piece in pieces {
            decoder.feed(piece, &mut events)?;
        }
        Ok(events)
    }

    #[test]
    fn events_split_anywhere_decode_the_same() {
        let stream = b"data: {\"a\":1}\n\n: keep-alive\n\ndata: [DONE]\n\n";
        let whole = decode(&[stream]).expect("decodes");
        assert_eq!(whole, vec!["{\"a\":1}", "[DONE]"]);
        for cut in 0..stream.len() {
            let (a, b) = stream.split_at(cut);
            assert_eq!(decode(&[a, b]).expect("decodes"), whole, "cut at {cut}");
        }
    }

    #[test]
    fn crlf_and_cr_end_lines_and_data_lines_join() {
        let events = decode(&[b"data:one\r\ndata: two\r\rdata: x\rid: 7\r\n\r\n"]).expect("ok");
        assert_eq!(events, vec!["one\ntwo", "x"]);
    }

    #[test]
    fn an_event_without_data_or_a_final_blank_line_gives_nothing() {
        assert_eq!(
            decode(&[b"event: ping\n\ndata: half"]).expect("ok"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_line_without_end_is_refused_at_the_bound() {
        let chunk = vec![b'x'; 1024];
        let mut decoder = SseDecoder::default();
        let mut events = Vec::new();
        let mut fed = 0;
        let error = loop {
            match decoder.feed(&chunk, &mut events) {
                Ok(()) => fed += chunk.len(),
                Err(e) => break e,
            }
            assert!(fed <= MAX_LINE, "kept more than one line's bound");
        };
        assert_eq!(error, SseError::LineTooLong);
        assert!(decoder.line.len() <= MAX_LINE);
    }

    #[test]
    fn an_event_of_many_lines_is_refused_at_the_bound() {
        let line = format!("data: {}\n", "y".repeat(1000));
        let mut decoder = SseDecoder::default();
        let mut events = Vec::new();
        let error = (0..1000)
            .find_map(|_| decoder.feed(line.as_bytes(), &mut events).err())
            .expect("refused before 1000 lines");
        assert_eq!(error, SseError::EventTooLarge);
        assert!(decoder.data.len() <= MAX_EVENT);
    }
}
