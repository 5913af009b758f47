//! Reading batch inputs (registry files, letter batches): the physical line of a CSV record.
//! Values are bounded and refused with control characters by [`crate::domain::text`]; names and
//! dates as people write them are compared by [`crate::domain::as_written`].

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex};

/// Where the lines of a CSV input begin, for the physical line of its records.
///
/// The csv crate's own line count is the number of `\n` consumed when a record starts to be
/// read, which is one short when the line before ends in `\r\n` (the `\n` is consumed with the
/// next record) or when blank lines come before the record. [`Lines::wrap`] records, as the
/// reader reads, where the line terminators are; [`Lines::line_of`] then gives the physical line
/// of a record from its starting byte: the line of its first character.
#[derive(Clone, Default)]
pub struct Lines(Arc<Mutex<LineIndex>>);

#[derive(Default)]
struct LineIndex {
    /// Offsets of the terminators (`\r`, `\n`) read but not yet passed, and whether each is `\n`.
    terminators: VecDeque<(u64, bool)>,
    /// `\n` passed so far.
    newlines: u64,
    /// Bytes read so far.
    read: u64,
}

impl Lines {
    /// A reader that records the terminators of what it reads into `self`.
    pub fn wrap<R: Read>(&self, inner: R) -> LineReader<R> {
        LineReader { inner, lines: self.clone() }
    }

    /// The physical line (from 1) of the record that starts at `byte` (csv's `Position::byte`,
    /// which may point at the terminators before it). Records must be asked in file order.
    pub fn line_of(&self, byte: u64) -> u64 {
        let mut index = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let LineIndex { terminators, newlines, .. } = &mut *index;
        let mut at = byte;
        while let Some(&(offset, lf)) = terminators.front() {
            if offset < at {
                *newlines += u64::from(lf);
            } else if offset == at {
                // A terminator where the record starts belongs to the lines before it.
                *newlines += u64::from(lf);
                at += 1;
            } else {
                break;
            }
            terminators.pop_front();
        }
        *newlines + 1
    }
}

/// See [`Lines::wrap`].
pub struct LineReader<R> {
    inner: R,
    lines: Lines,
}

impl<R: Read> Read for LineReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut index = self.lines.0.lock().unwrap_or_else(|e| e.into_inner());
        let start = index.read;
        for i in memchr::memchr2_iter(b'\n', b'\r', &buf[..n]) {
            index.terminators.push_back((start + i as u64, buf[i] == b'\n'));
        }
        index.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn physical_lines_of_records() {
        for (text, expected) in [
            ("h1,h2\na,b\nc,d\n", vec![2, 3]),
            ("h1,h2\r\na,b\r\nc,d\r\n", vec![2, 3]),
            ("h1,h2\r\na,\"b\r\nb\"\r\nc,d\r\n\r\n\r\ne,f", vec![2, 4, 7]),
            ("h1,h2\n\n\na,b\n", vec![4]),
        ] {
            let lines = Lines::default();
            let mut csv = csv::ReaderBuilder::new().from_reader(lines.wrap(text.as_bytes()));
            let mut got = Vec::new();
            let mut record = csv::ByteRecord::new();
            while csv.read_byte_record(&mut record).unwrap() {
                got.push(lines.line_of(record.position().unwrap().byte()));
            }
            assert_eq!(got, expected, "{text:?}");
        }
    }
}
